-- twin-differs: SQLite cannot drop a column constraint, so it rebuilds the table; PostgreSQL alters it.
-- First to verify (DESIGN §3): every claimant holds a claim (an enterprise
-- row) of its own, so `domain` is no longer unique; only a verified or at-risk
-- enterprise (contract enterprises are verified) holds its domain.
ALTER TABLE enterprises DROP CONSTRAINT enterprises_domain_key;
-- A claim another claimant verified first (`taken`), or one left unverified too long (`expired`).
ALTER TABLE enterprises ADD COLUMN closed_at BIGINT;
ALTER TABLE enterprises ADD COLUMN closed_reason TEXT;
CREATE INDEX enterprises_by_domain ON enterprises(domain);
CREATE UNIQUE INDEX enterprises_domain_holder ON enterprises(domain)
    WHERE closed_at IS NULL AND domain_status IN ('verified', 'at_risk');
