-- Stripe's events, each acted on once (a redelivery is answered and ignored), and how new the
-- Stripe state a subscription mirrors is (an older event never overwrites a newer one).
CREATE TABLE stripe_events (
    id text PRIMARY KEY,
    type text NOT NULL,
    -- Stripe's `created`: when the event (and the object state it carries) happened.
    created timestamptz NOT NULL,
    workspace_id uuid REFERENCES workspaces (id) ON DELETE SET NULL,
    -- What the platform did: applied, stale (older than what it has), ignored (not for us).
    outcome text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE subscriptions
    ADD COLUMN stripe_price_id text,
    ADD COLUMN stripe_synced_at timestamptz;
CREATE INDEX subscriptions_stripe_customer ON subscriptions (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL;
