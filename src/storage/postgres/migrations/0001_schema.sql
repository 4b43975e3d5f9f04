-- PostgreSQL schema, version 1: the SQLite store's schema as it stands at SQLite version 19
-- (src/storage/database.cpp), translated for several daemons on one database (issue 17).
--
-- Applied by `victim-comms migrate` (storage/postgres/postgres_database.cpp) in one transaction, under an
-- advisory lock, and recorded in schema_migrations. Never edit a shipped file: add the next one.
--
-- What differs from SQLite, and why:
--  * Ids come from identity columns (sequences), unique across daemons without a lock, and are read
--    back with INSERT ... RETURNING. SQLite's id_counters table (takeNumber, SQLite migration 12) is not
--    here: on PostgreSQL a letter's or notification's number is nextval() of the column's own sequence
--    (pg_get_serial_sequence('letters', 'n')), taken inside the transaction. Unlike the counter row, a
--    rolled-back transaction does not give its number back: numbers may have gaps, never repeats.
--  * Times, dates and JSON stay text, in the very form SQLite holds them (RFC 3339, YYYY-MM-DD, the
--    packed JSON bodies), so the repositories write and compare the same strings on both stores. Flags
--    (enhanced, consent_to_share, words_in_version, overdue_logged) stay 0/1 integers, for the same reason.
--  * The append-only rules are triggers here too (a trigger that refuses a write hides none). Each
--    refuses TRUNCATE as well, which SQLite does not have and which row triggers would not see.
--  * SQLite's triggers that WRITE (arming a case, bumping its change token, re-arming an obligation's
--    alert, copying an obligation's due date and Area to its letter, filling a letter from its
--    obligation) have no trigger here: each is an explicit write the PostgreSQL repositories must make,
--    named at the table it concerns below and listed in docs/storage-seam.md.

-- 1. Events: append-only, the source of truth.
CREATE TABLE events(
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  type text NOT NULL,
  case_urn text,
  victim_id text,
  occurred_at text NOT NULL,
  local_date text NOT NULL,
  received_at text NOT NULL,
  body text NOT NULL);
CREATE INDEX events_by_case ON events(case_urn, seq);
CREATE INDEX events_by_victim ON events(victim_id, seq);
-- Replaces SQLite's events_purge_arm_case and events_bump_case_version (an event's body purged arms its case
-- and moves its change token): the purge (RetentionStore) must arm the case and bump case_versions itself.

-- The guard of every append-only table: a row may not be deleted (nor the table truncated), and an update
-- may change nothing but, in the columns named in the second argument, a value into a keyed purge marker
-- ({"purged":"hmac-sha256:<key id>:<hex>"}) that was not a marker before. The first argument is the message.
-- Replaces SQLite's <table>_no_update and <table>_no_delete triggers (SQLite migrations 1, 2, 4 and 8).
CREATE FUNCTION vc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purgeable text[] := COALESCE(TG_ARGV[1], '{}')::text[];
  new_row jsonb;
  old_row jsonb;
  col text;
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
  END IF;
  new_row := to_jsonb(NEW);
  old_row := to_jsonb(OLD);
  FOR col IN SELECT jsonb_object_keys(new_row) LOOP
    CONTINUE WHEN new_row -> col IS NOT DISTINCT FROM old_row -> col;
    CONTINUE WHEN col = ANY (purgeable)
              AND new_row ->> col LIKE '{"purged":"hmac-sha256:%'
              AND old_row ->> col NOT LIKE '{"purged":%';
    RAISE EXCEPTION '% (column %)', TG_ARGV[0], col USING ERRCODE = 'restrict_violation';
  END LOOP;
  RETURN NEW;
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW
  EXECUTE FUNCTION vc_append_only('events are append-only (a purge alone may replace a body with its marker)', '{body}');
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('events are append-only');

-- 2. The state derived from the events.
CREATE TABLE cases(
  urn text PRIMARY KEY,
  area text NOT NULL,
  unit text NOT NULL,
  details text NOT NULL,
  registered_event text NOT NULL REFERENCES events(id),
  last_event_seq bigint NOT NULL,
  purged_at text);
CREATE INDEX cases_by_area ON cases(area);
-- Replaces cases_arm_insert, cases_arm_update and cases_bump_case_version: whoever inserts or updates a case
-- (the derivation, the purge) arms it in case_checks and bumps case_versions in the same transaction.

