-- Credits: an append-only ledger per workspace. Each entry has a key unique in its workspace, so a
-- retried debit or refund is the first one, never a second.
CREATE TABLE credit_entries (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('grant', 'debit', 'refund', 'expiry', 'adjustment')),
    -- Signed: grants, refunds and positive adjustments add; debits, expiries and negative adjustments take.
    credits bigint NOT NULL CHECK (credits <> 0),
    balance_after bigint NOT NULL CHECK (balance_after >= 0),
    idempotency_key text NOT NULL,
    -- What the entry is for, e.g. `visibility_run:<id>`.
    reference text,
    description text NOT NULL DEFAULT '',
    -- A refund names the debit it returns.
    refund_of uuid REFERENCES credit_entries (id),
    expires_at timestamptz,
    actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, idempotency_key)
);
CREATE INDEX credit_entries_history ON credit_entries (workspace_id, created_at DESC, id DESC);
CREATE INDEX credit_entries_refunds ON credit_entries (refund_of) WHERE refund_of IS NOT NULL;

-- The balance, one row per workspace: every ledger write locks it first, so writes to one
-- workspace's credits happen one at a time and the balance can never go below zero.
CREATE TABLE credit_balances (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    balance bigint NOT NULL CHECK (balance >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Where credits stand: each grant, refund or positive adjustment is a lot; debits take from the lots
-- that expire first. The balance is always the sum of the lots' remainders.
CREATE TABLE credit_lots (
    entry_id uuid PRIMARY KEY REFERENCES credit_entries (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    expires_at timestamptz,
    remaining bigint NOT NULL CHECK (remaining >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_lots_open ON credit_lots (workspace_id, expires_at, created_at) WHERE remaining > 0;

-- Which lots a debit took from, so its refund puts credits back where they came from.
CREATE TABLE credit_allocations (
    debit_id uuid NOT NULL REFERENCES credit_entries (id) ON DELETE CASCADE,
    lot_id uuid NOT NULL REFERENCES credit_lots (entry_id) ON DELETE CASCADE,
    credits bigint NOT NULL CHECK (credits > 0),
    refunded bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= credits),
    PRIMARY KEY (debit_id, lot_id)
);
