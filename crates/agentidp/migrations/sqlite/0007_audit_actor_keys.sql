-- An actor that is an agent id (how callers are recorded) is now found by the block's
-- `agent` key, so a token request, whose actor is its subject, writes one key row rather than
-- two. Blocks written before keep their `actor` rows and gain the `agent` rows here.
INSERT INTO audit_block_keys (tenant_id, kind, value, first_seq)
    SELECT tenant_id, 'agent', replace(value, '-', ''), first_seq FROM audit_block_keys
    WHERE kind = 'actor' AND value GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
    ON CONFLICT DO NOTHING;