CREATE TABLE victims(
  victim_id text PRIMARY KEY,
  case_urn text NOT NULL REFERENCES cases(urn),
  enhanced integer NOT NULL,
  reasons text NOT NULL,
  profile text NOT NULL,
  isva_id text,
  consent_to_share integer NOT NULL,
  opted_out text NOT NULL);
CREATE INDEX victims_by_case ON victims(case_urn);
CREATE INDEX victims_by_isva ON victims(isva_id) WHERE isva_id IS NOT NULL;
-- Replaces victims_arm_insert, victims_arm_update and victims_bump_case_version_{insert,update,delete}:
-- explicit arming and bumping of the victim's case by whoever writes the row.

CREATE TABLE entitlement_changes(
  victim_id text NOT NULL REFERENCES victims(victim_id),
  n bigint NOT NULL,
  event_id text NOT NULL REFERENCES events(id),
  date text NOT NULL,
  from_enhanced integer NOT NULL,
  to_enhanced integer NOT NULL,
  reasons text NOT NULL,
  PRIMARY KEY(victim_id, n));
-- Replaces entitlement_changes_bump_case_version_{insert,update,delete}: the derivation's own bump.

CREATE TABLE obligations(
  id text PRIMARY KEY,
  rule text NOT NULL,
  policy text NOT NULL,
  basis text NOT NULL,
  kind text NOT NULL,
  victim_id text NOT NULL REFERENCES victims(victim_id),
  case_urn text NOT NULL REFERENCES cases(urn),
  area text NOT NULL,
  trigger_event text NOT NULL REFERENCES events(id),
  tier text NOT NULL,
  due_by text NOT NULL,
  status text NOT NULL,
  completed_at text,
  body text NOT NULL,
  created_n bigint NOT NULL,
  -- The day (YYYY-MM-DD) from which the ledger sweep must next look at it ('' at once, NULL never).
  alert_on text DEFAULT '');
CREATE INDEX obligations_by_due ON obligations(due_by, id);
CREATE INDEX obligations_by_case ON obligations(case_urn);
CREATE INDEX obligations_by_victim ON obligations(victim_id);
CREATE INDEX obligations_by_alert_on ON obligations(alert_on) WHERE alert_on IS NOT NULL;
CREATE INDEX obligations_by_status_due ON obligations(status, due_by, id);
CREATE INDEX obligations_by_area_due ON obligations(area, due_by, id);
CREATE INDEX obligations_by_area_status_due ON obligations(area, status, due_by, id);
CREATE INDEX obligations_by_rule_due ON obligations(rule, due_by, id);
CREATE INDEX obligations_by_kind_due ON obligations(kind, due_by, id);
CREATE INDEX obligations_by_basis_due ON obligations(basis, due_by, id);
-- Replaces, each as an explicit write in the statement that changes the obligation:
--  * obligations_rearm_alert: a change of status or due_by sets alert_on = '' in the same UPDATE;
--  * obligations_due_by_to_letter and obligations_area_to_letter: a change of due_by or area is copied to
--    letters.due_by and letters.area (WHERE obligation_id = the obligation) in the same transaction;
--  * obligations_bump_case_version_{update,delete}: every change but alert_on's bumps its case's version.

CREATE TABLE isvas(
  isva_id text PRIMARY KEY,
  details text NOT NULL,
  registered_event text NOT NULL REFERENCES events(id));
-- Replaces isvas_arm_insert and isvas_arm_update: an ISVA's details written arm every case with a victim
-- they support (victims_by_isva finds them).

CREATE TABLE meetings(
  id text PRIMARY KEY,
  case_urn text NOT NULL REFERENCES cases(urn),
  victim_id text NOT NULL REFERENCES victims(victim_id),
  area text NOT NULL,
  meeting text NOT NULL,
  state text NOT NULL,
  held_obligation text,
  held_due_by text,
  body text NOT NULL,
  opened_n bigint NOT NULL);
CREATE INDEX meetings_by_case ON meetings(case_urn);

-- 3. People: users, web sessions, failed sign-ins (kept in the store, so any daemon behind a load
-- balancer sees them).
CREATE TABLE users(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL,
  isva_id text,
  area text,
  token_sha256 text NOT NULL UNIQUE,
  created_at text NOT NULL,
  password_hash text);

CREATE TABLE web_sessions(
  id_sha256 text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id),
  csrf_token text NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL);

