-- Accounts that left the target set and whose rows the clean-up job has not
-- yet handled. Re-adding an account removes it from here, so its rows stay.
CREATE TABLE dropped_targets (
    fid        bigint PRIMARY KEY,
    dropped_at timestamptz NOT NULL DEFAULT now()
);
