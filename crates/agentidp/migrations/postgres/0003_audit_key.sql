-- Audit events are keyed by (tenant_id, id) instead of id alone. Every lookup is tenant-scoped,
-- so the separate key on id was a seventh index that each append had to write for nothing;
-- the new key takes over from the (tenant_id, id) index. The table stays locked while the key
-- builds (seconds per million events).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
DROP INDEX audit_events_tenant_idx;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (tenant_id, id);
