-- The audit log's companion tables get the same protection as its events: a chain head only
-- moves forward and is never removed (deleting one used to hide its chain from verification),
-- and a retention checkpoint, where verification resumes, is written only by the purge (inside
-- its guard) and never changed or removed.
CREATE FUNCTION audit_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq AND NEW.tenant_id = OLD.tenant_id THEN
        RETURN NEW;
    END IF;
    -- A NULL position is left to the NOT NULL constraint, which guarded batches rely on.
    IF TG_OP = 'UPDATE' AND NEW.seq IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit chain heads only move forward (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_forward_only();

CREATE FUNCTION audit_checkpoints_by_purge_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM audit_purge_guard) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit checkpoints are written only by the retention purge (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_checkpoints_by_purge_only BEFORE INSERT OR UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_by_purge_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_by_purge_only();
