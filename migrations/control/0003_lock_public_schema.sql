-- Nothing lives in `public`, and nobody may create anything there (the default before PostgreSQL 15).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
