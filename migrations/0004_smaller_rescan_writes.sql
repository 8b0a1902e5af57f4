-- Retention pruning finds old account-scan rows through their runs (the primary key's prefix): one index
-- insert less per account and scan.
DROP INDEX "account_scans_observed_at_idx";--> statement-breakpoint
-- An unchanged re-scan moves last_observed_at of each current version. With facts and results inline a
-- version row is 1–2.5 KB, few fit in a page, and most of those updates could not stay on their page
-- (a non-HOT update logs the whole new row and inserts into every index). Stored out of line (TOAST,
-- compressed), they leave a row of about 200 bytes; the TOAST values are not rewritten by an update that
-- does not change them. Rows written before this take the new layout at their next update.
ALTER TABLE "posture_versions" SET (toast_tuple_target = 128, fillfactor = 50);
