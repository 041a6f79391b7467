-- A Postgres-backed job queue: claimed with FOR UPDATE SKIP LOCKED, leased, taken over on expiry.
CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
    payload jsonb NOT NULL DEFAULT '{}',
    progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    current_step text,
    message text,
    result jsonb,
    error_code text,
    error_message text,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_by text,
    lease_expires_at timestamptz,
    event_seq integer NOT NULL DEFAULT 0,
    idempotency_key text UNIQUE,
    workspace_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'QUEUED';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE status = 'RUNNING';

-- Every progress change, in order; SSE streams replay these by seq.
CREATE TABLE job_events (
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    status text NOT NULL,
    progress integer NOT NULL,
    current_step text,
    message text,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);

-- Notifications are sent by triggers, so no code path can forget one. NOTIFY is delivered at commit.
CREATE FUNCTION notify_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_events', 'job:' || NEW.job_id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
    FOR EACH ROW EXECUTE FUNCTION notify_job_event();

CREATE FUNCTION notify_job_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'QUEUED' THEN
        PERFORM pg_notify('platform_events', 'jobs');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION notify_job_queued();
