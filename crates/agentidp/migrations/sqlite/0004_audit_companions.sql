-- The audit log's companion tables get the same protection as its events: a chain head only
-- moves forward and is never removed (deleting one used to hide its chain from verification),
-- and a retention checkpoint, where verification resumes, is written only by the purge (inside
-- its guard) and never changed or removed.
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads
WHEN NEW.seq < OLD.seq OR NEW.tenant_id IS NOT OLD.tenant_id
BEGIN
    SELECT RAISE(ABORT, 'audit chain heads only move forward');
END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit chain heads cannot be deleted');
END;
CREATE TRIGGER audit_checkpoints_by_purge_only BEFORE INSERT ON audit_checkpoints
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are written only by the retention purge');
END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are immutable (UPDATE refused)');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are immutable (DELETE refused)');
END;
