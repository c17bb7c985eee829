-- Foundation: accounts, sessions, enterprises, admins, members, invitations,
-- join requests, mail outbox and audit log. Portable SQL: the same file runs on
-- SQLite and PostgreSQL (TEXT ids, BIGINT epoch-ms times, 0/1 flags, JSON as TEXT).

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    first_name     TEXT,
    last_name      TEXT,
    status         TEXT NOT NULL,
    email_verified BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_by_account ON account_tokens(account_id, purpose);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    elevated_until BIGINT,
    revoked_at     BIGINT,
    ip             TEXT,
    user_agent     TEXT
);
CREATE INDEX sessions_by_account ON sessions(account_id);

CREATE TABLE enterprises (
    id                 TEXT PRIMARY KEY,
    domain             TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL,
    plan               TEXT NOT NULL,
    billing_cycle      TEXT NOT NULL,
    seat_cap           BIGINT,
    domain_status      TEXT NOT NULL,
    verification_token TEXT,
    verified_at        BIGINT,
    at_risk_since      BIGINT,
    claim_checks_until BIGINT,
    next_check_at      BIGINT,
    check_attempts     BIGINT NOT NULL DEFAULT 0,
    last_check         TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX enterprises_next_check ON enterprises(next_check_at);

CREATE TABLE enterprise_admins (
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    role          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, account_id)
);
CREATE UNIQUE INDEX enterprise_admins_one_pma ON enterprise_admins(enterprise_id) WHERE role = 'pma';
CREATE INDEX enterprise_admins_by_account ON enterprise_admins(account_id);

CREATE TABLE members (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    email         TEXT NOT NULL,
    account_id    TEXT REFERENCES accounts(id),
    first_name    TEXT,
    last_name     TEXT,
    department    TEXT,
    phone         TEXT,
    job_title     TEXT,
    state         TEXT NOT NULL,
    source        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (enterprise_id, email)
);
CREATE INDEX members_by_account ON members(account_id);

CREATE TABLE invitations (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    member_id     TEXT NOT NULL REFERENCES members(id),
    email         TEXT NOT NULL,
    token_hash    TEXT UNIQUE,
    invited_by    TEXT REFERENCES accounts(id),
    grants_role   TEXT,
    status        TEXT NOT NULL,
    sent_at       BIGINT,
    expires_at    BIGINT NOT NULL,
    accepted_at   BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX invitations_by_enterprise ON invitations(enterprise_id, status);

CREATE TABLE join_requests (
    enterprise_id     TEXT NOT NULL REFERENCES enterprises(id),
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    request_count     BIGINT NOT NULL,
    last_requested_at BIGINT NOT NULL,
    last_notified_at  BIGINT,
    PRIMARY KEY (enterprise_id, account_id)
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    ref_id          TEXT,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);
CREATE INDEX outbox_by_ref ON outbox(ref_id);

CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT,
    actor_id      TEXT,
    actor_email   TEXT,
    action        TEXT NOT NULL,
    target        TEXT,
    details       TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX audit_events_by_enterprise ON audit_events(enterprise_id, id);
