-- Tenant schemas made ahead of signups under neutral names (warm_<id without dashes>), at the
-- current tenant version: a signup renames one to its workspace's schema in the transaction that
-- creates the workspace. A row is a reservation until `ready`; the fan-out migrates ready ones.
CREATE TABLE warm_schemas (
    id uuid PRIMARY KEY,
    version integer NOT NULL DEFAULT 0,
    ready boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX warm_schemas_claimable ON warm_schemas (version, created_at) WHERE ready;
