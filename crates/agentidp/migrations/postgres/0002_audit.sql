-- Audit log: append-only events, a hash chain per tenant, retention checkpoints.
CREATE TABLE audit_events (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL,
    seq          BIGINT NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    agent_id     UUID,
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

-- The head of each chain; its row lock serialises appends to one tenant's chain.
CREATE TABLE audit_heads (
    tenant_id  UUID PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL
);

-- Where a chain resumes after the retention purge removed its beginning.
CREATE TABLE audit_checkpoints (
    tenant_id   UUID NOT NULL,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- A row exists here only inside the retention purge's own transaction.
CREATE TABLE audit_purge_guard (id INTEGER PRIMARY KEY);

CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purge_guard) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are immutable (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();
