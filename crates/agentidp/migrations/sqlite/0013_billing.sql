-- Usage metering per tenant, UTC day (YYYY-MM-DD) and metric (api_calls, tokens_issued,
-- active_agents); replaces the monthly token counters, whose totals move to the month's
-- first day.
CREATE TABLE usage_events (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    date       TEXT NOT NULL,
    metric     TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, date, metric)
) WITHOUT ROWID;
INSERT INTO usage_events (tenant_id, date, metric, count)
    SELECT tenant_id, period || '-01', 'tokens_issued', count FROM usage_counters
    WHERE metric = 'tokens';
DROP TABLE usage_counters;

-- Billing: the tenant's Stripe customer and subscription as the last applied event left
-- them; `billing_event_at` is that event's `created` (Unix seconds), so older events that
-- arrive late are not applied over newer ones.
ALTER TABLE tenants ADD COLUMN stripe_customer_id TEXT;
ALTER TABLE tenants ADD COLUMN subscription_id TEXT;
ALTER TABLE tenants ADD COLUMN subscription_status TEXT;
ALTER TABLE tenants ADD COLUMN past_due_since INTEGER;
ALTER TABLE tenants ADD COLUMN billing_event_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX tenants_stripe_customer_idx ON tenants (stripe_customer_id);

-- Stripe events already applied (webhooks are delivered at least once).
CREATE TABLE stripe_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    created      INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
);
