-- What the workspace's plan limits, counted where it lives: live recordsets and live records. A
-- write that adds some locks the counter first (`Quota`), so concurrent writes pass a limit one at
-- a time; the triggers below keep the counters exact whatever the path (imports and cascades too).
CREATE TABLE usage_counters (
    limit_type text PRIMARY KEY CHECK (limit_type IN ('recordsets', 'records')),
    used bigint NOT NULL DEFAULT 0 CHECK (used >= 0)
);
INSERT INTO usage_counters (limit_type, used) VALUES
    ('recordsets', (SELECT count(*) FROM recordsets WHERE deleted_at IS NULL)),
    ('records', (SELECT count(*) FROM records WHERE deleted_at IS NULL));

-- Who added or removed how many, when: one row per statement and member.
CREATE TABLE usage_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    limit_type text NOT NULL,
    delta integer NOT NULL,
    actor_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_events_history ON usage_events (limit_type, created_at DESC, id DESC);

-- Records: the counter first (the lock every writer takes first), then the recordsets' counts, then
-- who did it.
CREATE OR REPLACE FUNCTION records_count_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE usage_counters SET used = used + d.n
        FROM (SELECT count(*) AS n FROM new_rows WHERE deleted_at IS NULL HAVING count(*) > 0) d WHERE limit_type = 'records';
        UPDATE recordsets r SET record_count = r.record_count + d.n
        FROM (SELECT recordset_id, count(*)::int AS n FROM new_rows WHERE deleted_at IS NULL GROUP BY 1) d WHERE r.id = d.recordset_id;
        INSERT INTO usage_events (limit_type, delta, actor_id)
        SELECT 'records', count(*), created_by FROM new_rows WHERE deleted_at IS NULL GROUP BY created_by;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE usage_counters SET used = used - d.n
        FROM (SELECT count(*) AS n FROM old_rows WHERE deleted_at IS NULL HAVING count(*) > 0) d WHERE limit_type = 'records';
        UPDATE recordsets r SET record_count = r.record_count - d.n
        FROM (SELECT recordset_id, count(*)::int AS n FROM old_rows WHERE deleted_at IS NULL GROUP BY 1) d WHERE r.id = d.recordset_id;
        INSERT INTO usage_events (limit_type, delta, actor_id)
        SELECT 'records', -count(*), NULL FROM old_rows WHERE deleted_at IS NULL HAVING count(*) > 0;
    ELSE
        UPDATE usage_counters SET used = used + d.n
        FROM (
            SELECT sum(n) AS n FROM (
                SELECT -1 AS n FROM old_rows WHERE deleted_at IS NULL UNION ALL SELECT 1 FROM new_rows WHERE deleted_at IS NULL
            ) changes HAVING sum(n) <> 0
        ) d WHERE limit_type = 'records';
        UPDATE recordsets r SET record_count = r.record_count + d.n
        FROM (
            SELECT recordset_id, sum(n)::int AS n FROM (
                SELECT recordset_id, -1 AS n FROM old_rows WHERE deleted_at IS NULL
                UNION ALL
                SELECT recordset_id, 1 FROM new_rows WHERE deleted_at IS NULL
            ) changes GROUP BY 1 HAVING sum(n) <> 0
        ) d WHERE r.id = d.recordset_id;
        -- Deleting or restoring records is an update: `updated_by` says who.
        INSERT INTO usage_events (limit_type, delta, actor_id)
        SELECT 'records', sum(n), actor FROM (
            SELECT changed.updated_by AS actor, CASE WHEN changed.deleted_at IS NULL THEN 1 ELSE -1 END AS n
            FROM new_rows changed JOIN old_rows prior ON prior.id = changed.id WHERE (changed.deleted_at IS NULL) <> (prior.deleted_at IS NULL)
        ) changes GROUP BY actor, sign(n) HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION recordsets_count_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    delta integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        delta := CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE 0 END;
    ELSIF TG_OP = 'DELETE' THEN
        delta := CASE WHEN OLD.deleted_at IS NULL THEN -1 ELSE 0 END;
    ELSE
        delta := (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE 0 END) - (CASE WHEN OLD.deleted_at IS NULL THEN 1 ELSE 0 END);
    END IF;
    IF delta <> 0 THEN
        UPDATE usage_counters SET used = used + delta WHERE limit_type = 'recordsets';
        INSERT INTO usage_events (limit_type, delta, actor_id) VALUES ('recordsets', delta, CASE WHEN delta > 0 THEN NEW.created_by END);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER recordsets_count_changes AFTER INSERT OR UPDATE OF deleted_at OR DELETE ON recordsets
    FOR EACH ROW EXECUTE FUNCTION recordsets_count_changes();

ALTER TABLE usage_counters SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE usage_events SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
