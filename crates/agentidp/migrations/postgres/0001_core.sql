-- Core schema: tenants, agents, credentials, signing keys, token revocations, usage counters.
CREATE TABLE tenants (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    plan         TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),
    agent_count  BIGINT NOT NULL DEFAULT 0 CHECK (agent_count >= 0),
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE agents (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    agent_type      TEXT NOT NULL,
    version         TEXT NOT NULL,
    capabilities    TEXT NOT NULL,
    owner           TEXT NOT NULL,
    deployment_env  TEXT NOT NULL CHECK (deployment_env IN ('development', 'staging', 'production')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked', 'decommissioned')),
    is_public       BOOLEAN NOT NULL,
    metadata        TEXT NOT NULL,
    allowed_scopes  TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    last_auth_at    TIMESTAMPTZ,
    CONSTRAINT agents_tenant_email_key UNIQUE (tenant_id, email)
);
CREATE INDEX agents_tenant_id_idx ON agents (tenant_id, id);

CREATE TABLE credentials (
    id                    UUID PRIMARY KEY,
    agent_id              UUID NOT NULL REFERENCES agents (id),
    tenant_id             UUID NOT NULL REFERENCES tenants (id),
    secret_hash           BYTEA NOT NULL,
    previous_secret_hash  BYTEA,
    previous_expires_at   TIMESTAMPTZ,
    status                TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ,
    rotated_at            TIMESTAMPTZ,
    revoked_at            TIMESTAMPTZ,
    last_used_at          TIMESTAMPTZ
);
CREATE INDEX credentials_agent_idx ON credentials (agent_id, status);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
    private_key  BYTEA,
    public_jwk   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at   TIMESTAMPTZ NOT NULL,
    retired_at   TIMESTAMPTZ
);

CREATE TABLE revoked_tokens (
    jti         UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX revoked_tokens_expiry_idx ON revoked_tokens (expires_at);

CREATE TABLE usage_counters (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    period     TEXT NOT NULL,
    metric     TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, period, metric)
);
