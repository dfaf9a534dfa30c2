-- A retention checkpoint tells verification where a chain resumes. With an audit chain key it
-- carries a MAC under that key (NULL without one), so that no one without the key can move a
-- chain's start forward over events they removed or altered.
ALTER TABLE audit_checkpoints ADD COLUMN mac TEXT;
