-- Billing as data: tiers with prices, features and limits; staff's per-workspace overrides; one
-- subscription per workspace; and the counters that enforce limits in the same transaction as the
-- write that would pass them.

CREATE TABLE billing_tiers (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,31}$'),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- Higher is a bigger plan: moving up is an upgrade (now, prorated), down a downgrade (at period end).
    rank integer NOT NULL UNIQUE,
    currency text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$'),
    -- Integer minor units (cents).
    monthly_price bigint NOT NULL CHECK (monthly_price >= 0),
    yearly_price bigint NOT NULL CHECK (yearly_price >= 0),
    -- How long a one-time purchase of the tier lasts.
    duration_months integer NOT NULL DEFAULT 12 CHECK (duration_months > 0),
    -- The trial a new subscription to this tier starts with (0: none).
    trial_days integer NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
    -- Stripe's price ids, when the platform mirrors Stripe.
    stripe_monthly_price text,
    stripe_yearly_price text,
    stripe_one_time_price text,
    is_public boolean NOT NULL DEFAULT true
);

CREATE TABLE billing_features (
    key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    name text NOT NULL,
    description text NOT NULL DEFAULT ''
);

CREATE TABLE billing_tier_features (
    tier_id text NOT NULL REFERENCES billing_tiers (id) ON DELETE CASCADE,
    feature text NOT NULL REFERENCES billing_features (key) ON DELETE CASCADE,
    PRIMARY KEY (tier_id, feature)
);

CREATE TABLE billing_limit_types (
    key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- `total`: what exists now; `month`: what was used since the start of the calendar month (UTC).
    period text NOT NULL CHECK (period IN ('total', 'month'))
);

CREATE TABLE billing_tier_limits (
    tier_id text NOT NULL REFERENCES billing_tiers (id) ON DELETE CASCADE,
    limit_type text NOT NULL REFERENCES billing_limit_types (key) ON DELETE CASCADE,
    -- NULL: unlimited.
    value bigint CHECK (value >= 0),
    PRIMARY KEY (tier_id, limit_type)
);

-- Staff's exceptions for one workspace; they win over the tier.
CREATE TABLE workspace_feature_overrides (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    feature text NOT NULL REFERENCES billing_features (key) ON DELETE CASCADE,
    enabled boolean NOT NULL,
    reason text NOT NULL DEFAULT '',
    set_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, feature)
);

CREATE TABLE workspace_limit_overrides (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    limit_type text NOT NULL REFERENCES billing_limit_types (key) ON DELETE CASCADE,
    -- NULL: unlimited.
    value bigint CHECK (value >= 0),
    reason text NOT NULL DEFAULT '',
    set_by uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, limit_type)
);

-- A workspace's plan. Statuses are Stripe's; without Stripe this row is the truth.
CREATE TABLE subscriptions (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    tier_id text NOT NULL REFERENCES billing_tiers (id),
    billing_period text NOT NULL DEFAULT 'month' CHECK (billing_period IN ('month', 'year')),
    status text NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete')),
    trial_start timestamptz,
    trial_end timestamptz,
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    canceled_at timestamptz,
    ended_at timestamptz,
    -- A downgrade waits for the period's end.
    scheduled_tier_id text REFERENCES billing_tiers (id),
    scheduled_billing_period text CHECK (scheduled_billing_period IN ('month', 'year')),
    stripe_customer_id text,
    stripe_subscription_id text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (current_period_end > current_period_start)
);
CREATE INDEX subscriptions_due ON subscriptions (current_period_end) WHERE status IN ('trialing', 'active', 'past_due');

-- How much of each counted limit a workspace uses now, kept by triggers on what is counted. A write
-- that adds something locks its counter first, so concurrent writes pass a limit one at a time.
CREATE TABLE workspace_usage (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    limit_type text NOT NULL REFERENCES billing_limit_types (key),
    used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (workspace_id, limit_type)
);

-- Who added or removed what, when: one row per change of a counter.
CREATE TABLE usage_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    limit_type text NOT NULL REFERENCES billing_limit_types (key),
    delta integer NOT NULL,
    subject text NOT NULL,
    actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_events_history ON usage_events (workspace_id, limit_type, created_at DESC, id DESC);

INSERT INTO billing_limit_types (key, name, description, period) VALUES
    ('members', 'Members', 'People in the workspace, invited ones included', 'total'),
    ('api_keys', 'API keys', 'Keys that are not revoked', 'total'),
    ('recordsets', 'Recordsets', 'Recordsets not in the trash', 'total'),
    ('records', 'Records', 'Records not deleted', 'total'),
    ('visibility_credits', 'Visibility credits', 'Credits spent on visibility runs this month, refunds deducted', 'month');

INSERT INTO billing_features (key, name, description) VALUES
    ('api_access', 'API access', 'API keys for automation'),
    ('channels', 'Channels', 'Team channels with live messages'),
    ('crm', 'CRM', 'Contacts, interactions, tasks and proposals'),
    ('ai_assistant', 'AI assistant', 'AI analysis, drafts and summaries in the CRM and channels'),
    ('visibility', 'AI visibility', 'Visibility projects and runs against AI providers'),
    ('audit_log', 'Audit log', 'Who did what, searchable'),
    ('custom_roles', 'Custom roles', 'Per-role permission matrices'),
    ('priority_support', 'Priority support', 'Answers within one business day'),
    ('sso', 'Single sign-on', 'Sign-in through the company''s identity provider');

