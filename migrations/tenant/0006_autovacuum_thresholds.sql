-- Every tenant brings its own small tables. With PostgreSQL's default thresholds (50 changed rows
-- plus 10-20% of the table), a thousand tenants' tables come due within minutes of each other, and
-- each burst of analyses invalidates every pooled connection's catalogue caches, which then
-- rebuild them tenant by tenant. `bench tenant`: the p99 over 1,000 tenants was 2.19x the one over
-- 10; with autovacuum waiting for 1,000 changed rows, 1.21x. Large tables still go by scale factor.
ALTER TABLE members SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE recordsets SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE records SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE idempotency_keys SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE role_permissions SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE teams SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE team_members SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE record_versions SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE record_comments SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE record_relationships SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE record_dismissals SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE recordset_views SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE recordset_access SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE pipelines SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
ALTER TABLE pipeline_stages SET (autovacuum_vacuum_threshold = 1000, autovacuum_analyze_threshold = 1000);
