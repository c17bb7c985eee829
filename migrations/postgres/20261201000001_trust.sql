-- Trust the gate (issue 9): who saved a directory configuration decides
-- whether its runs may suspend admins (only one the PMA saved may).
ALTER TABLE directory_configs ADD COLUMN saved_by TEXT;

-- Invitation mails sent per enterprise and hour: every mailed invitation
-- (Invite, Bulk, Import, Sync, send-pending, resend) counts against the daily limit.
CREATE TABLE invite_sends (
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    hour          BIGINT NOT NULL,
    sent          BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, hour)
);

-- Fair claiming looks up each enterprise's latest started job.
CREATE INDEX jobs_by_enterprise_started ON jobs(enterprise_id, started_at);
