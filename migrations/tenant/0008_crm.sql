-- The CRM (§2.13): contacts, their interactions and tasks, typed relationships between any two
-- entities (contact, record, member), discovery proposals, insights, and the metering of every
-- language-model call (`ai_calls`, shared with any other feature that calls the provider).
--
-- As in 0005: a reference that is ownership (`owner_id`, `created_by`, `assigned_to`) is a foreign
-- key to members that outlives them (ON DELETE SET NULL) and is handed over when they leave; one
-- that is history (who logged, decided, completed, called) is a plain id, never rewritten.
--
-- Every list filter and sort has an index; sorts end in `id` so a page boundary is a keyset
-- (`(sort value, id) > (last value, last id)`) whenever a client wants one.

-- Contacts -------------------------------------------------------------------------------------------
CREATE TABLE crm_contacts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email text CHECK (length(email) <= 320),
    phone text CHECK (length(phone) <= 50),
    company text CHECK (length(company) <= 200),
    job_title text CHECK (length(job_title) <= 200),
    contact_type text NOT NULL DEFAULT 'other' CHECK (contact_type ~ '^[a-z][a-z0-9_]{0,49}$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
    address text CHECK (length(address) <= 500),
    city text CHECK (length(city) <= 100),
    state text CHECK (length(state) <= 100),
    postal_code text CHECK (length(postal_code) <= 20),
    country text CHECK (length(country) <= 100),
    tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 100),
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'proposal', 'import', 'api')),
    relationship_score integer NOT NULL DEFAULT 0 CHECK (relationship_score BETWEEN 0 AND 100),
    -- Who set the score last: the formula (`rules`) or the language model (`ai`).
    score_source text NOT NULL DEFAULT 'rules' CHECK (score_source IN ('rules', 'ai')),
    engagement_strategy text CHECK (length(engagement_strategy) <= 2000),
    last_interaction_at timestamptz,
    owner_id uuid REFERENCES members (id) ON DELETE SET NULL,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    CHECK ((status = 'archived') = (archived_at IS NOT NULL)),
    -- `search`: words of the name, email (split at @), company and title, prefix-matched.
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
        full_name || ' ' || coalesce(replace(email, '@', ' '), '') || ' ' || coalesce(company, '') || ' ' || coalesce(job_title, ''))) STORED
);
-- Sorts (each readable in both directions). `days_since_contact` is `last_interaction_at` reversed:
-- never contacted counts as longest ago, so NULLs sort first ascending and last descending.
CREATE INDEX crm_contacts_by_updated ON crm_contacts (updated_at, id);
CREATE INDEX crm_contacts_by_created ON crm_contacts (created_at, id);
CREATE INDEX crm_contacts_by_name ON crm_contacts (lower(full_name), id);
CREATE INDEX crm_contacts_by_score ON crm_contacts (relationship_score, id);
CREATE INDEX crm_contacts_by_last_interaction ON crm_contacts (last_interaction_at ASC NULLS FIRST, id);
-- Filters.
CREATE INDEX crm_contacts_by_status ON crm_contacts (status, updated_at);
CREATE INDEX crm_contacts_by_type ON crm_contacts (contact_type, updated_at);
CREATE INDEX crm_contacts_by_owner ON crm_contacts (owner_id, updated_at);
CREATE INDEX crm_contacts_by_company ON crm_contacts (lower(company));
CREATE INDEX crm_contacts_by_city ON crm_contacts (lower(city));
CREATE INDEX crm_contacts_by_state ON crm_contacts (lower(state));
CREATE INDEX crm_contacts_tags ON crm_contacts USING gin (tags);
CREATE INDEX crm_contacts_search ON crm_contacts USING gin (search);
CREATE INDEX crm_contacts_by_creator ON crm_contacts (created_by);

