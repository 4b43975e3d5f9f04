-- PostgreSQL schema, version 3: outbox leases (issue 17; SQLite's migration 20).
--
-- A message being sent is claimed by one daemon (claimed_by: its instance id) until lease_until (Unix
-- seconds). A daemon that dies mid-send loses the message when its lease runs out, and another daemon sends
-- it again with the same Message-ID; a lease that has not run out is never taken (OutboxStore::claim and
-- requeueExpired). outbox_sending finds the leases that ran out without reading the rest of the outbox.
ALTER TABLE outbox ADD COLUMN claimed_by text NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until bigint NOT NULL DEFAULT 0;
CREATE INDEX outbox_sending ON outbox(lease_until) WHERE state = 'sending';
