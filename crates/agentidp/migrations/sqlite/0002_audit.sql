-- Audit log (SQLite): append-only events, a hash chain per tenant, retention checkpoints.
CREATE TABLE audit_events (
    id           BLOB PRIMARY KEY,
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
    CONSTRAINT audit_events_chain_key UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, id);
CREATE INDEX audit_events_agent_idx ON audit_events (tenant_id, agent_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action, id);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor, id);
-- Failures are rare and security-relevant: a partial index finds them without scanning.
CREATE INDEX audit_events_failure_idx ON audit_events (tenant_id, id) WHERE outcome = 'failure';

CREATE TABLE audit_heads (
    tenant_id  BLOB PRIMARY KEY,
    seq        INTEGER NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
    tenant_id   BLOB NOT NULL,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE audit_purge_guard (id INTEGER PRIMARY KEY);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (UPDATE refused)');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (DELETE refused)');
END;
