-- Public-key credentials (private_key_jwt, RFC 7523). A credential with a `public_jwk` is a
-- key, not a secret: its `secret_hash` column holds the key's RFC 7638 thumbprint (32 bytes)
-- and `previous_secret_hash` the thumbprint of the key a rotation replaced, so that rotation
-- and its compare-and-set work as for secrets. The server never accepts a client secret for
-- such a credential.
ALTER TABLE credentials ADD COLUMN public_jwk TEXT;
ALTER TABLE credentials ADD COLUMN previous_public_jwk TEXT;

-- The `jti` of every client assertion accepted, until the assertion expires: a replay on any
-- node finds it here (Redis takes this role when configured).
CREATE TABLE client_assertion_jtis (
    client_id   BLOB NOT NULL,
    jti_hash    BLOB NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX client_assertion_jtis_expiry_idx ON client_assertion_jtis (expires_at);