CREATE TABLE login_failures(
  name text PRIMARY KEY,
  failures integer NOT NULL,
  last_failed_at bigint NOT NULL);

-- 4. The audit log: keyed hash chain, append-only. seq orders entries as they were inserted; with several
-- writers that is not commit order, so chaining them (one chainer linking entries in commit order, see
-- docs/storage-seam.md) needs a later migration. Until then this is SQLite's table as it is.
CREATE TABLE audit_log(
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  detail text NOT NULL,
  correlation_id text NOT NULL DEFAULT '',
  prev_hash text NOT NULL DEFAULT '',
  hash text NOT NULL DEFAULT '',
  key_id text NOT NULL DEFAULT '');
CREATE INDEX audit_by_subject ON audit_log(subject, seq);
CREATE INDEX audit_by_action ON audit_log(action, seq);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW
  EXECUTE FUNCTION vc_append_only('the audit log is append-only');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('the audit log is append-only');

-- The store's random id, which its audit checkpoints carry (SQLite migration 7). One row.
CREATE TABLE store_identity(
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  store_id text NOT NULL);
INSERT INTO store_identity(store_id) VALUES (replace(gen_random_uuid()::text, '-', ''));

-- 5. Letters: one per obligation that needs one, every version and every step kept.
CREATE TABLE letters(
  n bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  -- the number is taken first: nextval(), see above
  obligation_id text NOT NULL UNIQUE REFERENCES obligations(id),
  kind text NOT NULL,
  language text NOT NULL,
  channel text NOT NULL,
  state text NOT NULL,
  version bigint NOT NULL,
  letter_date text NOT NULL,
  blocked_by text NOT NULL,
  last_edited_by text,
  fields text NOT NULL,
  free_text text NOT NULL,
  context_hash text NOT NULL,
  template_version text NOT NULL,
  policy text NOT NULL,
  recipient_email text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  note text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  approved_by text,
  approved_at text,
  sent_at text,
  words_in_version integer NOT NULL DEFAULT 0,
  -- Its obligation's due date, Area and rule, written by the INSERT itself (LetterStore::insertLetter does so
  -- since SQLite migration 19). No default: an insert that leaves one out is refused, where SQLite's
  -- letters_from_obligation_insert trigger filled it in with a second write.
  due_by text NOT NULL,
  area text NOT NULL,
  rule text NOT NULL);
CREATE INDEX letters_by_due ON letters(due_by, n);
CREATE INDEX letters_by_state_due ON letters(state, due_by, n);
CREATE INDEX letters_by_area_due ON letters(area, due_by, n);
CREATE INDEX letters_by_area_state_due ON letters(area, state, due_by, n);
CREATE INDEX letters_by_rule_due ON letters(rule, due_by, n);
-- SQLite's instr(blocked_by, x) > 0 is strpos(blocked_by, x) > 0 here: listLetters must add the same terms.
CREATE INDEX letters_by_attention_due ON letters(due_by, n) WHERE channel = 'phone'
  OR strpos(blocked_by, '"needs_') > 0 OR strpos(blocked_by, '"unsafe_channel"') > 0;

CREATE TABLE letter_versions(
  letter_n bigint NOT NULL REFERENCES letters(n),
  version bigint NOT NULL,
  at text NOT NULL,
  author text NOT NULL,
  why text NOT NULL,
  language text NOT NULL,
  channel text NOT NULL,
  letter_date text NOT NULL,
  blocked_by text NOT NULL,
  fields text NOT NULL,
  free_text text NOT NULL,
  context_hash text NOT NULL,
  template_version text NOT NULL,
  policy text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY(letter_n, version));
CREATE TRIGGER letter_versions_append_only BEFORE UPDATE OR DELETE ON letter_versions FOR EACH ROW
  EXECUTE FUNCTION vc_append_only('letter versions are kept as written', '{fields,free_text,html,text}');
CREATE TRIGGER letter_versions_no_truncate BEFORE TRUNCATE ON letter_versions FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('letter versions are kept as written');

CREATE TABLE letter_history(
  letter_n bigint NOT NULL REFERENCES letters(n),
  n bigint NOT NULL,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  version bigint NOT NULL,
  note text NOT NULL,
  PRIMARY KEY(letter_n, n));
CREATE TRIGGER letter_history_append_only BEFORE UPDATE OR DELETE ON letter_history FOR EACH ROW
  EXECUTE FUNCTION vc_append_only('letter history is append-only', '{note}');
