-- Payment first, account second: a Stripe Checkout paid through the public pay link, with no
-- workspace yet, becomes an invite. Its code (emailed) and access code (for the /final-process
-- page) are derived from the id with a server key, so neither is stored; the code's SHA-256 finds
-- the row. Signing up with it makes the account and workspace and links the paid subscription.
CREATE TABLE stripe_invites (
    id uuid PRIMARY KEY,
    code_digest bytea NOT NULL UNIQUE,
    email text NOT NULL,
    customer_name text,
    tier_id text REFERENCES billing_tiers (id),
    billing_period text NOT NULL DEFAULT 'month' CHECK (billing_period IN ('month', 'year')),
    stripe_checkout_session_id text NOT NULL UNIQUE,
    stripe_customer_id text,
    stripe_subscription_id text,
    affiliate_code text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'used')),
    -- Set when a signup claims it, in the transaction that creates the user; the workspace row
    -- follows in the next step, so it is not a foreign key.
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    workspace_id uuid,
    used_at timestamptz,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX stripe_invites_pending_email ON stripe_invites (lower(email)) WHERE status = 'pending';
