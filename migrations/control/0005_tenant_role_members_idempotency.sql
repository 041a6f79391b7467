-- The tenant role: what the tenant pools connect as. The migrator grants it each tenant schema; it
-- has no privilege on `control` (nothing here is granted to PUBLIC either). Roles belong to the
-- whole cluster, so another database on the same server may have created it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'platform_tenant') THEN
        CREATE ROLE platform_tenant LOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
REVOKE ALL ON SCHEMA control FROM platform_tenant;
REVOKE ALL ON ALL TABLES IN SCHEMA control FROM platform_tenant;

-- The member row a user has in the workspace's own schema, so a request resolves the caller's
-- tenant identity in the same query as their role.
ALTER TABLE workspace_members ADD COLUMN member_id uuid;

-- Workspaces provisioned before this file: open their schemas to the tenant role and record
-- their members' ids.
DO $$
DECLARE
    workspace record;
BEGIN
    FOR workspace IN SELECT id, schema_name FROM workspaces LOOP
        CONTINUE WHEN to_regclass(format('%I.members', workspace.schema_name)) IS NULL;
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO platform_tenant', workspace.schema_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO platform_tenant', workspace.schema_name);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO platform_tenant', workspace.schema_name);
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I.schema_migrations FROM platform_tenant', workspace.schema_name);
        EXECUTE format(
            'UPDATE control.workspace_members m SET member_id = t.id FROM %I.members t WHERE m.workspace_id = $1 AND t.user_id = m.user_id',
            workspace.schema_name) USING workspace.id;
    END LOOP;
END
$$;

-- Idempotency-Key records of control-plane operations (SPEC §6): the first response, replayed.
CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    request_digest bytea NOT NULL,
    status integer,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
