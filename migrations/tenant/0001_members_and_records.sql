-- A workspace's own data. No schema is named here: the migrator scopes each file to the tenant.
CREATE TABLE members (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL UNIQUE,
    email text NOT NULL,
    full_name text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'inactive')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recordsets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX recordsets_live ON recordsets (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE records (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recordset_id uuid NOT NULL REFERENCES recordsets (id) ON DELETE CASCADE,
    data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    version integer NOT NULL DEFAULT 1,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX records_by_recordset ON records (recordset_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX records_live ON records (created_at, id) WHERE deleted_at IS NULL;
