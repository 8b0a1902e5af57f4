-- Findings workflow and exceptions (issue 16, docs WORKFLOW.md). Decisions live beside the evaluated status:
-- scans never rewrite them. Every added column has a constant default or none, so no table rewrite.
-- Exceptions are kept after revocation or expiry (revoked_at/revoked_by, ended_at) as the audit trail.
CREATE TABLE "finding_exceptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text,
	"control_id" text NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_value" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"ended_at" timestamp with time zone,
	"expiring_notified_at" timestamp with time zone,
	CONSTRAINT "finding_exceptions_scope_kind_values" CHECK (scope_kind IN ('account', 'ou', 'tag')),
	CONSTRAINT "finding_exceptions_revoked_by" CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
--> statement-breakpoint
-- New scopes findings:write and exceptions:write; existing keys keep exactly the scopes they have.
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_scopes_values";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "workflow" text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "ticket" jsonb;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "notes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "exception_id" uuid;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "workflow_changed_by" text;--> statement-breakpoint
ALTER TABLE "findings" ADD COLUMN "workflow_changed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "finding_exceptions_live_key_idx" ON "finding_exceptions" USING btree ("key") WHERE key IS NOT NULL AND ended_at IS NULL;--> statement-breakpoint
CREATE INDEX "finding_exceptions_unended_idx" ON "finding_exceptions" USING btree ("expires_at") WHERE ended_at IS NULL;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_exception_id_finding_exceptions_id_fk" FOREIGN KEY ("exception_id") REFERENCES "public"."finding_exceptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "findings_exception_id_idx" ON "findings" USING btree ("exception_id") WHERE exception_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_values" CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'scans:write', 'findings:write', 'exceptions:write', 'admin']::text[]);--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_workflow_values" CHECK (workflow IN ('new', 'acknowledged', 'suppressed'));--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_suppressed_iff_exception" CHECK ((workflow = 'suppressed') = (exception_id IS NOT NULL));