-- Run recovery (services/worker/src/run-recovery.ts) checks the jobs of a run that has recorded nothing for a
-- while, by the database's clock: each progress shard stamps its last count. A constant default: no rewrite.
ALTER TABLE "scan_run_progress" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Lost or failed jobs are re-enqueued under the next generation, whose job ids differ from the dead ones'.
ALTER TABLE "scan_runs" ADD COLUMN "job_generation" integer DEFAULT 1 NOT NULL;
