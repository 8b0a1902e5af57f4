CREATE TABLE "scan_run_progress" (
	"scan_run_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"assessed" integer DEFAULT 0 NOT NULL,
	"unreachable" integer DEFAULT 0 NOT NULL,
	"errored" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "scan_run_progress_pkey" PRIMARY KEY("scan_run_id","shard"),
	CONSTRAINT "scan_run_progress_counters_non_negative" CHECK (assessed >= 0 AND unreachable >= 0 AND errored >= 0 AND skipped >= 0)
);
--> statement-breakpoint
ALTER TABLE "scan_run_progress" ADD CONSTRAINT "scan_run_progress_scan_run_id_scan_runs_id_fk" FOREIGN KEY ("scan_run_id") REFERENCES "public"."scan_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every scan updates each account row (last outcome) and each unchanged current posture version
-- (last_observed_at). Free room on the page makes those HOT updates: no index entries, and page
-- pruning reuses the space of the superseded row versions instead of growing the table per scan.
-- (drizzle-kit does not model storage parameters; existing pages keep their fill until rewritten.)
ALTER TABLE "accounts" SET (fillfactor = 60);--> statement-breakpoint
ALTER TABLE "posture_versions" SET (fillfactor = 70);
