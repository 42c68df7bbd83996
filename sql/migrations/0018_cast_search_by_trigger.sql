-- cast_search's foreign key to casts made PostgreSQL probe casts for every
-- row the search job inserts: 15% of the job's CPU (bench/fts.sh), spent
-- only so that deleting casts deletes their search rows. Two statement
-- triggers on casts do that instead, at no cost to inserts. A cast deleted
-- while the job indexes it can leave its search row behind; search joins
-- casts, so such a row is never found.
ALTER TABLE cast_search DROP CONSTRAINT cast_search_hash_fkey;

CREATE FUNCTION fc_cast_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cast_search s USING fc_old_casts o WHERE s.hash = o.hash;
    RETURN NULL;
END $$;

CREATE TRIGGER casts_search_forget AFTER DELETE ON casts
    REFERENCING OLD TABLE AS fc_old_casts
    FOR EACH STATEMENT EXECUTE FUNCTION fc_cast_search_forget();

CREATE FUNCTION fc_cast_search_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE cast_search;
    RETURN NULL;
END $$;

CREATE TRIGGER casts_search_clear AFTER TRUNCATE ON casts
    FOR EACH STATEMENT EXECUTE FUNCTION fc_cast_search_clear();
