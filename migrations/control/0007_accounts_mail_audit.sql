-- Accounts: profile fields, users without a password yet (invited or provisioned by staff), a
-- Clerk id, and an avatar kept in file storage.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users
    ADD COLUMN title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    ADD COLUMN bio text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    ADD COLUMN avatar_key text,
    ADD COLUMN clerk_id text UNIQUE,
    ADD COLUMN last_login_at timestamptz,
    ADD COLUMN has_password boolean GENERATED ALWAYS AS (password_hash IS NOT NULL) STORED;

-- Secrets sent by mail or minted for one use (password reset, activation, invitation,
-- impersonation): only their SHA-256 is kept; each is spent once and expires.
CREATE TABLE one_time_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('password_reset', 'activation', 'invitation', 'impersonation')),
    token_digest bytea NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id uuid REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    -- Set when a newer token of the same kind replaces this one (invite-link, resend).
    revoked_at timestamptz
);
CREATE INDEX one_time_tokens_open ON one_time_tokens (user_id, kind, workspace_id) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Outgoing mail. The body carries links with live tokens, so it is kept sealed (AES-GCM with a key
-- derived from the server secret) and erased once the message is sent or given up on.
CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    sealed_body bytea,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    message_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);

-- Security events. No foreign keys: the trail outlives the users, keys and workspaces it names.
CREATE TABLE audit_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    action text NOT NULL,
    outcome text NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
    actor_user_id uuid,
    actor_api_key_id uuid,
    workspace_id uuid,
    target_type text,
    target_id text,
    ip text,
    user_agent text CHECK (length(user_agent) <= 512),
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, occurred_at DESC, id);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, occurred_at DESC);

-- Wakes the mail sender (in whichever process runs it) when a message is queued.
CREATE FUNCTION notify_mail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_events', 'mail');
    RETURN NULL;
END
$$;
CREATE TRIGGER mail_outbox_queued AFTER INSERT ON mail_outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_mail_outbox();
