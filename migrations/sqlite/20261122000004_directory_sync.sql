-- Directory Sync: one connection per enterprise (settings as JSON, the bind
-- password sealed with the data-dir key), members and groups linked by their
-- directory id, distribution lists, and runs (jobs of kind directory_sync)
-- with the schedule slot they ran for: the unique slot makes a scheduled run
-- happen once however many replicas fire it.

CREATE TABLE directory_configs (
    enterprise_id     TEXT PRIMARY KEY REFERENCES enterprises(id),
    settings          TEXT NOT NULL,
    bind_password     BLOB,
    schedule          TEXT,
    last_good_entries BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

ALTER TABLE members ADD COLUMN directory_id TEXT;
-- The state a sync suspended the member from (restored to it when they return).
ALTER TABLE members ADD COLUMN sync_suspended_from TEXT;
-- No index on directory_id: a sync reads the enterprise's members whole, and an
-- (enterprise_id, directory_id) index lured PostgreSQL's generic plans away from
-- the (enterprise_id, email) index during large imports.

CREATE TABLE directory_runs (
    job_id        TEXT PRIMARY KEY REFERENCES jobs(id),
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    trigger       TEXT NOT NULL,
    scheduled_for BIGINT,
    -- JSON {read_ms, diff_ms, write_ms}: where a run spent its time.
    timings       TEXT,
    UNIQUE (enterprise_id, scheduled_for)
);

CREATE TABLE distribution_lists (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    directory_id  TEXT NOT NULL,
    dn            TEXT NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT,
    removed_at    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (enterprise_id, directory_id)
);

CREATE TABLE distribution_list_members (
    list_id   TEXT NOT NULL REFERENCES distribution_lists(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (list_id, member_id)
);
CREATE INDEX distribution_list_members_by_member ON distribution_list_members(member_id);
