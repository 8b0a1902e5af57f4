-- Guarded remediation of root credentials (issue 17, ROOT-ACCESS.md "Guarded remediation"): a plan names the exact
-- credentials to delete per account as last observed (ids and serials only, never a secret); every step of its
-- apply is a remediation_actions row. The approver must differ from the planner (also checked here).
CREATE TABLE "remediation_actions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "remediation_actions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"plan_id" uuid NOT NULL,
	"account_id" text,
	"kind" text NOT NULL,
	"credential_type" text,
	"credential_id" text,
	"reason" text,
	"detail" jsonb,
	"actor" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "remediation_actions_kind_values" CHECK (kind IN ('planned', 'approved', 'deleted', 'skipped', 'failed', 'rescan_requested', 'rescan_result', 'finished'))
);
--> statement-breakpoint
CREATE TABLE "remediation_plans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_by_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"approved_by" text,
	"approved_by_key_id" uuid,
	"approved_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"selection" jsonb NOT NULL,
	"accounts" jsonb NOT NULL,
	CONSTRAINT "remediation_plans_status_values" CHECK (status IN ('planned', 'applying', 'applied', 'failed')),
	CONSTRAINT "remediation_plans_expiry_after_creation" CHECK (expires_at > created_at),
	CONSTRAINT "remediation_plans_approver_differs" CHECK (approved_by IS NULL OR (approved_by <> created_by AND coalesce(approved_by_key_id <> created_by_key_id, true))),
	CONSTRAINT "remediation_plans_approved_iff_claimed" CHECK ((status = 'planned') = (approved_at IS NULL))
);
--> statement-breakpoint
-- New scope remediations:write; new scan trigger `remediation` (the rescan after an apply).
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_scopes_values";--> statement-breakpoint
ALTER TABLE "scan_runs" DROP CONSTRAINT "scan_runs_trigger_values";--> statement-breakpoint
-- The last remediation step on a finding, so the findings feed shows remediation as it happens (nullable: no rewrite).
ALTER TABLE "findings" ADD COLUMN "remediation" jsonb;--> statement-breakpoint
ALTER TABLE "remediation_actions" ADD CONSTRAINT "remediation_actions_plan_id_remediation_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."remediation_plans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_actions" ADD CONSTRAINT "remediation_actions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "remediation_plans" ADD CONSTRAINT "remediation_plans_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "remediation_actions_plan_id_idx" ON "remediation_actions" USING btree ("plan_id","id");--> statement-breakpoint
CREATE INDEX "remediation_plans_created_at_id_idx" ON "remediation_plans" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_values" CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'scans:write', 'findings:write', 'exceptions:write', 'remediations:write', 'admin']::text[]);--> statement-breakpoint
ALTER TABLE "scan_runs" ADD CONSTRAINT "scan_runs_trigger_values" CHECK (trigger IN ('schedule', 'api', 'cli', 'demo', 'event', 'remediation'));