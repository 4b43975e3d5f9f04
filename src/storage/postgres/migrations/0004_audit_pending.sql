-- PostgreSQL schema, version 4: audit entries written without waiting on the chain (issue 17).
--
-- Until now every writer of the audit chain, in every daemon, read the chain's end and extended it under one
-- advisory lock held to its commit, so an import in one daemon made audited reads in all of them wait. Now a
-- writer adds its entries here, in its own transaction, under no shared lock; one chainer at a time (any
-- daemon; AuditLog::chainPending) moves them into audit_log in id order, giving each its seq, prev_hash and
-- keyed hash, and deletes them from here in the same transaction. audit_log itself is unchanged, and so is
-- verify-audit.
--
-- Each waiting entry carries a MAC under the audit key (key_id), over a random token and its content, made by
-- the writer: the chainer refuses an entry whose MAC does not check (someone with the database but not the
-- key added or changed it), so the chain never vouches for what no daemon wrote. The token is unique, so a
-- genuine entry cannot be copied and chained twice.
CREATE TABLE audit_pending(
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token text NOT NULL UNIQUE,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  detail text NOT NULL,
  correlation_id text NOT NULL DEFAULT '',
  key_id text NOT NULL,
  mac text NOT NULL);

-- The guard: a waiting entry is never changed, and leaves only by being chained: the chainer's transaction
-- says so (SET LOCAL vc.audit_chaining = 'on'). This keeps mistakes out, not someone who can run SQL as the
-- store's owner (docs/storage-seam.md, "The audit chain with several daemons").
CREATE FUNCTION vc_audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('vc.audit_chaining', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit entries waiting to be chained are never changed, and leave only by being chained'
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_pending_guard BEFORE UPDATE OR DELETE ON audit_pending FOR EACH ROW
  EXECUTE FUNCTION vc_audit_pending_guard();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending FOR EACH STATEMENT
  EXECUTE FUNCTION vc_append_only('audit entries waiting to be chained are never changed, and leave only by being chained');
