-- /admin/analytics counts the rows written in its window (1 hour to 30 days)
-- by ingested_at. Rows are appended in ingest order, so a BRIN index (a few
-- pages per table, next to nothing to maintain while backfilling) lets the
-- count skip every block written before the window instead of reading the
-- whole table; a B-tree on the three busiest tables would slow every write.
CREATE INDEX casts_ingested_at ON casts USING brin (ingested_at);
CREATE INDEX reactions_ingested_at ON reactions USING brin (ingested_at);
CREATE INDEX links_ingested_at ON links USING brin (ingested_at);
