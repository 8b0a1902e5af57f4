-- Root activity from CloudTrail through EventBridge and SQS (EVENTS.md). One row per CloudTrail eventID (unique):
-- a redelivered or duplicated SQS message never records twice. The id is the GET /v1/root-activity cursor.
CREATE TABLE "root_activity" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "root_activity_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" text NOT NULL,
	"org_id" text NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"event_name" text NOT NULL,
	"event_source" text NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"source_ip" text,
	"user_agent" text,
	"region" text,
	"mfa_used" boolean,
	"success" boolean NOT NULL,
	"error_code" text,
	"drift_event_id" bigint,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "root_activity_kind_values" CHECK (kind IN ('console_login', 'api_call', 'root_session'))
);
--> statement-breakpoint
-- Debounce of the rescans root activity asks for (at most one per account per window), moved in the consumer's
-- transaction so a crash neither loses nor doubles a request.
CREATE TABLE "root_activity_rescans" (
	"account_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- A rescan asked for by root activity runs with trigger 'event'.
ALTER TABLE "scan_runs" DROP CONSTRAINT "scan_runs_trigger_values";--> statement-breakpoint
ALTER TABLE "root_activity" ADD CONSTRAINT "root_activity_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "root_activity" ADD CONSTRAINT "root_activity_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "root_activity" ADD CONSTRAINT "root_activity_drift_event_id_drift_events_id_fk" FOREIGN KEY ("drift_event_id") REFERENCES "public"."drift_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "root_activity_rescans" ADD CONSTRAINT "root_activity_rescans_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "root_activity_rescans" ADD CONSTRAINT "root_activity_rescans_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "root_activity_event_id_idx" ON "root_activity" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "root_activity_account_id_idx" ON "root_activity" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "root_activity_org_id_idx" ON "root_activity" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "root_activity_event_time_idx" ON "root_activity" USING btree ("event_time");--> statement-breakpoint
ALTER TABLE "scan_runs" ADD CONSTRAINT "scan_runs_trigger_values" CHECK (trigger IN ('schedule', 'api', 'cli', 'demo', 'event'));--> statement-breakpoint
-- Webhook event root.activity (migrations/0007_webhooks.sql): written in the transaction that records the
-- activity, and only when an enabled webhook subscribes. One subject per account: its events arrive in order.
CREATE FUNCTION webhook_outbox_root_activity_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF webhook_subscribed('root.activity') THEN
    INSERT INTO webhook_outbox (type, subject, payload)
    SELECT 'root.activity', 'root-activity/' || n.account_id, to_jsonb(n) FROM new_rows n ORDER BY n.id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER root_activity_webhook_outbox_insert AFTER INSERT ON root_activity
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_root_activity_inserted();
