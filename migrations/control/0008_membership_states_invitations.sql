-- A membership is written to two databases: `joining` and `leaving` mark the moments in between,
-- so a crash leaves a row the repair finishes (and that grants no access meanwhile).
ALTER TABLE workspace_members DROP CONSTRAINT workspace_members_status_check;
ALTER TABLE workspace_members ADD CONSTRAINT workspace_members_status_check
    CHECK (status IN ('invited', 'joining', 'active', 'leaving'));
ALTER TABLE workspace_members
    ADD COLUMN invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX workspace_members_in_between ON workspace_members (updated_at) WHERE status IN ('joining', 'leaving');

-- A session switched to a workspace stays bound to it across refreshes.
ALTER TABLE refresh_tokens ADD COLUMN workspace_id uuid REFERENCES workspaces (id) ON DELETE CASCADE;
