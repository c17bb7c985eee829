-- Members as users: the managed-seat counter the seat cap is enforced on
-- (one conditional UPDATE, so concurrent requests cannot overshoot), when a
-- member became managed, and the seat change events billing reports.

ALTER TABLE enterprises ADD COLUMN managed_seats BIGINT NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN managed_since BIGINT;

CREATE INDEX members_by_state ON members(enterprise_id, state, email);
CREATE INDEX invitations_by_created ON invitations(enterprise_id, created_at);
CREATE INDEX invitations_by_member ON invitations(member_id);

CREATE TABLE seat_events (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises(id),
    member_id     TEXT NOT NULL REFERENCES members(id),
    email         TEXT NOT NULL,
    delta         BIGINT NOT NULL,
    seats_after   BIGINT NOT NULL,
    actor_email   TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX seat_events_by_enterprise ON seat_events(enterprise_id, id);
