-- Trust policies (workload federation): which workloads of which OIDC issuer may act as which
-- agent of the tenant. `claims` is the JSON object of pinned claims, `scopes` space-separated.
CREATE TABLE trust_policies (
    id                     UUID PRIMARY KEY,
    tenant_id              UUID NOT NULL REFERENCES tenants (id),
    agent_id               UUID NOT NULL REFERENCES agents (id),
    issuer                 TEXT NOT NULL,
    audience               TEXT NOT NULL,
    subject                TEXT,
    claims                 TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    max_token_ttl_seconds  BIGINT NOT NULL,
    description            TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX trust_policies_tenant_idx ON trust_policies (tenant_id, id);
-- An exchange looks its candidate policies up by the presented token's issuer.
CREATE INDEX trust_policies_issuer_idx ON trust_policies (issuer);
CREATE INDEX trust_policies_agent_idx ON trust_policies (agent_id);
