-- Custody and recovery addresses change by id-registry events (REGISTER,
-- TRANSFER, CHANGE_RECOVERY) that backfill and the event stream can apply in
-- either order: each address keeps the on-chain position of the event that
-- set it (block_number * 1000000 + log_index) so an older event never
-- overwrites a newer one.
ALTER TABLE users ADD COLUMN custody_event bigint, ADD COLUMN recovery_event bigint;
