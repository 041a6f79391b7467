-- The role matrix: what each role may do in this workspace. Rows are seeded from the platform's
-- catalogue when the workspace is provisioned; a missing row means the catalogue's default.
CREATE TABLE role_permissions (
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    permission text NOT NULL CHECK (permission ~ '^can_[a-z_]+$'),
    allowed boolean NOT NULL,
    is_custom boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role, permission)
);

-- Teams, nested by parent_team_id (the application refuses cycles), and who is in them.
CREATE TABLE teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    parent_team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
    is_active boolean NOT NULL DEFAULT true,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));
CREATE INDEX teams_parent ON teams (parent_team_id);

CREATE TABLE team_members (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('lead', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, member_id)
);
CREATE INDEX team_members_member ON team_members (member_id);