-- Interactions ---------------------------------------------------------------------------------------
CREATE TABLE crm_interactions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id uuid NOT NULL REFERENCES crm_contacts (id) ON DELETE CASCADE,
    interaction_type text NOT NULL CHECK (interaction_type IN ('call', 'email', 'meeting', 'message', 'note', 'other')),
    direction text CHECK (direction IN ('inbound', 'outbound')),
    subject text NOT NULL DEFAULT '' CHECK (length(subject) <= 500),
    content text NOT NULL DEFAULT '' CHECK (length(content) <= 20000),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    duration_minutes integer CHECK (duration_minutes BETWEEN 0 AND 1440),
    sentiment text NOT NULL DEFAULT 'neutral' CHECK (sentiment IN ('positive', 'neutral', 'negative')),
    key_topics text[] NOT NULL DEFAULT '{}',
    action_items text[] NOT NULL DEFAULT '{}',
    -- The relationship score before and after this interaction (the formula in docs/crm.md).
    score_before integer NOT NULL CHECK (score_before BETWEEN 0 AND 100),
    score_after integer NOT NULL CHECK (score_after BETWEEN 0 AND 100),
    -- Who read the sentiment: the caller or the formula's default (`rules`), or the model (`ai`).
    analyzed_by text NOT NULL DEFAULT 'rules' CHECK (analyzed_by IN ('rules', 'ai')),
    logged_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_interactions_by_contact ON crm_interactions (contact_id, occurred_at DESC, id DESC);
CREATE INDEX crm_interactions_recent ON crm_interactions (occurred_at);

-- Tasks (the CRM's own; channel tasks are elsewhere) -------------------------------------------------
CREATE TABLE crm_tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id uuid NOT NULL REFERENCES crm_contacts (id) ON DELETE CASCADE,
    interaction_id uuid REFERENCES crm_interactions (id) ON DELETE SET NULL,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    task_type text NOT NULL DEFAULT 'follow_up' CHECK (task_type IN ('follow_up', 'call', 'email', 'meeting', 'todo', 'other')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'blocked', 'completed', 'cancelled')),
    due_at timestamptz,
    -- `manual`, made by the follow-up rule on contact create (`rules`), or suggested by the model (`ai`).
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'rules', 'ai')),
    assigned_to uuid REFERENCES members (id) ON DELETE SET NULL,
    outcome text CHECK (length(outcome) <= 200),
    outcome_notes text CHECK (length(outcome_notes) <= 10000),
    completed_at timestamptz,
    completed_by uuid,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX crm_tasks_by_status ON crm_tasks (status, due_at, id);
CREATE INDEX crm_tasks_by_assignee ON crm_tasks (assigned_to, status, due_at);
CREATE INDEX crm_tasks_by_contact ON crm_tasks (contact_id, due_at);
CREATE INDEX crm_tasks_by_priority ON crm_tasks (priority, due_at);
CREATE INDEX crm_tasks_by_interaction ON crm_tasks (interaction_id);
CREATE INDEX crm_tasks_by_creator ON crm_tasks (created_by);

-- Relationships between any two entities ------------------------------------------------------------
-- Ends are typed ids (a contact, a record, a member), checked by the application when written; a
-- record end the caller cannot see hides the relationship. Not `record_relationships` (0005),
-- which links records to records.
CREATE TABLE crm_relationships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_type text NOT NULL CHECK (source_type IN ('contact', 'record', 'member')),
    source_id uuid NOT NULL,
    target_type text NOT NULL CHECK (target_type IN ('contact', 'record', 'member')),
    target_id uuid NOT NULL,
    relationship_type text NOT NULL CHECK (relationship_type ~ '^[a-z][a-z0-9_]{0,49}$'),
    strength integer CHECK (strength BETWEEN 0 AND 100),
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    is_active boolean NOT NULL DEFAULT true,
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((source_type, source_id) <> (target_type, target_id))
);
-- One active link of a type between two ends (a deactivated one may be made again).
CREATE UNIQUE INDEX crm_relationships_active_key ON crm_relationships (source_type, source_id, target_type, target_id, relationship_type)
    WHERE is_active;
CREATE INDEX crm_relationships_by_source ON crm_relationships (source_type, source_id, created_at);
CREATE INDEX crm_relationships_by_target ON crm_relationships (target_type, target_id, created_at);
CREATE INDEX crm_relationships_by_type ON crm_relationships (relationship_type, created_at);
CREATE INDEX crm_relationships_recent ON crm_relationships (created_at, id);
CREATE INDEX crm_relationships_by_creator ON crm_relationships (created_by);

