-- At most one signing key is active. Two nodes starting together on an empty database could
-- each activate a first key; the newest stays active, the others retire now (their tokens keep
-- verifying until they expire), and the index makes the second of two activations fail.
UPDATE signing_keys SET status = 'retired', retired_at = now()
    WHERE status = 'active'
      AND kid <> (SELECT kid FROM signing_keys WHERE status = 'active' ORDER BY created_at DESC, kid LIMIT 1);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';
