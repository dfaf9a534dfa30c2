//! Edits of the stored audit log past its triggers, as someone with full write access to the
//! database could make them: what the chain verification has to catch. Events live inside
//! blocks (a JSON array per row), so each edit rewrites a block's JSON, as an attacker would.

use agentidp::domain::ids::TenantId;

use crate::helpers::{Backend, TestApp};

/// A tenant id as an SQL literal.
pub fn tenant_sql(app: &TestApp, tenant: TenantId) -> String {
    match app.backend {
        Backend::Sqlite => format!("x'{}'", tenant.uuid().simple()),
        Backend::Postgres => format!("'{tenant}'"),
    }
}

/// SQL that drops (SQLite) or disables (PostgreSQL) every audit trigger.
pub fn bypass(app: &TestApp) -> &'static str {
    match app.backend {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS audit_blocks_no_update; DROP TRIGGER IF EXISTS audit_blocks_no_delete;
             DROP TRIGGER IF EXISTS audit_block_keys_no_update; DROP TRIGGER IF EXISTS audit_block_keys_no_delete;
             DROP TRIGGER IF EXISTS audit_heads_forward_only;"
        }
        Backend::Postgres => {
            "ALTER TABLE audit_blocks DISABLE TRIGGER audit_blocks_immutable;
             ALTER TABLE audit_block_keys DISABLE TRIGGER audit_block_keys_immutable;
             ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_forward_only;"
        }
    }
}

/// The block holding position `seq` of the tenant's chain, as an SQL condition.
fn holding(app: &TestApp, tenant: TenantId, seq: i64) -> String {
    format!(
        "tenant_id = {} AND first_seq <= {seq} AND last_seq >= {seq}",
        tenant_sql(app, tenant)
    )
}

/// Sets field `field` of the event at `seq` to `json` (a JSON literal), past the triggers.
pub async fn set_field(app: &TestApp, tenant: TenantId, seq: i64, field: &str, json: &str) {
    let set = match app.backend {
        Backend::Sqlite => {
            format!("json_set(events, '$[' || ({seq} - first_seq) || '].{field}', json('{json}'))")
        }
        Backend::Postgres => format!(
            "jsonb_set(events::jsonb, ARRAY[({seq} - first_seq)::text, '{field}'], '{json}'::jsonb)::text"
        ),
    };
    let sql = format!(
        "{} UPDATE audit_blocks SET events = {set} WHERE {}",
        bypass(app),
        holding(app, tenant, seq)
    );
    app.raw_sql(&sql).await.unwrap();
}

/// Removes the events at positions `lo < seq <= hi` from their blocks (and blocks left
/// empty), keeping the blocks' index in step with what is left, past the triggers.
pub async fn remove_events(app: &TestApp, tenant: TenantId, lo: i64, hi: i64) {
    let t = tenant_sql(app, tenant);
    let kept = match app.backend {
        Backend::Sqlite => format!(
            "(SELECT json_group_array(json(e.value)) FROM json_each(audit_blocks.events) e
              WHERE NOT (e.value ->> 'seq' > {lo} AND e.value ->> 'seq' <= {hi}))"
        ),
        Backend::Postgres => format!(
            "coalesce((SELECT jsonb_agg(e ORDER BY (e ->> 'seq')::bigint)
              FROM jsonb_array_elements(events::jsonb) e
              WHERE NOT ((e ->> 'seq')::bigint > {lo} AND (e ->> 'seq')::bigint <= {hi})), '[]')::text"
        ),
    };
    let sql = format!(
        "{bypass} UPDATE audit_blocks SET events = {kept}
             WHERE tenant_id = {t} AND first_seq <= {hi} AND last_seq > {lo};
         DELETE FROM audit_blocks WHERE tenant_id = {t} AND events = '[]';",
        bypass = bypass(app)
    );
    app.raw_sql(&sql).await.unwrap();
    reindex(app, tenant).await;
}

/// A condition that `expr` is an agent id in its canonical form (lower-case, hyphenated).
fn canonical_uuid(app: &TestApp, expr: &str) -> String {
    match app.backend {
        Backend::Sqlite => {
            let h = "[0-9a-f]";
            let (h4, h8) = (h.repeat(4), h.repeat(8));
            format!("{expr} GLOB '{h8}-{h4}-{h4}-{h4}-{h8}{h4}'")
        }
        Backend::Postgres => format!(
            "{expr} ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$'"
        ),
    }
}

