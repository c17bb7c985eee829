-- Background jobs (bulk invite, import, send pending, directory sync): claimed
-- with a lease so a job whose process died is picked up again; progress and
-- counts on the row; the uploaded input in chunks and the per-line results
-- in their own tables, so neither is ever held whole in memory.

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    enterprise_id    TEXT NOT NULL REFERENCES enterprises(id),
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    dry_run          BIGINT NOT NULL DEFAULT 0,
    options          TEXT NOT NULL DEFAULT '{}',
    processed        BIGINT NOT NULL DEFAULT 0,
    total            BIGINT,
    counts           TEXT NOT NULL DEFAULT '{}',
    error            TEXT,
    created_by       TEXT REFERENCES accounts(id),
    lease_until      BIGINT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
CREATE INDEX jobs_claimable ON jobs(status, created_at);
CREATE INDEX jobs_by_enterprise ON jobs(enterprise_id, id);

CREATE TABLE job_inputs (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq    BIGINT NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE job_results (
    job_id  TEXT NOT NULL REFERENCES jobs(id),
    seq     BIGINT NOT NULL,
    line    BIGINT,
    email   TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT,
    changes TEXT,
    PRIMARY KEY (job_id, seq)
);
