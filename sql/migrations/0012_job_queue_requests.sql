-- Operator requests for a job queue that lives in a serving process's memory
-- (the embedded queue, without Redis). `fcindex jobs retry|clear` changes the
-- targets and records here, in the same transaction, what the in-memory queue
-- must do; every serving process with an embedded queue applies the requests
-- recorded after it started, within about 250 ms (it reads the newest id with
-- the pause switch). A Redis queue is changed by the command itself.
CREATE TABLE job_queue_requests (
    id           bigserial PRIMARY KEY,
    action       text NOT NULL CHECK (action IN ('retry', 'clear_pending', 'clear_failed')),
    fids         bigint[] NOT NULL DEFAULT '{}', -- retry: the jobs made pending
    requested_at timestamptz NOT NULL DEFAULT now(),
    requested_by text NOT NULL
);