/// Brings every block of the tenant's chain back in line with the events it holds (positions,
/// time range, filter keys), as a careful attacker would after editing them: with the keys
/// blocks written before the current key rule got (see `store::blocks::legacy_key_set`).
pub async fn reindex(app: &TestApp, tenant: TenantId) {
    let t = tenant_sql(app, tenant);
    type Sql = fn(&str) -> String;
    type Time = fn(String) -> String;
    let (each, own, field, time): (&str, &str, Sql, Time) = match app.backend {
        Backend::Sqlite => (
            "json_each(b.events) e",
            "json_each(audit_blocks.events) e",
            |f: &str| format!("(e.value ->> '{f}')"),
            |micros: String| micros,
        ),
        Backend::Postgres => (
            "jsonb_array_elements(b.events::jsonb) e",
            "jsonb_array_elements(audit_blocks.events::jsonb) e",
            |f: &str| format!("(e ->> '{f}')"),
            |micros: String| format!("timestamptz 'epoch' + {micros} * interval '1 microsecond'"),
        ),
    };
    let (seq, at) = match app.backend {
        Backend::Sqlite => (field("seq"), field("at")),
        Backend::Postgres => (
            format!("{}::bigint", field("seq")),
            format!("{}::bigint", field("at")),
        ),
    };
    let of_block = |agg: &str, expr: &str| format!("(SELECT {agg}({expr}) FROM {own})");
    let key = |kind: &str, value: String, cond: String| {
        format!(
            "SELECT b.tenant_id, '{kind}', {value}, b.first_seq FROM audit_blocks b, {each}
             WHERE b.tenant_id = {t} AND {cond}"
        )
    };
    let sql = format!(
        "{bypass} UPDATE audit_blocks SET first_seq = {min_seq}, last_seq = {max_seq},
             first_at = {min_at}, last_at = {max_at} WHERE tenant_id = {t};
         DELETE FROM audit_block_keys WHERE tenant_id = {t};
         INSERT INTO audit_block_keys (tenant_id, kind, value, first_seq)
             {agents} UNION {agent_actors} UNION {pairs} UNION {actors} UNION {actions} UNION {failures};",
        bypass = bypass(app),
        min_seq = of_block("min", &seq),
        max_seq = of_block("max", &seq),
        min_at = time(of_block("min", &at)),
        max_at = time(of_block("max", &at)),
        agents = key(
            "agent",
            field("agent"),
            format!("{} IS NOT NULL", field("agent"))
        ),
        agent_actors = key(
            "agent",
            format!("replace({}, '-', '')", field("actor")),
            canonical_uuid(app, &field("actor"))
        ),
        pairs = key(
            "agent_action",
            format!("{} || '/' || {}", field("agent"), field("action")),
            format!("{} IS NOT NULL", field("agent"))
        ),
        actors = key("actor", field("actor"), "TRUE".into()),
        actions = key("action", field("action"), "TRUE".into()),
        failures = key(
            "failure",
            "''".into(),
            format!("{} = 'failure'", field("outcome"))
        ),
    );
    app.raw_sql(&sql).await.unwrap();
}

/// Stores a copy of the event at `seq` as a block of its own at position `at`, under a new id
/// and with `actor` if given (no trigger stops an INSERT).
pub async fn insert_copy(app: &TestApp, tenant: TenantId, seq: i64, at: i64, actor: Option<&str>) {
    let actor = actor.map(|a| format!("'{a}'"));
    let sql = match app.backend {
        Backend::Sqlite => format!(
            "INSERT INTO audit_blocks (tenant_id, first_seq, last_seq, first_at, last_at, events)
             SELECT tenant_id, {at}, {at}, first_at, last_at,
                 json_array(json_set(e.value, '$.seq', {at}, '$.id', lower(hex(randomblob(16))),
                     '$.actor', {actor}))
             FROM audit_blocks, json_each(audit_blocks.events) e
             WHERE {} AND e.value ->> 'seq' = {seq}",
            holding(app, tenant, seq),
            actor = actor.unwrap_or_else(|| "e.value ->> 'actor'".to_owned())
        ),
        Backend::Postgres => format!(
            "INSERT INTO audit_blocks (tenant_id, first_seq, last_seq, first_at, last_at, events)
             SELECT tenant_id, {at}, {at}, first_at, last_at,
                 jsonb_build_array(e || jsonb_build_object('seq', {at},
                     'id', replace(gen_random_uuid()::text, '-', ''), 'actor', {actor}))::text
             FROM audit_blocks, jsonb_array_elements(events::jsonb) e
             WHERE {} AND (e ->> 'seq')::bigint = {seq}",
            holding(app, tenant, seq),
            actor = actor.unwrap_or_else(|| "e ->> 'actor'".to_owned())
        ),
    };
    app.raw_sql(&sql).await.unwrap();
}

/// The hash of the event at `seq`, read from its block.
pub fn hash_at_sql(app: &TestApp, tenant: TenantId, seq: i64) -> String {
    match app.backend {
        Backend::Sqlite => format!(
            "(SELECT e.value ->> 'hash' FROM audit_blocks, json_each(audit_blocks.events) e
              WHERE {} AND e.value ->> 'seq' = {seq})",
            holding(app, tenant, seq)
        ),
        Backend::Postgres => format!(
            "(SELECT e ->> 'hash' FROM audit_blocks, jsonb_array_elements(events::jsonb) e
              WHERE {} AND (e ->> 'seq')::bigint = {seq})",
            holding(app, tenant, seq)
        ),
    }
}
