-- Budgets against guessing and flooding (logins, signups, one-time tokens), shared by every
-- process: a unit is taken with one atomic upsert before the work it guards. `bucket` is the
-- SHA-256 of the budget's scope and its key (an email, an address), so no key is stored.
CREATE TABLE throttle_buckets (
    bucket bytea PRIMARY KEY,
    taken integer NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX throttle_buckets_expiry ON throttle_buckets (expires_at);
