-- Retention pruning finds old account-scan rows through their runs (the primary key's prefix): one index
-- insert less per account and scan.
DROP INDEX "account_scans_observed_at_idx";--> statement-breakpoint
-- An unchanged re-scan moves last_observed_at of each current version. With facts and results inline a
-- version row is about 2.4 KB, few fit in a page, and most of those updates could not stay on their page
-- (a non-HOT update logs the whole new row and inserts into every index). Postgres moves values out of
-- line (TOAST) only from rows over about 2 KB, but then down to this target: such a row keeps about 200
-- bytes in the page, and an update that does not change the TOAST values leaves them alone. Rows written
-- before this keep their layout until the table is rewritten (VACUUM FULL).
ALTER TABLE "posture_versions" SET (toast_tuple_target = 128, fillfactor = 50);
