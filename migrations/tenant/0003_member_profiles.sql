-- Member profiles (the workspace's own view of a person), onboarding tours, and the two helpers
-- offboarding needs: what a member owns, and handing all of it to someone else. Both find the
-- references through the catalogue, so a table added later that refers to members is covered
-- without touching them. Ownership is a reference that survives the member (ON DELETE SET NULL);
-- one that dies with them (ON DELETE CASCADE, such as a team membership) is not an owned item.
ALTER TABLE members
    ADD COLUMN display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    ADD COLUMN title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    ADD COLUMN avatar_key text,
    ADD COLUMN tours jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tours) = 'object'),
    ADD COLUMN last_active_at timestamptz;
CREATE INDEX members_by_name ON members (lower(full_name), id);

-- The columns that record ownership by a member: single-column foreign keys to members that
-- outlive them (ON DELETE SET NULL).
CREATE FUNCTION member_ownership_columns()
RETURNS TABLE (relation regclass, attribute name)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT c.conrelid::regclass, a.attname
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.confrelid = 'members'::regclass AND cardinality(c.conkey) = 1 AND c.confdeltype = 'n'
    ORDER BY c.conrelid::regclass::text, a.attname
$$;

-- How many rows each ownership column holds for `member`.
CREATE FUNCTION member_references(member uuid)
RETURNS TABLE (table_name text, column_name text, items bigint)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
    ref record;
BEGIN
    FOR ref IN SELECT * FROM member_ownership_columns() LOOP
        table_name := ref.relation::text;
        column_name := ref.attribute;
        EXECUTE format('SELECT count(*) FROM %s WHERE %I = $1', ref.relation, ref.attribute) INTO items USING member;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Points every ownership column naming `from_member` at `to_member`; returns what moved.
CREATE FUNCTION reassign_member(from_member uuid, to_member uuid)
RETURNS TABLE (table_name text, column_name text, items bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    ref record;
BEGIN
    FOR ref IN SELECT * FROM member_ownership_columns() LOOP
        table_name := ref.relation::text;
        column_name := ref.attribute;
        EXECUTE format('UPDATE %s SET %I = $2 WHERE %I = $1', ref.relation, ref.attribute, ref.attribute) USING from_member, to_member;
        GET DIAGNOSTICS items = ROW_COUNT;
        RETURN NEXT;
    END LOOP;
END
$$;
