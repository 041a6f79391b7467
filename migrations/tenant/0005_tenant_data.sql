-- Tenant data, complete: recordsets addressed by slug with exact counts, views and access grants;
-- records with status, tags, versions, comments, relationships and per-tool dismissals; pipelines.
--
-- Who created something (`created_by`) is ownership: a foreign key that outlives the member and is
-- handed over when they leave. Who wrote a version, a comment or a grant is history: a plain id,
-- never rewritten.

-- Recordsets ---------------------------------------------------------------------------------------
ALTER TABLE recordsets
    ADD COLUMN slug text,
    ADD COLUMN type text NOT NULL DEFAULT 'custom' CHECK (type ~ '^[a-z][a-z0-9_]{0,49}$'),
    ADD COLUMN icon text NOT NULL DEFAULT '' CHECK (length(icon) <= 100),
    ADD COLUMN is_active boolean NOT NULL DEFAULT true,
    ADD COLUMN record_count integer NOT NULL DEFAULT 0 CHECK (record_count >= 0);

-- Slugs for the recordsets made before slugs existed: from the name, numbered on collision.
WITH base AS (
    SELECT id, coalesce(nullif(trim(BOTH '-' FROM regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')), ''), 'recordset') AS slug,
           row_number() OVER (PARTITION BY coalesce(nullif(trim(BOTH '-' FROM regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')), ''), 'recordset')
                              ORDER BY created_at, id) AS n
    FROM recordsets
)
UPDATE recordsets r SET slug = left(base.slug, 70) || CASE WHEN base.n = 1 THEN '' ELSE '-' || base.n END
FROM base WHERE base.id = r.id;
UPDATE recordsets SET is_active = false WHERE deleted_at IS NOT NULL;

ALTER TABLE recordsets
    ALTER COLUMN slug SET NOT NULL,
    ADD CONSTRAINT recordsets_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    ADD CONSTRAINT recordsets_slug_key UNIQUE (slug);
CREATE INDEX recordsets_trash ON recordsets (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX recordsets_owner ON recordsets (created_by);

-- Records ------------------------------------------------------------------------------------------
ALTER TABLE records
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status ~ '^[a-z][a-z0-9_]{0,49}$'),
    ADD COLUMN tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 100),
    ADD COLUMN stage_id uuid,
    ADD COLUMN updated_by uuid,
    -- What the last write was (created, updated, restored, moved, deleted): its version says so.
    ADD COLUMN last_change text NOT NULL DEFAULT 'created'
        CHECK (last_change IN ('created', 'updated', 'replaced', 'restored', 'moved', 'deleted'));
UPDATE records SET status = 'deleted', last_change = 'deleted' WHERE deleted_at IS NOT NULL;

CREATE INDEX records_by_recordset_updated ON records (recordset_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX records_by_status ON records (recordset_id, status) WHERE deleted_at IS NULL;
CREATE INDEX records_by_creator ON records (created_by);
-- Equality filters on data fields (`data @> {"stage": "won"}`).
CREATE INDEX records_data ON records USING gin (data jsonb_path_ops) WHERE deleted_at IS NULL;
-- Full-text search over every string and number in data, as words (prefix-matched). Chosen over a
-- trigram index on data::text by measurement over 100,000 records (see docs/performance.md).
CREATE INDEX records_search ON records USING gin (jsonb_to_tsvector('simple'::regconfig, data, '["string", "numeric"]'))
    WHERE deleted_at IS NULL;
CREATE INDEX records_tags ON records USING gin (tags) WHERE deleted_at IS NULL;

-- Every change of a record's content is a version: the row as it was written, who wrote it, when.
CREATE TABLE record_versions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    version integer NOT NULL,
    data jsonb NOT NULL,
    status text NOT NULL,
    tags text[] NOT NULL,
    stage_id uuid,
    change text NOT NULL,
    changed_by uuid,
    changed_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (record_id, version)
);
INSERT INTO record_versions (record_id, version, data, status, tags, change, changed_by, changed_at)
SELECT id, version, data, status, tags, last_change, created_by, updated_at FROM records;

-- A write that changes content (data, status, tags, stage) bumps the version; any such write, by
-- any route, is then recorded in record_versions by the same statement.
CREATE FUNCTION records_bump_version() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- A restore is always a new version, even of what the record holds already.
    IF (NEW.data, NEW.status, NEW.tags, NEW.stage_id) IS DISTINCT FROM (OLD.data, OLD.status, OLD.tags, OLD.stage_id)
       OR NEW.last_change = 'restored' THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER records_bump_version BEFORE UPDATE ON records FOR EACH ROW EXECUTE FUNCTION records_bump_version();

CREATE FUNCTION records_keep_version() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.version <> OLD.version THEN
        INSERT INTO record_versions (record_id, version, data, status, tags, stage_id, change, changed_by, changed_at)
        VALUES (NEW.id, NEW.version, NEW.data, NEW.status, NEW.tags, NEW.stage_id, NEW.last_change,
                coalesce(NEW.updated_by, NEW.created_by), NEW.updated_at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER records_keep_version AFTER INSERT OR UPDATE ON records FOR EACH ROW EXECUTE FUNCTION records_keep_version();

-- Recordset counts are exact: each statement that adds, deletes or restores records adjusts them
-- in its own transaction, once per recordset it touched.
CREATE FUNCTION records_count_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE recordsets r SET record_count = r.record_count + d.n
        FROM (SELECT recordset_id, count(*)::int AS n FROM new_rows WHERE deleted_at IS NULL GROUP BY 1) d WHERE r.id = d.recordset_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE recordsets r SET record_count = r.record_count - d.n
        FROM (SELECT recordset_id, count(*)::int AS n FROM old_rows WHERE deleted_at IS NULL GROUP BY 1) d WHERE r.id = d.recordset_id;
    ELSE
        UPDATE recordsets r SET record_count = r.record_count + d.n
        FROM (
            SELECT recordset_id, sum(n)::int AS n FROM (
                SELECT recordset_id, -1 AS n FROM old_rows WHERE deleted_at IS NULL
                UNION ALL
                SELECT recordset_id, 1 FROM new_rows WHERE deleted_at IS NULL
            ) changes GROUP BY 1 HAVING sum(n) <> 0
        ) d WHERE r.id = d.recordset_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER records_count_inserts AFTER INSERT ON records REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION records_count_changes();
CREATE TRIGGER records_count_updates AFTER UPDATE ON records REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION records_count_changes();
CREATE TRIGGER records_count_deletes AFTER DELETE ON records REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION records_count_changes();

UPDATE recordsets r SET record_count = (SELECT count(*) FROM records x WHERE x.recordset_id = r.id AND x.deleted_at IS NULL);

CREATE TABLE record_comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    author_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_comments_by_record ON record_comments (record_id, created_at, id);

-- A typed link from one record to another; each side lists it.
CREATE TABLE record_relationships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    from_record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    to_record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]{0,49}$'),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (from_record_id <> to_record_id),
    UNIQUE (from_record_id, to_record_id, type)
);
CREATE INDEX record_relationships_to ON record_relationships (to_record_id);

-- A record taken out of one tool's view; the record itself stays.
CREATE TABLE record_dismissals (
    record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    tool text NOT NULL CHECK (tool ~ '^[a-z][a-z0-9_-]{0,49}$'),
    dismissed_by uuid,
    dismissed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tool, record_id)
);

-- Saved filters, sort and columns of a recordset.
CREATE TABLE recordset_views (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recordset_id uuid NOT NULL REFERENCES recordsets (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    filters jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filters) = 'object'),
    sort jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(sort) = 'array'),
    columns text[] NOT NULL DEFAULT '{}',
    is_default boolean NOT NULL DEFAULT false,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recordset_view_order ON recordset_views (recordset_id, created_at, id);

-- Access to one recordset, granted to a member or to a team (never both). A team's grant reaches
-- the members of that team only, not those of its sub-teams, and only while the team is active.
CREATE TABLE recordset_access (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recordset_id uuid NOT NULL REFERENCES recordsets (id) ON DELETE CASCADE,
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
    can_view boolean NOT NULL DEFAULT true,
    can_create boolean NOT NULL DEFAULT false,
    can_edit boolean NOT NULL DEFAULT false,
    can_edit_own boolean NOT NULL DEFAULT false,
    can_delete boolean NOT NULL DEFAULT false,
    can_delete_own boolean NOT NULL DEFAULT false,
    can_admin boolean NOT NULL DEFAULT false,
    granted_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((member_id IS NULL) <> (team_id IS NULL)),
    UNIQUE (recordset_id, member_id),
    UNIQUE (recordset_id, team_id)
);
CREATE INDEX recordset_access_member ON recordset_access (member_id, recordset_id);
CREATE INDEX recordset_access_team ON recordset_access (team_id, recordset_id);

-- A member's grants, one row per recordset: their own and those of the active teams they are in.
CREATE FUNCTION member_grants(member uuid)
RETURNS TABLE (recordset_id uuid, can_view boolean, can_create boolean, can_edit boolean, can_edit_own boolean,
               can_delete boolean, can_delete_own boolean, can_admin boolean)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT a.recordset_id, bool_or(a.can_view), bool_or(a.can_create), bool_or(a.can_edit), bool_or(a.can_edit_own),
           bool_or(a.can_delete), bool_or(a.can_delete_own), bool_or(a.can_admin)
    FROM recordset_access a
    WHERE a.member_id = member
       OR a.team_id IN (SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = member AND t.is_active)
    GROUP BY a.recordset_id
$$;

-- Pipelines ----------------------------------------------------------------------------------------
CREATE TABLE pipelines (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recordset_id uuid NOT NULL REFERENCES recordsets (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    -- The numeric data field the stats sum per stage (e.g. "amount"), if any.
    value_field text CHECK (length(value_field) BETWEEN 1 AND 200),
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX pipelines_one_per_recordset ON pipelines (recordset_id) WHERE deleted_at IS NULL;

CREATE TABLE pipeline_stages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position integer NOT NULL,
    color text NOT NULL DEFAULT '#64748b' CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    probability integer NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
    UNIQUE (pipeline_id, position) DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE records ADD CONSTRAINT records_stage FOREIGN KEY (stage_id) REFERENCES pipeline_stages (id) ON DELETE SET NULL;
CREATE INDEX records_by_stage ON records (stage_id, updated_at, id) WHERE deleted_at IS NULL;

-- A date filter's reading of a data value: the instant, or NULL when the text is not a date.
CREATE FUNCTION as_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
    IF value !~ '^\d{4}-\d{2}-\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
