-- Audit events are stored in blocks: one row holds up to 64 consecutive events of a chain
-- (a JSON array, each event with its position and hashes), and one key row per distinct agent,
-- actor, action, agent with action, and failure in the block finds it by filter. A group
-- commit of n events thus writes a few rows instead of one row in six B-trees per event
-- (docs/audit-blocks-design.md).
-- A block's events were created at most 60 s apart, which bounds its time range for lookups.
CREATE TABLE audit_blocks (
    tenant_id  BLOB NOT NULL,
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL CHECK (last_seq >= first_seq),
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL CHECK (last_at >= first_at),
    events     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, first_seq)
);
-- Time-bounded lookups (an event by id, from/to filters) read only this index, then the rows.
CREATE INDEX audit_blocks_time_idx ON audit_blocks (tenant_id, first_at, last_at, first_seq);

CREATE TABLE audit_block_keys (
    tenant_id  BLOB NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agent', 'actor', 'action', 'agent_action', 'failure')),
    value      TEXT NOT NULL,
    first_seq  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, first_seq, kind, value)
) WITHOUT ROWID;

-- Filters seek by key; verification reads a block's keys by its position.
CREATE INDEX audit_block_keys_find_idx ON audit_block_keys (tenant_id, kind, value, first_seq);

-- The events of the old table, each a block of one (ids in their 32-digit form).
INSERT INTO audit_blocks (tenant_id, first_seq, last_seq, first_at, last_at, events)
    SELECT tenant_id, seq, seq, occurred_at, occurred_at,
        json_array(json_object('id', lower(hex(id)), 'seq', seq, 'at', occurred_at,
            'actor', actor, 'agent', CASE WHEN agent_id IS NOT NULL THEN lower(hex(agent_id)) END,
            'action', action,
            'outcome', outcome, 'ip', ip, 'ua', user_agent, 'meta', json(metadata),
            'prev', prev_hash, 'hash', hash))
    FROM audit_events ORDER BY tenant_id, seq;
INSERT INTO audit_block_keys (tenant_id, kind, value, first_seq)
    SELECT tenant_id, 'agent', lower(hex(agent_id)), seq FROM audit_events
        WHERE agent_id IS NOT NULL
    UNION ALL SELECT tenant_id, 'actor', actor, seq FROM audit_events
    UNION ALL SELECT tenant_id, 'action', action, seq FROM audit_events
    UNION ALL SELECT tenant_id, 'agent_action', lower(hex(agent_id)) || '/' || action, seq FROM audit_events
        WHERE agent_id IS NOT NULL
    UNION ALL SELECT tenant_id, 'failure', '', seq FROM audit_events WHERE outcome = 'failure';
DROP TABLE audit_events;

-- The immutability of the events carries over to both tables: no UPDATE, and DELETE only
-- inside the retention purge's guard.
CREATE TRIGGER audit_blocks_no_update BEFORE UPDATE ON audit_blocks
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (UPDATE refused)');
END;
CREATE TRIGGER audit_blocks_no_delete BEFORE DELETE ON audit_blocks
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (DELETE refused)');
END;
CREATE TRIGGER audit_block_keys_no_update BEFORE UPDATE ON audit_block_keys
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (UPDATE refused)');
END;
CREATE TRIGGER audit_block_keys_no_delete BEFORE DELETE ON audit_block_keys
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable (DELETE refused)');
END;
