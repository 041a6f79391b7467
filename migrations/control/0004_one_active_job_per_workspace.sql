-- A workspace runs at most one job of a kind at a time (e.g. one migration).
CREATE UNIQUE INDEX jobs_one_active_per_workspace ON jobs (kind, workspace_id)
    WHERE status IN ('QUEUED', 'RUNNING') AND workspace_id IS NOT NULL;
