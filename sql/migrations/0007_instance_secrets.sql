-- Secrets an instance generates for itself on first start, so none ships in
-- the code: the JWT signing key and the one-time admin password's hash.
-- Every API process of the instance reads the same row.
CREATE TABLE IF NOT EXISTS instance_secrets (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Admin sessions ended by logout before their expiry, so a restart of
-- fcindex or of Redis does not bring them back.
CREATE TABLE IF NOT EXISTS ended_sessions (
    jti        text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
