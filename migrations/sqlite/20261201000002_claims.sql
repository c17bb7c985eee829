-- twin-differs: SQLite cannot drop a column constraint, so it rebuilds the table; PostgreSQL alters it.
-- First to verify (DESIGN §3): every claimant holds a claim (an enterprise
-- row) of its own, so `domain` is no longer unique; only a verified or at-risk
-- enterprise (contract enterprises are verified) holds its domain. SQLite
-- cannot drop a column's UNIQUE, so the table is rebuilt (Db::migrate runs
-- migrations with foreign keys off and checks them afterwards).
CREATE TABLE enterprises_new (
    id                 TEXT PRIMARY KEY,
    domain             TEXT NOT NULL,
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
    updated_at         BIGINT NOT NULL,
    managed_seats      BIGINT NOT NULL DEFAULT 0,
    -- A claim another claimant verified first (`taken`), or one left unverified too long (`expired`).
    closed_at          BIGINT,
    closed_reason      TEXT
);
INSERT INTO enterprises_new (id, domain, kind, plan, billing_cycle, seat_cap, domain_status, verification_token,
    verified_at, at_risk_since, claim_checks_until, next_check_at, check_attempts, last_check, created_at,
    updated_at, managed_seats)
SELECT id, domain, kind, plan, billing_cycle, seat_cap, domain_status, verification_token,
    verified_at, at_risk_since, claim_checks_until, next_check_at, check_attempts, last_check, created_at,
    updated_at, managed_seats FROM enterprises;
DROP TABLE enterprises;
ALTER TABLE enterprises_new RENAME TO enterprises;
CREATE INDEX enterprises_next_check ON enterprises(next_check_at);
CREATE INDEX enterprises_by_domain ON enterprises(domain);
CREATE UNIQUE INDEX enterprises_domain_holder ON enterprises(domain)
    WHERE closed_at IS NULL AND domain_status IN ('verified', 'at_risk');
