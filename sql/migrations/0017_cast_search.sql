-- Full-text search of casts, kept off the writer's path. The GIN index on
-- casts (casts_text_search) made every cast insert pay for tokenising and
-- for its index entries inside the writer's transaction: about 60% of the
-- cost of loading a cast (bench/fts.sh). Now a cast insert only appends its
-- hash to cast_search_queue, in the same transaction (so a crash loses
-- nothing), and a job behind the writer (src/indexer/search_job.c) moves
-- queued casts into cast_search in batches.

-- The tsvector of each live cast with text, as the job found it; search
-- joins casts, so a cast deleted afterwards never shows. Hard-deleted casts
-- take their row with them.
CREATE TABLE cast_search (
    hash bytea PRIMARY KEY REFERENCES casts (hash) ON DELETE CASCADE,
    tsv  tsvector NOT NULL
);

-- Casts still to index: a heap without an index (the cheapest insert), read
-- and emptied by the job with FOR UPDATE SKIP LOCKED, so any number of
-- processes may run it.
CREATE TABLE cast_search_queue (
    hash bytea NOT NULL
);

-- Once per statement, whatever inserted the casts (row path, set-wise path,
-- import, COPY): a row that is already deleted or has no text (a remove that
-- came before its add) is never searchable, so it is not queued.
CREATE FUNCTION fc_cast_search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cast_search_queue (hash)
    SELECT hash FROM fc_new_casts WHERE deleted_at IS NULL AND text IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER casts_search_enqueue AFTER INSERT ON casts
    REFERENCING NEW TABLE AS fc_new_casts
    FOR EACH STATEMENT EXECUTE FUNCTION fc_cast_search_enqueue();

-- The casts already there, then the index built once over them.
INSERT INTO cast_search (hash, tsv)
SELECT hash, to_tsvector('simple', text) FROM casts WHERE deleted_at IS NULL AND text IS NOT NULL;
CREATE INDEX cast_search_tsv ON cast_search USING gin (tsv);

DROP INDEX casts_text_search;
