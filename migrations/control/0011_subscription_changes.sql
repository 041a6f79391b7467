-- Every change to a subscription, in order: the self-hosted ledger that invoices are computed from
-- (a change with an amount is a charge, or with a negative one a credit), and its history.
CREATE TABLE subscription_changes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN (
        'trial_started', 'trial_ended', 'period_started', 'upgraded', 'downgrade_scheduled', 'downgrade_canceled',
        'downgraded', 'cancel_scheduled', 'reactivated', 'canceled')),
    from_tier text REFERENCES billing_tiers (id),
    to_tier text REFERENCES billing_tiers (id),
    billing_period text CHECK (billing_period IN ('month', 'year')),
    -- Integer minor units charged (negative: credited); 0 when nothing is owed.
    amount bigint NOT NULL DEFAULT 0,
    currency text NOT NULL DEFAULT 'usd',
    -- What the amount pays for.
    period_start timestamptz,
    period_end timestamptz,
    -- Numbered per workspace when it is a charge: INV-<workspace>-0001.
    invoice_number integer,
    actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, invoice_number)
);
CREATE INDEX subscription_changes_history ON subscription_changes (workspace_id, created_at DESC, id DESC);
CREATE INDEX subscription_changes_invoices ON subscription_changes (workspace_id, created_at DESC, id DESC) WHERE invoice_number IS NOT NULL;