CREATE TRIGGER letter_history_no_truncate BEFORE TRUNCATE ON letter_history FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('letter history is append-only');

-- 6. ISVA notifications.
CREATE TABLE notifications(
  n bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  -- the number is taken first: nextval(), see above
  obligation_id text NOT NULL UNIQUE REFERENCES obligations(id),
  isva_id text NOT NULL,
  victim_id text NOT NULL REFERENCES victims(victim_id),
  case_urn text NOT NULL REFERENCES cases(urn),
  area text NOT NULL,
  event_type text NOT NULL,
  occurred_on text NOT NULL,
  language text NOT NULL,
  recipient_email text NOT NULL,
  subject text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  template_version text NOT NULL,
  state text NOT NULL,
  note text NOT NULL,
  created_at text NOT NULL,
  sent_at text,
  read_at text);
CREATE INDEX notifications_by_isva ON notifications(isva_id, n);

-- 7. Print batches and the outbox that delivers letters and notifications.
CREATE TABLE print_batches(
  n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at text NOT NULL,
  created_at_s bigint NOT NULL,
  letters bigint NOT NULL,
  manifest text NOT NULL,
  confirmed_at text,
  confirmed_by text,
  overdue_logged integer NOT NULL DEFAULT 0);

CREATE TABLE outbox(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  letter_n bigint REFERENCES letters(n),
  channel text NOT NULL,
  name text NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  message_id text NOT NULL UNIQUE,
  body_text text NOT NULL,
  body_html text NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  last_error text NOT NULL,
  created_at text NOT NULL,
  sent_at text,
  notification_n bigint REFERENCES notifications(n),
  sender_name text NOT NULL DEFAULT '',
  print_batch bigint,
  outcome text NOT NULL DEFAULT '',
  outcome_at text NOT NULL DEFAULT '',
  outcome_detail text NOT NULL DEFAULT '');
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_by_letter ON outbox(letter_n);
CREATE INDEX outbox_by_notification ON outbox(notification_n);
-- SQLite also has outbox_by_message_id; here the UNIQUE constraint's own index serves the same lookups.
-- The claim lease (claimed_by, lease_until, FOR UPDATE SKIP LOCKED) is issue 17's next outbox migration.

-- 8. The compliance ledger.
CREATE TABLE obligation_reasons(
  n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  obligation_id text NOT NULL REFERENCES obligations(id),
  reason text NOT NULL,
  note text NOT NULL,
  outcome text NOT NULL,
  recorded_by text NOT NULL,
  recorded_at text NOT NULL,
  correlation_id text NOT NULL);
CREATE INDEX obligation_reasons_by_obligation ON obligation_reasons(obligation_id, n);
CREATE TRIGGER obligation_reasons_append_only BEFORE UPDATE OR DELETE ON obligation_reasons FOR EACH ROW
  EXECUTE FUNCTION vc_append_only('reasons are changed only by adding a new one', '{note}');
CREATE TRIGGER obligation_reasons_no_truncate BEFORE TRUNCATE ON obligation_reasons FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('reasons are changed only by adding a new one');
-- Replaces obligation_reasons_bump_case_version_{insert,update}: recording a reason (or purging its note)
-- bumps its obligation's case version.

CREATE TABLE obligation_alerts(
  obligation_id text NOT NULL REFERENCES obligations(id),
  alert text NOT NULL,
  due_by text NOT NULL,
  raised_at text NOT NULL,
  PRIMARY KEY(obligation_id, alert, due_by));
-- Replaces obligation_alerts_bump_case_version_{insert,update,delete}: the sweep that raises an alert bumps
-- its obligation's case version.

-- 9. The scheduler's work and the victim answer cache's tokens.
-- case_checks: a case whose letters and notifications must be looked at again; `armed` is a fresh random
-- token each time (the writer chooses it), cleared only by a pass that saw that very token.
CREATE TABLE case_checks(
  case_urn text PRIMARY KEY,
  armed bigint NOT NULL);
-- case_versions: a change token per case, which only grows; every write that shows in a victim's answer
-- bumps it in its own transaction (SQLite migration 18 lists them; above, at each table, the writes that
-- SQLite made by trigger and that are explicit here).
CREATE TABLE case_versions(
  case_urn text PRIMARY KEY,
  version bigint NOT NULL);
