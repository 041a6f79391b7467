-- The tenant files' functions run with `SET search_path FROM CURRENT`, which keeps the name the
-- schema had when they were made. A schema made ahead of a signup under a neutral name (a warm
-- schema) is renamed when a signup claims it, and its functions then looked for their tables in a
-- schema that no longer exists: the first write through a trigger failed. The claim now points
-- them at the new name; this repairs the schemas claimed before it did.
DO $$
DECLARE function regprocedure;
BEGIN
    FOR function IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
          AND EXISTS (SELECT FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search\_path=%')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I', function, current_schema());
    END LOOP;
END $$;
