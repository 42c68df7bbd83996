-- Operator control of the backfill queue, kept in PostgreSQL so it holds for
-- every process and survives restarts of fcindex and of Redis.
-- One row: whether backfill workers take jobs. A worker checks it at most
-- 250 ms before each take.
CREATE TABLE job_queue_control (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    paused     boolean NOT NULL DEFAULT false,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT 'migration'
);
INSERT INTO job_queue_control DEFAULT VALUES;

-- A target's backfill job state beside last_synced_at and last_error:
--   backfill_started_at: a worker took the job (cleared when it ends), so
--     "running" is known in every process;
--   backfill_held_at: the job was cleared by an operator; the target stays
--     in the set (its stream events are kept) but is not queued again until
--     `jobs retry --all` or a backfill request.
ALTER TABLE targets ADD COLUMN backfill_started_at timestamptz,
                    ADD COLUMN backfill_held_at timestamptz;
-- The refill reads the unsynced targets that are not held.
DROP INDEX targets_unsynced;
CREATE INDEX targets_unsynced ON targets (added_at) WHERE last_synced_at IS NULL
    AND backfill_held_at IS NULL;