-- Discovery proposals ----------------------------------------------------------------------------------
CREATE TABLE crm_proposals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'merged', 'rejected')),
    -- The contact as proposed (the fields of a contact create).
    contact_data jsonb NOT NULL CHECK (jsonb_typeof(contact_data) = 'object'),
    trigger_entity_type text CHECK (trigger_entity_type IN ('contact', 'record', 'member')),
    trigger_entity_id uuid,
    confidence double precision NOT NULL DEFAULT 0.5 CHECK (confidence BETWEEN 0 AND 1),
    reasoning text NOT NULL DEFAULT '' CHECK (length(reasoning) <= 5000),
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'ai', 'agent')),
    -- Links from the new contact, made on approval when asked: [{target_type, target_id, relationship_type}].
    suggested_relationships jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(suggested_relationships) = 'array'),
    -- The contact the proposal became (approved) or was merged into.
    contact_id uuid REFERENCES crm_contacts (id) ON DELETE SET NULL,
    decided_by uuid,
    decided_at timestamptz,
    rejection_reason text CHECK (length(rejection_reason) <= 2000),
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX crm_proposals_by_status ON crm_proposals (status, created_at, id);
CREATE INDEX crm_proposals_by_trigger ON crm_proposals (trigger_entity_type, trigger_entity_id, created_at);
CREATE INDEX crm_proposals_by_confidence ON crm_proposals (confidence, created_at);
CREATE INDEX crm_proposals_recent ON crm_proposals (created_at, id);
CREATE INDEX crm_proposals_by_contact ON crm_proposals (contact_id);
CREATE INDEX crm_proposals_by_creator ON crm_proposals (created_by);

-- Insights ---------------------------------------------------------------------------------------------
-- Made by a rule (follow-up needed, relationship at risk: docs/crm.md) or by the model's analysis
-- (opportunities, risks). `open` until dismissed, actioned, or resolved by a later interaction.
CREATE TABLE crm_insights (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id uuid NOT NULL REFERENCES crm_contacts (id) ON DELETE CASCADE,
    insight_type text NOT NULL CHECK (insight_type IN ('follow_up_needed', 'relationship_at_risk', 'opportunity', 'risk')),
    priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    suggested_action text NOT NULL DEFAULT '' CHECK (length(suggested_action) <= 2000),
    source text NOT NULL CHECK (source IN ('rules', 'ai')),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'actioned', 'dismissed', 'resolved')),
    action_taken text CHECK (length(action_taken) <= 2000),
    decided_by uuid,
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- A rule's insight exists once per contact while it is open.
CREATE UNIQUE INDEX crm_insights_one_open_rule ON crm_insights (contact_id, insight_type) WHERE status = 'open' AND source = 'rules';
CREATE INDEX crm_insights_by_status ON crm_insights (status, created_at);
CREATE INDEX crm_insights_by_contact ON crm_insights (contact_id, created_at);
CREATE INDEX crm_insights_by_type ON crm_insights (insight_type, status);
CREATE INDEX crm_insights_by_priority ON crm_insights (priority, status);

-- Language-model calls ---------------------------------------------------------------------------------
-- One row per call to the configured provider, whatever feature made it (`purpose`), succeeded or
-- not: tokens in and out, latency, cost in micro-USD (NULL when the price table does not know the
-- model), and who asked (`member_id`, and `api_key_id` for a key; history, never rewritten).
CREATE TABLE ai_calls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    purpose text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_.]{0,99}$'),
    provider text NOT NULL CHECK (length(provider) <= 50),
    model text NOT NULL CHECK (length(model) <= 200),
    status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'malformed_output')),
    input_tokens integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    latency_ms integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
    cost_micro_usd bigint CHECK (cost_micro_usd >= 0),
    error text CHECK (length(error) <= 2000),
    member_id uuid,
    api_key_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_calls_recent ON ai_calls (created_at);
CREATE INDEX ai_calls_by_member ON ai_calls (member_id, created_at);
CREATE INDEX ai_calls_by_purpose ON ai_calls (purpose, created_at);

-- As 0006: small per-tenant tables wait for 1,000 changed rows before autovacuum visits them.
ALTER TABLE crm_contacts SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE crm_interactions SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE crm_tasks SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE crm_relationships SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE crm_proposals SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE crm_insights SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE ai_calls SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
