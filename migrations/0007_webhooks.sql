CREATE TABLE "webhook_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"webhook_id" uuid NOT NULL,
	"outbox_id" bigint NOT NULL,
	"subject" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempt_log" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_status_code" integer,
	"last_latency_ms" integer,
	"last_error" text,
	"response_body" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"first_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_status_values" CHECK (status IN ('pending', 'delivered', 'failed')),
	CONSTRAINT "webhook_deliveries_response_body_size" CHECK (octet_length(response_body) <= 1024)
);
--> statement-breakpoint
CREATE TABLE "webhook_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"subject" text NOT NULL,
	"payload" jsonb NOT NULL,
	"webhook_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"relayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"description" text,
	"severity_at_least" text,
	"secret_ciphertext" "bytea" NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"disabled_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhooks_severity_at_least_values" CHECK (severity_at_least IS NULL OR severity_at_least IN ('critical', 'high', 'medium', 'low', 'info')),
	CONSTRAINT "webhooks_disabled_iff_reason" CHECK (enabled = (disabled_at IS NULL))
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_outbox_id_webhook_outbox_id_fk" FOREIGN KEY ("outbox_id") REFERENCES "public"."webhook_outbox"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_outbox" ADD CONSTRAINT "webhook_outbox_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_webhook_outbox_idx" ON "webhook_deliveries" USING btree ("webhook_id","outbox_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending_lane_idx" ON "webhook_deliveries" USING btree ("webhook_id","subject","outbox_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_id_idx" ON "webhook_deliveries" USING btree ("webhook_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_outbox_id_idx" ON "webhook_deliveries" USING btree ("outbox_id");--> statement-breakpoint
CREATE INDEX "webhook_outbox_unrelayed_idx" ON "webhook_outbox" USING btree ("id") WHERE relayed_at IS NULL;--> statement-breakpoint
-- Webhook events are written by triggers, in the transaction of the change they describe: every write path
-- (scans, the API, an operator's SQL) is covered, and a crash can neither lose an event nor invent one.
-- The triggers are per statement, with transition tables: a scan that opens 10,000 findings in one INSERT
-- costs one subscription check, and nothing more when no enabled webhook takes the event type.
-- A later event type (root.activity on root_activity, exception.expiring) adds its own trigger or job that
-- checks webhook_subscribed() and inserts into webhook_outbox the same way.
CREATE FUNCTION webhook_subscribed(event_type text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled AND event_type = ANY (events))
$$;
--> statement-breakpoint
-- Wakes the worker's relay (LISTEN rootwatch_webhook_outbox) at commit; it also polls, so a lost
-- notification only delays.
CREATE FUNCTION webhook_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rootwatch_webhook_outbox', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER webhook_outbox_notify AFTER INSERT ON webhook_outbox
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_notify();
--> statement-breakpoint
CREATE FUNCTION webhook_outbox_findings_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF webhook_subscribed('finding.opened') THEN
    INSERT INTO webhook_outbox (type, subject, payload)
    SELECT 'finding.opened', 'finding/' || n.id, to_jsonb(n) FROM new_rows n ORDER BY n.id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER findings_webhook_outbox_insert AFTER INSERT ON findings
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_findings_inserted();
--> statement-breakpoint
-- open → resolved is finding.resolved; any other change is finding.updated, except one that only moves
-- last_seen_at / update_seq / updated_at (a re-scan that still fails). Rows are compared as jsonb minus
-- those keys, so columns added later (workflow, ticket, notes…) are covered without touching this.
CREATE FUNCTION webhook_outbox_findings_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  want_resolved boolean := webhook_subscribed('finding.resolved');
  want_updated boolean := webhook_subscribed('finding.updated');
BEGIN
  IF NOT (want_resolved OR want_updated) THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_outbox (type, subject, payload)
  SELECT c.type, 'finding/' || c.id, c.row
  FROM (
    SELECT n.id, to_jsonb(n) AS row,
      CASE WHEN o.status = 'open' AND n.status = 'resolved' THEN 'finding.resolved' ELSE 'finding.updated' END AS type,
      (to_jsonb(n) - ARRAY['last_seen_at', 'update_seq', 'updated_at'])
        IS DISTINCT FROM (to_jsonb(o) - ARRAY['last_seen_at', 'update_seq', 'updated_at']) AS changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
  ) c
  WHERE c.changed
    AND ((c.type = 'finding.resolved' AND want_resolved) OR (c.type = 'finding.updated' AND want_updated))
  ORDER BY c.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER findings_webhook_outbox_update AFTER UPDATE ON findings
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_findings_updated();
--> statement-breakpoint
-- Drift of one account's control (or posture field) is one subject: its events arrive in order.
CREATE FUNCTION webhook_outbox_drift_events_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF webhook_subscribed('drift.event') THEN
    INSERT INTO webhook_outbox (type, subject, payload)
    SELECT 'drift.event',
      'drift/' || coalesce(n.account_id, n.org_id) || '/' || coalesce(n.control_id, n.field, n.kind),
      to_jsonb(n)
    FROM new_rows n ORDER BY n.id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER drift_events_webhook_outbox_insert AFTER INSERT ON drift_events
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_drift_events_inserted();
--> statement-breakpoint
CREATE FUNCTION webhook_outbox_scan_runs_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF webhook_subscribed('scan.completed') THEN
    INSERT INTO webhook_outbox (type, subject, payload)
    SELECT 'scan.completed', 'scan/' || n.id, to_jsonb(n)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.status IN ('queued', 'running') AND n.status NOT IN ('queued', 'running')
    ORDER BY n.finished_at, n.id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER scan_runs_webhook_outbox_update AFTER UPDATE ON scan_runs
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_scan_runs_updated();
