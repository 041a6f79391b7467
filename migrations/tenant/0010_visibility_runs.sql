-- Visibility runs: each run asks every chosen query of a project to every chosen provider,
-- `repetitions` times; each of those is an item, analysed and scored on its own. Runs are paid for
-- up front from the control plane's credit ledger; items that fail or are cancelled are refunded.
CREATE TABLE visibility_runs (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES visibility_projects (id) ON DELETE CASCADE,
    name text CHECK (length(name) BETWEEN 1 AND 100),
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED')),
    triggered_by text NOT NULL CHECK (triggered_by IN ('MANUAL', 'API', 'SCHEDULE', 'CALLBACK')),
    -- The member who started it (for a key, its creator) and the key, if one did.
    member_id uuid,
    api_key_id uuid,
    locale text NOT NULL,
    providers text[] NOT NULL,
    model_versions jsonb NOT NULL,
    repetitions smallint NOT NULL CHECK (repetitions BETWEEN 1 AND 5),
    total_queries integer NOT NULL CHECK (total_queries > 0),
    total_results integer NOT NULL CHECK (total_results > 0),
    completed_results integer NOT NULL DEFAULT 0,
    failed_results integer NOT NULL DEFAULT 0,
    cancelled_results integer NOT NULL DEFAULT 0,
    credits_charged integer NOT NULL CHECK (credits_charged >= 0),
    credits_refunded integer NOT NULL DEFAULT 0,
    -- The ledger's debit, once taken (a run is not worked on before).
    ledger_entry_id uuid,
    idempotency_key text,
    avg_visibility_score double precision,
    mention_count integer,
    citation_count integer,
    cost_micro_usd bigint NOT NULL DEFAULT 0,
    error_message text,
    run_date date NOT NULL DEFAULT current_date,
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One active run per project (B7).
CREATE UNIQUE INDEX visibility_runs_one_active ON visibility_runs (project_id) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX visibility_runs_by_project ON visibility_runs (project_id, created_at DESC, id DESC);

CREATE TABLE visibility_run_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id uuid NOT NULL REFERENCES visibility_runs (id) ON DELETE CASCADE,
    -- The planned order: by query (as added), provider (as asked for), repetition.
    seq bigint GENERATED ALWAYS AS IDENTITY,
    query_id uuid NOT NULL REFERENCES visibility_queries (id) ON DELETE CASCADE,
    -- The query as it was asked (it may be edited later).
    query_text text NOT NULL,
    query_type text,
    category_tier text,
    query_focus text,
    provider text NOT NULL,
    model text NOT NULL,
    repetition smallint NOT NULL CHECK (repetition BETWEEN 1 AND 5),
    credits integer NOT NULL CHECK (credits >= 0),
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    attempts smallint NOT NULL DEFAULT 0,
    answer_text text,
    is_mentioned boolean,
    is_cited boolean,
    is_linked boolean,
    mention_position smallint,
    mention_context text,
    sentiment text CHECK (sentiment IN ('POSITIVE', 'NEUTRAL', 'NEGATIVE')),
    sentiment_score double precision,
    extracted_urls text[] NOT NULL DEFAULT '{}',
    citations jsonb NOT NULL DEFAULT '[]',
    grounding_urls text[] NOT NULL DEFAULT '{}',
    follow_up_questions text[] NOT NULL DEFAULT '{}',
    brand_in_follow_up boolean,
    competitor_mentions jsonb NOT NULL DEFAULT '[]',
    visibility_score smallint CHECK (visibility_score BETWEEN 0 AND 100),
    score_breakdown jsonb,
    confidence double precision,
    error_message text,
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, query_id, provider, repetition)
);
CREATE INDEX visibility_run_items_pending ON visibility_run_items (run_id, seq) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX visibility_run_items_in_order ON visibility_run_items (run_id, seq);
CREATE INDEX visibility_run_items_by_query ON visibility_run_items (run_id, query_id, provider);

-- Per-query (and, under provider '*', all providers') breakdown, written when a run ends.
CREATE TABLE visibility_query_scores (
    run_id uuid NOT NULL REFERENCES visibility_runs (id) ON DELETE CASCADE,
    query_id uuid NOT NULL,
    provider text NOT NULL,
    query_text text NOT NULL,
    results integer NOT NULL,
    failed integer NOT NULL,
    avg_visibility_score double precision,
    mention_rate double precision,
    citation_rate double precision,
    link_rate double precision,
    avg_mention_position double precision,
    sentiment_counts jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, query_id, provider)
);

-- Provider calls of a run are metered in `ai_calls` like every other model call. A run's row is
-- opened (`started`) when its item is claimed, before the call, and closed with the outcome; a
-- worker that dies mid-call leaves it `started` until the item's next claim marks it `interrupted`.
ALTER TABLE ai_calls
    ADD COLUMN run_id uuid,
    ADD COLUMN run_item_id uuid,
    ADD COLUMN http_status integer,
    DROP CONSTRAINT ai_calls_status_check,
    ADD CONSTRAINT ai_calls_status_check CHECK (status IN ('succeeded', 'failed', 'malformed_output', 'started', 'interrupted'));
CREATE INDEX ai_calls_by_run ON ai_calls (run_id, created_at) WHERE run_id IS NOT NULL;
CREATE INDEX ai_calls_started ON ai_calls (run_item_id) WHERE status = 'started';
