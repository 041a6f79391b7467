-- Channels (§2.15): public or private rooms addressed by slug, with participants, grants, a
-- message timeline, personal read state, tasks, linked records, files, an activity log, and the
-- event log that live streams replay.
CREATE TABLE channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    type text NOT NULL DEFAULT 'public' CHECK (type IN ('public', 'private')),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assigned_to uuid REFERENCES members (id) ON DELETE SET NULL,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    -- Live (not deleted) messages, kept by the statements that add and remove them.
    message_count integer NOT NULL DEFAULT 0,
    -- The newest message's position: each post takes a later one under this row's lock, so a
    -- channel's messages become visible in the order of their positions and an `after` cursor
    -- never skips one that commits late.
    last_message_at timestamptz,
    -- The last event's number (see channel_events), taken under the same lock.
    event_seq bigint NOT NULL DEFAULT 0,
    completed_at timestamptz,
    completed_by uuid REFERENCES members (id) ON DELETE SET NULL,
    completion_note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_order ON channels (created_at, id);

-- Participants (joined) and everyone's personal state in a channel (read position, star, mute):
-- leaving keeps the read position for a later return.
CREATE TABLE channel_members (
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined boolean NOT NULL DEFAULT false,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    joined_at timestamptz,
    added_by uuid REFERENCES members (id) ON DELETE SET NULL,
    -- The read high-water mark: the message and its position; it only moves forward.
    last_read_message_id uuid,
    last_read_position timestamptz,
    last_read_at timestamptz,
    starred boolean NOT NULL DEFAULT false,
    muted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, member_id)
);
CREATE INDEX channel_members_member ON channel_members (member_id, channel_id) WHERE joined;

CREATE TABLE channel_access (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
    granted_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((member_id IS NULL) <> (team_id IS NULL)),
    UNIQUE (channel_id, member_id),
    UNIQUE (channel_id, team_id)
);
CREATE INDEX channel_access_member ON channel_access (member_id, channel_id);
CREATE INDEX channel_access_team ON channel_access (team_id, channel_id);

-- The private channels a member reaches without being a participant: their own grants and those
-- of the active teams they are in (as for recordsets, a parent team's grant stays with its members).
CREATE FUNCTION member_channel_grants(member uuid)
RETURNS TABLE (channel_id uuid)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT a.channel_id FROM channel_access a
    WHERE a.member_id = member
       OR a.team_id IN (SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = member AND t.is_active)
$$;

CREATE TABLE channel_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    author_id uuid REFERENCES members (id) ON DELETE SET NULL,
    kind text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'summary')),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 40000),
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    -- Set on the messages a summary replaced; they are deleted while it stands.
    squash_summary_id uuid REFERENCES channel_messages (id) ON DELETE SET NULL,
    squashed_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    edited_at timestamptz,
    deleted_at timestamptz,
    deleted_by uuid REFERENCES members (id) ON DELETE SET NULL
);
-- Every page of a timeline is one range scan of this index, wherever it starts.
CREATE INDEX channel_messages_timeline ON channel_messages (channel_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX channel_messages_squashed ON channel_messages (squash_summary_id, created_at, id) WHERE squash_summary_id IS NOT NULL;

-- What live streams send and replay after `Last-Event-ID`: numbered per channel under the
-- channel's lock, so numbers commit in order. Kept for a week (then a stream resuming from an
-- older number is told to reload).
CREATE TABLE channel_events (
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    kind text NOT NULL,
    message_id uuid,
    member_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, seq)
);
CREATE INDEX channel_events_age ON channel_events (created_at);

CREATE TABLE channel_tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'blocked', 'completed', 'cancelled')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assigned_to uuid REFERENCES members (id) ON DELETE SET NULL,
    due_at timestamptz,
    completed_at timestamptz,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_tasks_channel ON channel_tasks (channel_id, created_at, id);

CREATE TABLE channel_records (
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    record_id uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    added_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel_id, record_id)
);
CREATE INDEX channel_records_record ON channel_records (record_id);

CREATE TABLE channel_files (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    storage_key text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    uploaded_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_files_channel ON channel_files (channel_id, created_at, id);

-- Who did what in a channel besides talking: joins, grants, tasks, records, files, squashes.
CREATE TABLE channel_activities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    actor_id uuid REFERENCES members (id) ON DELETE SET NULL,
    action text NOT NULL,
    target_type text,
    target_id uuid,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_activities_channel ON channel_activities (channel_id, created_at DESC, id DESC);

ALTER TABLE channels SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_members SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_access SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_messages SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_events SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_tasks SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_records SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_files SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE channel_activities SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
