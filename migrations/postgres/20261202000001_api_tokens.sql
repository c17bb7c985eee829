-- API tokens (DESIGN §9): service credentials of one enterprise. Only a hash
-- of the secret is kept; `prefix` is the public part that finds the row.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    -- Space-separated scope names, e.g. `users:read audit:read`.
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES accounts(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_by_enterprise ON api_tokens (enterprise_id, created_at);

-- An action taken with a token names the token as its actor.
ALTER TABLE audit_events ADD COLUMN actor_token_id TEXT;
ALTER TABLE audit_events ADD COLUMN actor_token_name TEXT;
