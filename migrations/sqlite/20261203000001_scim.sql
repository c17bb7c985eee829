-- SCIM 2.0 (DESIGN §9): the attributes a SCIM client keeps on a person that
-- Muster had no column for, lists owned by SCIM beside the directory's, and
-- the enterprise's SCIM setting. A member's `updated_at` is SCIM's
-- meta.lastModified.
ALTER TABLE members ADD COLUMN external_id TEXT;
ALTER TABLE members ADD COLUMN employee_number TEXT;

-- Which channel owns a list: `directory` (Directory Sync diffs only these) or
-- `scim` (a SCIM Group; its directory_id is `scim:<id>` and its dn empty).
ALTER TABLE distribution_lists ADD COLUMN source TEXT NOT NULL DEFAULT 'directory';
ALTER TABLE distribution_lists ADD COLUMN external_id TEXT;

CREATE TABLE scim_settings (
    enterprise_id    TEXT PRIMARY KEY REFERENCES enterprises(id),
    send_invitations BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
