CREATE SEQUENCE "public"."findings_update_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "account_scans" (
	"scan_run_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"outcome" text NOT NULL,
	"error_code" text,
	"error_message" text,
	"observed_at" timestamp with time zone NOT NULL,
	"duration_ms" integer,
	"posture_version_id" bigint,
	CONSTRAINT "account_scans_pkey" PRIMARY KEY("scan_run_id","account_id"),
	CONSTRAINT "account_scans_outcome_values" CHECK (outcome IN ('assessed', 'unreachable', 'error', 'skipped')),
	CONSTRAINT "account_scans_duration_non_negative" CHECK (duration_ms IS NULL OR duration_ms >= 0)
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"state" text NOT NULL,
	"ou_path" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ou_path_text" text DEFAULT '/' NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"joined_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"current_posture_version_id" bigint,
	"last_assessed_at" timestamp with time zone,
	"last_outcome" text,
	"last_outcome_at" timestamp with time zone,
	CONSTRAINT "accounts_id_format" CHECK (id ~ '^[0-9]{12}$'),
	CONSTRAINT "accounts_state_values" CHECK (state IN ('PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED')),
	CONSTRAINT "accounts_last_outcome_values" CHECK (last_outcome IS NULL OR last_outcome IN ('assessed', 'unreachable', 'error', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_hash_format" CHECK (hash ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "api_keys_scopes_values" CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'scans:write', 'admin']::text[])
);
--> statement-breakpoint
CREATE TABLE "control_states" (
	"account_id" text NOT NULL,
	"control_id" text NOT NULL,
	"status" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"reason" text,
	"evidence" jsonb,
	"severity" text NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"scan_run_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "control_states_pkey" PRIMARY KEY("account_id","control_id"),
	CONSTRAINT "control_states_status_values" CHECK (status IN ('PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN')),
	CONSTRAINT "control_states_severity_values" CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info'))
);
--> statement-breakpoint
CREATE TABLE "drift_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "drift_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" text NOT NULL,
	"account_id" text,
	"kind" text NOT NULL,
	"control_id" text,
	"field" text,
	"from_value" jsonb,
	"to_value" jsonb,
	"severity" text NOT NULL,
	"scan_run_id" uuid,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drift_events_kind_values" CHECK (kind IN ('control_changed', 'root_activity', 'credential_changed', 'coverage_lost', 'coverage_restored', 'account_added', 'account_removed', 'account_state_changed')),
	CONSTRAINT "drift_events_severity_values" CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info'))
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "findings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"dedup_key" text NOT NULL,
	"account_id" text NOT NULL,
	"control_id" text NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone NOT NULL,
	"reason" text,
	"evidence" jsonb,
	"update_seq" bigint DEFAULT nextval('findings_update_seq') NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "findings_status_values" CHECK (status IN ('open', 'resolved')),
	CONSTRAINT "findings_severity_values" CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
	CONSTRAINT "findings_dedup_key_format" CHECK (dedup_key = account_id || '/' || control_id),
	CONSTRAINT "findings_resolved_iff_resolved_at" CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"management_account_id" text,
	"features" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"features_known" boolean DEFAULT false NOT NULL,
	"scp_enabled" boolean,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_management_account_id_format" CHECK (management_account_id IS NULL OR management_account_id ~ '^[0-9]{12}$')
);
--> statement-breakpoint
CREATE TABLE "posture_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "posture_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"facts" jsonb NOT NULL,
	"results" jsonb NOT NULL,
	"fingerprint" text NOT NULL,
	"first_observed_at" timestamp with time zone NOT NULL,
	"last_observed_at" timestamp with time zone NOT NULL,
	"superseded_at" timestamp with time zone,
	"first_scan_run_id" uuid,
	CONSTRAINT "posture_versions_window_ordered" CHECK (last_observed_at >= first_observed_at),
	CONSTRAINT "posture_versions_superseded_after_last_observed" CHECK (superseded_at IS NULL OR superseded_at >= last_observed_at)
);
--> statement-breakpoint
CREATE TABLE "scan_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"assessed" integer DEFAULT 0 NOT NULL,
	"unreachable" integer DEFAULT 0 NOT NULL,
	"errored" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"error_code" text,
	"error_message" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "scan_runs_trigger_values" CHECK (trigger IN ('schedule', 'api', 'cli', 'demo')),
	CONSTRAINT "scan_runs_status_values" CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed')),
	CONSTRAINT "scan_runs_counters_valid" CHECK (assessed >= 0 AND unreachable >= 0 AND errored >= 0 AND skipped >= 0 AND assessed + unreachable + errored + skipped <= total),
	CONSTRAINT "scan_runs_finished_iff_terminal" CHECK ((status IN ('queued', 'running')) = (finished_at IS NULL))
);
--> statement-breakpoint
ALTER TABLE "account_scans" ADD CONSTRAINT "account_scans_scan_run_id_scan_runs_id_fk" FOREIGN KEY ("scan_run_id") REFERENCES "public"."scan_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_scans" ADD CONSTRAINT "account_scans_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_scans" ADD CONSTRAINT "account_scans_posture_version_id_posture_versions_id_fk" FOREIGN KEY ("posture_version_id") REFERENCES "public"."posture_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_current_posture_version_id_posture_versions_id_fk" FOREIGN KEY ("current_posture_version_id") REFERENCES "public"."posture_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_states" ADD CONSTRAINT "control_states_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_states" ADD CONSTRAINT "control_states_scan_run_id_scan_runs_id_fk" FOREIGN KEY ("scan_run_id") REFERENCES "public"."scan_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_events" ADD CONSTRAINT "drift_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_events" ADD CONSTRAINT "drift_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_events" ADD CONSTRAINT "drift_events_scan_run_id_scan_runs_id_fk" FOREIGN KEY ("scan_run_id") REFERENCES "public"."scan_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posture_versions" ADD CONSTRAINT "posture_versions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "posture_versions" ADD CONSTRAINT "posture_versions_first_scan_run_id_scan_runs_id_fk" FOREIGN KEY ("first_scan_run_id") REFERENCES "public"."scan_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_runs" ADD CONSTRAINT "scan_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_scans_observed_at_idx" ON "account_scans" USING btree ("observed_at");--> statement-breakpoint
CREATE INDEX "account_scans_account_observed_at_idx" ON "account_scans" USING btree ("account_id","observed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "accounts_org_id_idx" ON "accounts" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "accounts_name_id_idx" ON "accounts" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "accounts_ou_path_text_idx" ON "accounts" USING btree ("ou_path_text" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_ou_path_gin_idx" ON "accounts" USING gin ("ou_path" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "accounts_tags_gin_idx" ON "accounts" USING gin ("tags" jsonb_path_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "control_states_control_status_idx" ON "control_states" USING btree ("control_id","status","account_id");--> statement-breakpoint
CREATE INDEX "control_states_failing_idx" ON "control_states" USING btree ("account_id") WHERE status = 'FAIL';--> statement-breakpoint
CREATE INDEX "drift_events_account_id_idx" ON "drift_events" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "drift_events_org_id_idx" ON "drift_events" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "drift_events_control_id_idx" ON "drift_events" USING btree ("control_id","id");--> statement-breakpoint
CREATE INDEX "drift_events_detected_at_idx" ON "drift_events" USING btree ("detected_at");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_one_open_per_dedup_key_idx" ON "findings" USING btree ("dedup_key") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "findings_update_seq_idx" ON "findings" USING btree ("update_seq");--> statement-breakpoint
CREATE INDEX "findings_account_status_idx" ON "findings" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "findings_status_severity_idx" ON "findings" USING btree ("status","severity");--> statement-breakpoint
CREATE UNIQUE INDEX "posture_versions_one_current_per_account_idx" ON "posture_versions" USING btree ("account_id") WHERE superseded_at IS NULL;--> statement-breakpoint
CREATE INDEX "posture_versions_account_first_observed_idx" ON "posture_versions" USING btree ("account_id","first_observed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "scan_runs_one_active_per_org_idx" ON "scan_runs" USING btree ("org_id") WHERE status IN ('queued', 'running');--> statement-breakpoint
CREATE INDEX "scan_runs_requested_at_id_idx" ON "scan_runs" USING btree ("requested_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "scan_runs_org_requested_at_idx" ON "scan_runs" USING btree ("org_id","requested_at" DESC NULLS LAST,"id" DESC NULLS LAST);