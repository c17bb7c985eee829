-- Webhooks (DESIGN §9): endpoints, and one delivery row per event and
-- endpoint, written in the same transaction as the change it reports.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    enterprise_id   TEXT NOT NULL REFERENCES enterprises(id),
    url             TEXT NOT NULL,
    -- Space-separated event types.
    events          TEXT NOT NULL,
    description     TEXT,
    -- The signing secret, sealed with the data dir's key (AES-256-GCM).
    secret_sealed   BYTEA NOT NULL,
    enabled         BIGINT NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_by      TEXT REFERENCES accounts(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX webhooks_by_enterprise ON webhooks (enterprise_id, created_at);

CREATE TABLE webhook_outbox (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id),
    enterprise_id    TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    next_attempt_at  BIGINT,
    locked_until     BIGINT,
    delivered_at     BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    last_duration_ms BIGINT,
    last_response    TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
CREATE INDEX webhook_outbox_by_webhook ON webhook_outbox (webhook_id, id);
