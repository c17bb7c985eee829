-- Admin sign-in (DESIGN §2a): a TOTP second factor with recovery codes, a
-- verified cell phone number as a sign-in identifier, the SMS outbox, and the
-- enterprise's admin MFA policy. Counters that stop guessing live here, per
-- account, so every replica agrees.

-- The verified number (E.164), unique across accounts; NULL when none.
ALTER TABLE accounts ADD COLUMN phone TEXT;
CREATE UNIQUE INDEX accounts_phone ON accounts(phone);
-- 1 while a confirmed TOTP secret is on (mirrors account_totp.secret).
ALTER TABLE accounts ADD COLUMN mfa_enabled BIGINT NOT NULL DEFAULT 0;

-- A one-time token's wrong answers (the MFA token dies after 5).
ALTER TABLE account_tokens ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;

CREATE TABLE account_totp (
    account_id      TEXT PRIMARY KEY REFERENCES accounts(id),
    -- nonce ‖ AES-256-GCM ciphertext of the raw secret (see services::crypto::seal).
    secret          BLOB,
    -- An enrolment waiting for its first code.
    pending_secret  BLOB,
    pending_at      BIGINT,
    enabled_at      BIGINT,
    -- The last 30-second step a code was accepted for: no code works twice.
    last_step       BIGINT,
    -- Wrong codes since failures_since (any step: log in, elevation, turning off).
    failures        BIGINT NOT NULL DEFAULT 0,
    failures_since  BIGINT,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- A number being verified: the code (hashed), its expiry and tries.
CREATE TABLE phone_verifications (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    phone      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE sms_outbox (
    id              TEXT PRIMARY KEY,
    account_id      TEXT,
    to_phone        TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    client_address  TEXT,
    created_at      BIGINT NOT NULL,
    -- Past this the message is worthless (its code expired): not sent any more.
    expires_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT,
    failed_at       BIGINT
);
CREATE INDEX sms_outbox_due ON sms_outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX sms_outbox_by_account ON sms_outbox(account_id, created_at);
CREATE INDEX sms_outbox_by_time ON sms_outbox(created_at);
CREATE INDEX sms_outbox_by_address ON sms_outbox(client_address, created_at);
CREATE INDEX sms_outbox_by_number ON sms_outbox(to_phone, created_at);

ALTER TABLE enterprises ADD COLUMN require_admin_mfa BIGINT NOT NULL DEFAULT 0;
