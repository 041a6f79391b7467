-- AI visibility (API-MAP §4a, docs/visibility.md): projects (a brand to measure), their competitors
-- and the queries asked of the assistants. Runs, their items and scores come in a later migration.
--
-- Tables are prefixed `visibility_` (the schema has other `queries`-like names to come). Enums are
-- text + CHECK. `created_by` is ownership history as in 0005: a member that may leave (SET NULL).

CREATE TABLE visibility_projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The canonical brand string mention detection looks for.
    brand_name text NOT NULL CHECK (length(brand_name) BETWEEN 1 AND 200),
    brand_aliases text[] NOT NULL DEFAULT '{}' CHECK (cardinality(brand_aliases) <= 50),
    -- Registrable domains (`example.com`); derived from website_url when not given.
    brand_domains text[] NOT NULL DEFAULT '{}' CHECK (cardinality(brand_domains) <= 50),
    website_url text CHECK (length(website_url) <= 2048),
    locale text NOT NULL DEFAULT 'en-US' CHECK (length(locale) BETWEEN 2 AND 35),
    -- Set by the client (B15): lists filter by it; a run does not require COMPLETE.
    setup_status text NOT NULL DEFAULT 'DRAFT' CHECK (setup_status IN ('DRAFT', 'COMPLETE')),
    -- Provider names (`openai`, `gemini`, `perplexity`); empty means every provider configured
    -- when a run starts.
    default_providers text[] NOT NULL DEFAULT '{}' CHECK (default_providers <@ ARRAY['openai', 'gemini', 'perplexity']::text[]),
    default_repetitions smallint NOT NULL DEFAULT 1 CHECK (default_repetitions BETWEEN 1 AND 5),
    created_by uuid REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- DELETE archives: an archived project is out of reach but for `GET /projects?archived=true`.
    archived_at timestamptz
);
CREATE INDEX visibility_projects_live ON visibility_projects (created_at DESC, id DESC) WHERE archived_at IS NULL;
CREATE INDEX visibility_projects_by_status ON visibility_projects (setup_status, created_at DESC) WHERE archived_at IS NULL;
CREATE INDEX visibility_projects_archived ON visibility_projects (archived_at) WHERE archived_at IS NOT NULL;
CREATE INDEX visibility_projects_by_creator ON visibility_projects (created_by);

-- The brands a project's answers are compared with ("position among mentioned brands").
CREATE TABLE visibility_competitors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES visibility_projects (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    aliases text[] NOT NULL DEFAULT '{}' CHECK (cardinality(aliases) <= 50),
    domains text[] NOT NULL DEFAULT '{}' CHECK (cardinality(domains) <= 50),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX visibility_competitors_name ON visibility_competitors (project_id, lower(name));

-- The questions asked of the assistants. DELETE deactivates (a run of "all queries" skips it);
-- the text stays unique per project, ignoring case, active or not.
CREATE TABLE visibility_queries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES visibility_projects (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    query_type text CHECK (query_type IN ('CATEGORY', 'BRAND', 'COMPARISON', 'PROBLEM', 'OTHER')),
    category_tier text CHECK (category_tier ~ '^[A-Z][A-Z0-9_]{0,49}$'),
    query_focus text CHECK (query_focus ~ '^[A-Z][A-Z0-9_]{0,49}$'),
    source text NOT NULL DEFAULT 'MANUAL' CHECK (source IN ('MANUAL', 'DISCOVERED', 'IMPORTED')),
    is_active boolean NOT NULL DEFAULT true,
    -- The order queries were added in: a batch shares one created_at, so lists sort by this.
    seq bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX visibility_queries_text ON visibility_queries (project_id, lower(text));
CREATE INDEX visibility_queries_by_project ON visibility_queries (project_id, seq);
CREATE INDEX visibility_queries_active ON visibility_queries (project_id, seq) WHERE is_active;