INSERT INTO billing_tiers (id, name, description, rank, monthly_price, yearly_price, duration_months, trial_days) VALUES
    ('free', 'Free', 'For trying things out', 0, 0, 0, 12, 0),
    ('pro', 'Pro', 'For small teams', 1, 4900, 49000, 12, 3),
    ('business', 'Business', 'For growing companies', 2, 19900, 199000, 12, 3),
    ('enterprise', 'Enterprise', 'Unlimited, with single sign-on', 3, 99900, 999000, 12, 0);

INSERT INTO billing_tier_features (tier_id, feature)
SELECT t.id, f.feature FROM billing_tiers t
JOIN (VALUES ('api_access', 0), ('channels', 0), ('crm', 0), ('ai_assistant', 1), ('visibility', 1), ('audit_log', 1),
             ('custom_roles', 2), ('priority_support', 2), ('sso', 3)) AS f (feature, from_rank) ON t.rank >= f.from_rank;

INSERT INTO billing_tier_limits (tier_id, limit_type, value) VALUES
    ('free', 'members', 3), ('free', 'api_keys', 2), ('free', 'recordsets', 5), ('free', 'records', 1000),
    ('free', 'visibility_credits', 100),
    ('pro', 'members', 10), ('pro', 'api_keys', 10), ('pro', 'recordsets', 50), ('pro', 'records', 50000),
    ('pro', 'visibility_credits', 2000),
    ('business', 'members', 50), ('business', 'api_keys', 50), ('business', 'recordsets', 500), ('business', 'records', 1000000),
    ('business', 'visibility_credits', 20000),
    ('enterprise', 'members', NULL), ('enterprise', 'api_keys', NULL), ('enterprise', 'recordsets', NULL),
    ('enterprise', 'records', NULL), ('enterprise', 'visibility_credits', NULL);

-- Counters for the limits the control schema holds. Tenant schemas count their own (records and
-- recordsets), and visibility credits are the ledger's.
CREATE FUNCTION workspaces_open_usage() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO workspace_usage (workspace_id, limit_type) VALUES (NEW.id, 'members'), (NEW.id, 'api_keys') ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER workspaces_open_usage AFTER INSERT ON workspaces FOR EACH ROW EXECUTE FUNCTION workspaces_open_usage();

-- Every membership row is a seat, an invitation included. The counter is updated before anything
-- else, so every writer takes the counter's lock first.
CREATE FUNCTION workspace_members_count() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    seat workspace_members;
    delta integer;
BEGIN
    IF TG_OP = 'INSERT' THEN seat := NEW; delta := 1; ELSE seat := OLD; delta := -1; END IF;
    UPDATE workspace_usage SET used = used + delta WHERE workspace_id = seat.workspace_id AND limit_type = 'members';
    INSERT INTO usage_events (workspace_id, limit_type, delta, subject, actor_id)
    SELECT seat.workspace_id, 'members', delta, 'user:' || seat.user_id, CASE WHEN delta > 0 THEN coalesce(seat.invited_by, seat.user_id) END
    WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = seat.workspace_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER workspace_members_count AFTER INSERT OR DELETE ON workspace_members FOR EACH ROW EXECUTE FUNCTION workspace_members_count();

-- A key counts until it is revoked (a disabled or expired key can come back; a revoked one cannot).
CREATE FUNCTION api_keys_count() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    delta integer := 0;
    key api_keys;
BEGIN
    IF TG_OP = 'INSERT' THEN key := NEW; delta := CASE WHEN NEW.revoked_at IS NULL THEN 1 ELSE 0 END;
    ELSIF TG_OP = 'DELETE' THEN key := OLD; delta := CASE WHEN OLD.revoked_at IS NULL THEN -1 ELSE 0 END;
    ELSE key := NEW; delta := (CASE WHEN NEW.revoked_at IS NULL THEN 1 ELSE 0 END) - (CASE WHEN OLD.revoked_at IS NULL THEN 1 ELSE 0 END);
    END IF;
    IF delta <> 0 THEN
        UPDATE workspace_usage SET used = used + delta WHERE workspace_id = key.workspace_id AND limit_type = 'api_keys';
        INSERT INTO usage_events (workspace_id, limit_type, delta, subject, actor_id)
        SELECT key.workspace_id, 'api_keys', delta, 'api_key:' || key.id, CASE WHEN delta > 0 THEN key.created_by END
        WHERE EXISTS (SELECT 1 FROM workspaces WHERE id = key.workspace_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER api_keys_count AFTER INSERT OR UPDATE OF revoked_at OR DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_count();

INSERT INTO workspace_usage (workspace_id, limit_type, used)
SELECT w.id, 'members', (SELECT count(*) FROM workspace_members m WHERE m.workspace_id = w.id) FROM workspaces w;
INSERT INTO workspace_usage (workspace_id, limit_type, used)
SELECT w.id, 'api_keys', (SELECT count(*) FROM api_keys k WHERE k.workspace_id = w.id AND k.revoked_at IS NULL) FROM workspaces w;

-- Workspaces made before billing keep working as they did: on the top tier, active, a month at a time.
INSERT INTO subscriptions (workspace_id, tier_id, status, current_period_start, current_period_end)
SELECT id, 'enterprise', 'active', now(), now() + interval '1 month' FROM workspaces;
