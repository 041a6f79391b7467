-- Every change to who may do what (a workspace's state, version or placement, its members, its
-- keys) notifies `access` on the platform's channel, whoever makes it: each server then empties
-- its access cache (AccessCache).
CREATE FUNCTION notify_access_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('platform_events', 'access');
    RETURN NULL;
END
$$;

-- A workspace still being provisioned has nothing cached worth emptying for as its files apply.
CREATE TRIGGER workspaces_access AFTER UPDATE ON workspaces FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.placement IS DISTINCT FROM NEW.placement
          OR (OLD.schema_version IS DISTINCT FROM NEW.schema_version AND NEW.status <> 'provisioning'))
    EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER workspaces_removed_access AFTER DELETE ON workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER workspace_members_access AFTER INSERT OR UPDATE OR DELETE ON workspace_members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
CREATE TRIGGER api_keys_access
    AFTER UPDATE OF workspace_id, key_digest, scopes, is_active, revoked_at, expires_at, created_by OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_changed();
