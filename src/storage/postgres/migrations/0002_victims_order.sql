-- PostgreSQL schema, version 2: the order in which a case's victims were added (issue 17).
--
-- Store::caseVictims lists a case's victims in the order they were added: SQLite's rowid, which PostgreSQL
-- has no twin of (ctid moves with every update). added_n is taken from its own sequence when the row is
-- inserted and never changes after; an update keeps it, as an update keeps SQLite's rowid.
ALTER TABLE victims ADD COLUMN added_n bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX victims_by_case_added ON victims(case_urn, added_n);
DROP INDEX victims_by_case;
