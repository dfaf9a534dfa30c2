-- Audit events are stored in blocks: one row holds up to 64 consecutive events of a chain
-- (a JSON array, each event with its position and hashes), and one key row per distinct agent,
-- actor, action, agent with action, and failure in the block finds it by filter. A group
-- commit of n events thus writes a few rows instead of one row in six B-trees per event
-- (docs/audit-blocks-design.md).
-- A block's events were created at most 60 s apart, which bounds its time range for lookups.
CREATE TABLE audit_blocks (
    tenant_id  UUID NOT NULL,
    first_seq  BIGINT NOT NULL,
    last_seq   BIGINT NOT NULL CHECK (last_seq >= first_seq),
    first_at   TIMESTAMPTZ NOT NULL,
    last_at    TIMESTAMPTZ NOT NULL CHECK (last_at >= first_at),
    events     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, first_seq)
);
-- Time-bounded lookups (an event by id, from/to filters) read only this index, then the rows.
CREATE INDEX audit_blocks_time_idx ON audit_blocks (tenant_id, first_at, last_at, first_seq);

CREATE TABLE audit_block_keys (
    tenant_id  UUID NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agent', 'actor', 'action', 'agent_action', 'failure')),
    value      TEXT NOT NULL,
    first_seq  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, first_seq, kind, value)
);

-- Filters seek by key; verification reads a block's keys by its position.
CREATE INDEX audit_block_keys_find_idx ON audit_block_keys (tenant_id, kind, value, first_seq);

-- The events of the old table, each a block of one (ids in their 32-digit form, times in
-- microseconds since the epoch).
INSERT INTO audit_blocks (tenant_id, first_seq, last_seq, first_at, last_at, events)
    SELECT tenant_id, seq, seq, occurred_at, occurred_at,
        json_build_array(json_build_object('id', replace(id::text, '-', ''), 'seq', seq,
            'at', (extract(epoch FROM occurred_at) * 1000000)::bigint, 'actor', actor,
            'agent', replace(agent_id::text, '-', ''), 'action', action, 'outcome', outcome,
            'ip', ip, 'ua', user_agent, 'meta', metadata::json, 'prev', prev_hash,
            'hash', hash))::text
    FROM audit_events ORDER BY tenant_id, seq;
INSERT INTO audit_block_keys (tenant_id, kind, value, first_seq)
    SELECT tenant_id, 'agent', replace(agent_id::text, '-', ''), seq FROM audit_events
        WHERE agent_id IS NOT NULL
    UNION ALL SELECT tenant_id, 'actor', actor, seq FROM audit_events
    UNION ALL SELECT tenant_id, 'action', action, seq FROM audit_events
    UNION ALL SELECT tenant_id, 'agent_action', replace(agent_id::text, '-', '') || '/' || action, seq FROM audit_events
        WHERE agent_id IS NOT NULL
    UNION ALL SELECT tenant_id, 'failure', '', seq FROM audit_events WHERE outcome = 'failure';
DROP TABLE audit_events;

-- The immutability of the events carries over to both tables: no UPDATE or TRUNCATE, and
-- DELETE only inside the retention purge's guard.
CREATE TRIGGER audit_blocks_immutable BEFORE UPDATE OR DELETE ON audit_blocks
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_blocks_no_truncate BEFORE TRUNCATE ON audit_blocks
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_block_keys_immutable BEFORE UPDATE OR DELETE ON audit_block_keys
    FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
CREATE TRIGGER audit_block_keys_no_truncate BEFORE TRUNCATE ON audit_block_keys
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable();
