-- Core schema (SQLite): UUIDs as 16-byte BLOBs, timestamps as integer microseconds since the epoch.
CREATE TABLE tenants (
    id           BLOB PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    plan         TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),
    agent_count  INTEGER NOT NULL DEFAULT 0 CHECK (agent_count >= 0),
    created_at   INTEGER NOT NULL
);

CREATE TABLE agents (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    agent_type      TEXT NOT NULL,
    version         TEXT NOT NULL,
    capabilities    TEXT NOT NULL,
    owner           TEXT NOT NULL,
    deployment_env  TEXT NOT NULL CHECK (deployment_env IN ('development', 'staging', 'production')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked', 'decommissioned')),
    is_public       INTEGER NOT NULL,
    metadata        TEXT NOT NULL,
    allowed_scopes  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_auth_at    INTEGER,
    CONSTRAINT agents_tenant_email_key UNIQUE (tenant_id, email)
);
CREATE INDEX agents_tenant_id_idx ON agents (tenant_id, id);

CREATE TABLE credentials (
    id                    BLOB PRIMARY KEY,
    agent_id              BLOB NOT NULL REFERENCES agents (id),
    tenant_id             BLOB NOT NULL REFERENCES tenants (id),
    secret_hash           BLOB NOT NULL,
    previous_secret_hash  BLOB,
    previous_expires_at   INTEGER,
    status                TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER,
    rotated_at            INTEGER,
    revoked_at            INTEGER,
    last_used_at          INTEGER
);
CREATE INDEX credentials_agent_idx ON credentials (agent_id, status);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
    private_key  BLOB,
    public_jwk   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER
);

CREATE TABLE revoked_tokens (
    jti         BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL
);
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);

CREATE TABLE usage_counters (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    period     TEXT NOT NULL,
    metric     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, period, metric)
);
