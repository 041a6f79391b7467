-- A downgrade through Stripe waits in a subscription schedule until the period's end.
ALTER TABLE subscriptions ADD COLUMN stripe_schedule_id text;
