-- Audit events are keyed by (tenant_id, id) instead of id alone. Every lookup is tenant-scoped,
-- so the separate key on id was a seventh B-tree that each append had to write for nothing.
-- SQLite cannot change a primary key in place: the table is rebuilt (the documented
-- twelve-step procedure), keeping every row, its chain position and hash.
DROP TRIGGER audit_events_no_update;
DROP TRIGGER audit_events_no_delete;

CREATE TABLE audit_events_rekeyed (
    id           BLOB NOT NULL,
    tenant_id    BLOB NOT NULL,
    seq          INTEGER NOT NULL,
    occurred_at  INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    agent_id     BLOB,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    ip           TEXT,
    user_agent   TEXT,
    metadata     TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT audit_events_chain_key UNIQUE (tenant_id, seq)
);
INSERT INTO audit_events_rekeyed (id, tenant_id, seq, occurred_at, actor, agent_id, action,
        outcome, ip, user_agent, metadata, prev_hash, hash)
    SELECT id, tenant_id, seq, occurred_at, actor, agent_id, action, outcome, ip, user_agent,
        metadata, prev_hash, hash
    FROM audit_events ORDER BY tenant_id, seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_rekeyed RENAME TO audit_events;

CREATE INDEX audit_events_agent_idx ON audit_events (tenant_id, agent_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action, id);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor, id);
CREATE INDEX audit_events_failure_idx ON audit_events (tenant_id, id) WHERE outcome = 'failure';

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (UPDATE refused)');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (DELETE refused)');
END;
