//! Audit events as stored: blocks of up to [`BLOCK_EVENTS`] consecutive events of one chain in
//! one row, and the key rows that find a block by agent, actor, action or failure. Writing a
//! few rows per group commit instead of one row in six B-trees per event is what keeps
//! auditing cheap next to token issuance (docs/design/audit-log-storage.md).

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::link::Linked;
use crate::domain::audit::{Action, NewEvent, Outcome, RequestMeta, StoredEvent};
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::time::Timestamp;
use crate::store::{StoreError, StoreResult, parse_stored};

/// Most events in one block. A block holding a position `s` thus starts after `s - 64`, which
/// bounds the seek of a walk that resumes at a position.
pub(crate) const BLOCK_EVENTS: i64 = 64;

/// Most time between the oldest and the newest event of a block. A block holding an event of
/// time `t` thus starts no earlier than `t - BLOCK_SPAN_SECS`, which bounds every time lookup.
pub(crate) const BLOCK_SPAN_SECS: i64 = 60;

/// Columns of a block row, in the order inserts bind them.
pub(crate) const BLOCK_COLUMNS: &str = "tenant_id, first_seq, last_seq, first_at, last_at, events";
/// Parameters per block row.
pub(crate) const BLOCK_PARAMS: usize = 6;
/// Columns of a key row, in the order inserts bind them.
pub(crate) const KEY_COLUMNS: &str = "tenant_id, kind, value, first_seq";
/// Parameters per key row.
pub(crate) const KEY_PARAMS: usize = 4;

/// One block about to be written.
#[derive(Debug)]
pub(crate) struct NewBlock {
    pub(crate) tenant: TenantId,
    pub(crate) first_seq: i64,
    pub(crate) last_seq: i64,
    pub(crate) first_at: Timestamp,
    pub(crate) last_at: Timestamp,
    /// The events as a JSON array, in chain order.
    pub(crate) events: String,
    /// (kind, value) of each key row.
    pub(crate) keys: Vec<(&'static str, String)>,
}

/// A block's key for one agent: its id in the 32-digit form.
pub(crate) fn agent_key(agent: AgentId) -> String {
    agent.uuid().simple().to_string()
}

/// A block's key for one agent's events of one action.
pub(crate) fn agent_action_key(agent: AgentId, action: Action) -> String {
    pair_key(&agent_key(agent), action.as_str())
}

fn pair_key(agent: &str, action: &str) -> String {
    format!("{agent}/{action}")
}

/// The fields a listing filters on, read from an event in a block without decoding the rest.
#[derive(Deserialize)]
pub(crate) struct Peek<'a> {
    pub(crate) seq: i64,
    pub(crate) at: i64,
    #[serde(borrow)]
    pub(crate) actor: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) action: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) outcome: Cow<'a, str>,
}

/// An event as one element of a block's JSON array; ids in the 32-digit form, the time in
/// microseconds since the epoch (exactly what the chain hashed).
#[derive(Serialize)]
struct EventOut<'a> {
    id: uuid::fmt::Simple,
    seq: i64,
    at: i64,
    actor: &'a str,
    agent: Option<uuid::fmt::Simple>,
    action: &'a str,
    outcome: &'a str,
    ip: Option<&'a str>,
    ua: Option<&'a str>,
    meta: &'a Map<String, Value>,
    prev: &'a str,
    hash: &'a str,
}

#[derive(Deserialize)]
struct EventIn {
    id: Uuid,
    seq: i64,
    at: i64,
    actor: String,
    agent: Option<Uuid>,
    action: String,
    outcome: String,
    ip: Option<String>,
    ua: Option<String>,
    meta: Map<String, Value>,
    prev: String,
    hash: String,
}

/// Cuts one chain's linked events (consecutive positions) into blocks of at most
/// [`BLOCK_EVENTS`] events spanning at most [`BLOCK_SPAN_SECS`].
pub(crate) fn blocks(tenant: TenantId, linked: &[Linked<'_>]) -> Vec<NewBlock> {
    let span = BLOCK_SPAN_SECS * 1_000_000;
    let mut out = Vec::new();
    let mut start = 0;
    while start < linked.len() {
        let first = linked[start].event.occurred_at.micros();
        let (mut lo, mut hi) = (first, first);
        let mut end = start + 1;
        while end < linked.len() && end - start < BLOCK_EVENTS as usize {
            let at = linked[end].event.occurred_at.micros();
            if at.max(hi) - at.min(lo) > span {
                break;
            }
            (lo, hi) = (lo.min(at), hi.max(at));
            end += 1;
        }
        out.push(block(tenant, &linked[start..end], lo, hi));
        start = end;
    }
    out
}

/// The (kind, value) key rows a block of `events` gets.
///
/// Each key row is one entry in an index ordered by key, so its cost is a page written at a
/// random place: events of many agents (a fleet, each asking for its own tokens) write one such
/// page per distinct key, which is why the rule keeps them few per event:
/// - `agent`: each agent the block is about, as subject **or as actor** (an actor that is an
///   agent id in its canonical form). A token request, whose actor is its subject, gets one
///   row, not two;
/// - `actor`: each other actor (`system`, `operator`, a presented client id…);
/// - `action`: each action; `failure` when one failed;
/// - `agent_action`: each agent with an action, the filter pair most asked for together,
///   except for [`Action::TokenIssued`]: an agent's events are mostly its tokens, so its
///   `agent` key already narrows that pair, and a fleet's tokens would double the rows.
pub(crate) fn key_set<'a>(
    events: impl IntoIterator<Item = &'a NewEvent>,
) -> BTreeSet<(&'static str, String)> {
    let mut keys = BTreeSet::new();
    for e in events {
        let agent = e.agent_id.map(agent_key);
        if let Some(agent) = &agent
            && e.action != Action::TokenIssued
        {
            keys.insert(("agent_action", pair_key(agent, e.action.as_str())));
        }
        if let Some(agent) = agent {
            keys.insert(("agent", agent));
        }
        keys.insert(actor_key(&e.actor));
        keys.insert(("action", e.action.as_str().to_owned()));
        if e.outcome == Outcome::Failure {
            keys.insert(("failure", String::new()));
        }
    }
    keys
}

/// The key row of an actor: `agent` with the 32-digit id when the actor is an agent id in its
/// canonical form (how callers are recorded), else `actor` with the text as recorded.
pub(crate) fn actor_key(actor: &str) -> (&'static str, String) {
    match Uuid::parse_str(actor) {
        Ok(id) if id.hyphenated().to_string() == actor => ("agent", id.simple().to_string()),
        _ => ("actor", actor.to_owned()),
    }
}

/// The key rows blocks written before the rule of [`key_set`] got (migration 7 added the
/// `agent` rows of their agent actors), which verification accepts for them as well: every
/// agent, every actor as recorded, every action, every agent with every action, failures.
pub(crate) fn legacy_key_set<'a>(
    events: impl IntoIterator<Item = &'a NewEvent>,
) -> BTreeSet<(&'static str, String)> {
    let events: Vec<&NewEvent> = events.into_iter().collect();
    let mut keys = key_set(events.iter().copied());
    for e in events {
        if let Some(agent) = e.agent_id.map(agent_key) {
            keys.insert(("agent_action", pair_key(&agent, e.action.as_str())));
        }
        keys.insert(("actor", e.actor.clone()));
    }
    keys
}

fn block(tenant: TenantId, linked: &[Linked<'_>], lo: i64, hi: i64) -> NewBlock {
    let keys = key_set(linked.iter().map(|l| l.event));
    let events: Vec<EventOut<'_>> = linked
        .iter()
        .map(|l| event_out(l.event, l.seq, &l.prev_hash, &l.hash))
        .collect();
    NewBlock {
        tenant,
        first_seq: linked.first().map_or(0, |l| l.seq),
        last_seq: linked.last().map_or(0, |l| l.seq),
        first_at: Timestamp::from_micros(lo),
        last_at: Timestamp::from_micros(hi),
        // Serialising plain strings, numbers and a JSON map cannot fail.
        events: serde_json::to_string(&events).unwrap_or_default(),
        keys: keys.into_iter().collect(),
    }
}

fn event_out<'a>(e: &'a NewEvent, seq: i64, prev: &'a str, hash: &'a str) -> EventOut<'a> {
    EventOut {
        id: e.id.simple(),
        seq,
        at: e.occurred_at.micros(),
        actor: &e.actor,
        agent: e.agent_id.map(|a| a.uuid().simple()),
        action: e.action.as_str(),
        outcome: e.outcome.as_str(),
        ip: e.meta.ip.as_deref(),
        ua: e.meta.user_agent.as_deref(),
        meta: &e.metadata,
        prev,
        hash,
    }
}

/// The events of a stored block of `tenant`'s chain starting at `first_seq`, in chain order.
pub(crate) fn decode(
    tenant: TenantId,
    first_seq: i64,
    events: &str,
) -> StoreResult<Vec<StoredEvent>> {
    let corrupt = || StoreError::Corrupt(format!("audit block {tenant}/{first_seq}"));
    let events: Vec<EventIn> = serde_json::from_str(events).map_err(|_| corrupt())?;
    events.into_iter().map(|e| stored(tenant, e)).collect()
}

/// The events of a stored block that `keep` accepts, in chain order. Only those are decoded in
/// full: a filter that matches one event in 64 skips most of the work.
pub(crate) fn decode_matching(
    tenant: TenantId,
    first_seq: i64,
    events: &str,
    mut keep: impl FnMut(&Peek<'_>) -> bool,
) -> StoreResult<Vec<StoredEvent>> {
    let corrupt = || StoreError::Corrupt(format!("audit block {tenant}/{first_seq}"));
    let mut out = Vec::new();
    for (event, peek) in split(tenant, first_seq, events)? {
        if keep(&peek) {
            let full: EventIn = serde_json::from_str(event.get()).map_err(|_| corrupt())?;
            out.push(stored(tenant, full)?);
        }
    }
    Ok(out)
}

/// A stored block's events, each as its JSON and its filtered fields.
fn split<'a>(
    tenant: TenantId,
    first_seq: i64,
    events: &'a str,
) -> StoreResult<Vec<(&'a RawValue, Peek<'a>)>> {
    let corrupt = || StoreError::Corrupt(format!("audit block {tenant}/{first_seq}"));
    let raw: Vec<&RawValue> = serde_json::from_str(events).map_err(|_| corrupt())?;
    raw.into_iter()
        .map(|event| {
            let peek = serde_json::from_str(event.get()).map_err(|_| corrupt())?;
            Ok((event, peek))
        })
        .collect()
}

fn stored(tenant: TenantId, e: EventIn) -> StoreResult<StoredEvent> {
    Ok(StoredEvent {
        event: NewEvent {
            id: e.id,
            tenant_id: tenant,
            actor: e.actor,
            agent_id: e.agent.map(AgentId::from_uuid),
            action: parse_stored("audit action", &e.action, Action::parse)?,
            outcome: parse_stored("audit outcome", &e.outcome, Outcome::parse)?,
            meta: RequestMeta {
                ip: e.ip,
                user_agent: e.ua,
            },
            metadata: e.meta,
            occurred_at: Timestamp::from_micros(e.at),
        },
        seq: e.seq,
        prev_hash: e.prev,
        hash: e.hash,
    })
}

/// `(…), (…)`: the placeholders of `rows` rows of `cols` columns, `$1` on when `numbered`,
/// otherwise anonymous `?` (SQLite looks numbered ones up by name, linearly, which makes binding
/// a many-row statement quadratic).
pub(crate) fn value_rows(rows: usize, cols: usize, numbered: bool) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        sql.push_str(if r > 0 { ", (" } else { "(" });
        for c in 1..=cols {
            if c > 1 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push_str(&format!("${}", r * cols + c));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// `INSERT` of `rows` block rows.
pub(crate) fn insert_blocks_sql(rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO audit_blocks ({BLOCK_COLUMNS}) VALUES {}",
        value_rows(rows, BLOCK_PARAMS, numbered)
    )
}

/// `INSERT` of `rows` key rows.
pub(crate) fn insert_keys_sql(rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO audit_block_keys ({KEY_COLUMNS}) VALUES {}",
        value_rows(rows, KEY_PARAMS, numbered)
    )
}

/// The key rows of `blocks`: (tenant, kind, value, first_seq).
pub(crate) fn key_rows(
    blocks: &[NewBlock],
) -> impl Iterator<Item = (Uuid, &'static str, &str, i64)> {
    blocks.iter().flat_map(|b| {
        b.keys
            .iter()
            .map(move |(kind, value)| (b.tenant.uuid(), *kind, value.as_str(), b.first_seq))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::link::link;

    fn events(n: usize, step_secs: i64) -> Vec<NewEvent> {
        let tenant = TenantId::new();
        let start = Timestamp::now();
        (0..n)
            .map(|i| {
                let mut e = NewEvent::new(
                    tenant,
                    "someone",
                    Action::TokenIssued,
                    &RequestMeta::default(),
                    Timestamp::now(),
                )
                .subject(AgentId::new());
                e.occurred_at = start.plus_seconds(step_secs * i64::try_from(i).unwrap_or(0));
                e
            })
            .collect()
    }

    #[test]
    fn a_burst_is_cut_into_blocks_of_at_most_64_consecutive_events() {
        let events = events(150, 0);
        let refs: Vec<&NewEvent> = events.iter().collect();
        let linked = link(&refs, 10, "genesis".into(), None);
        let blocks = blocks(events[0].tenant_id, &linked);
        let ranges: Vec<_> = blocks.iter().map(|b| (b.first_seq, b.last_seq)).collect();
        assert_eq!(ranges, [(11, 74), (75, 138), (139, 160)]);
    }

    #[test]
    fn a_block_never_spans_more_than_a_minute() {
        let events = events(5, 25);
        let refs: Vec<&NewEvent> = events.iter().collect();
        let linked = link(&refs, 0, "genesis".into(), None);
        let ranges: Vec<_> = blocks(events[0].tenant_id, &linked)
            .iter()
            .map(|b| (b.first_seq, b.last_seq))
            .collect();
        assert_eq!(ranges, [(1, 3), (4, 5)]);
    }

    #[test]
    fn a_block_decodes_to_the_events_it_was_made_of_with_their_hashes() {
        let events = events(3, 1);
        let refs: Vec<&NewEvent> = events.iter().collect();
        let linked = link(&refs, 0, "genesis".into(), None);
        let block = blocks(events[0].tenant_id, &linked).remove(0);
        assert_eq!(
            block.keys.len(),
            3 + 1 + 1,
            "three agents (no pairs for tokens), one actor, one action"
        );
        let back = decode(block.tenant, block.first_seq, &block.events).expect("decodes");
        assert_eq!(back.len(), 3);
        for (stored, l) in back.iter().zip(&linked) {
            assert_eq!(stored.event.id, l.event.id);
            assert_eq!(stored.event.occurred_at, l.event.occurred_at);
            assert_eq!(stored.seq, l.seq);
            assert_eq!(
                stored.hash,
                stored.event.chain_hash(stored.seq, &stored.prev_hash)
            );
        }
    }

    #[test]
    fn a_block_that_is_not_an_event_array_is_reported_corrupt() {
        let err = decode(TenantId::new(), 1, "{\"not\":\"events\"}").expect_err("corrupt");
        assert!(matches!(err, StoreError::Corrupt(_)));
    }

    #[test]
    fn an_agent_acting_is_found_by_its_agent_key_and_tokens_get_no_pair_key() {
        let (tenant, admin, bot) = (TenantId::new(), AgentId::new(), AgentId::new());
        let meta = RequestMeta::default();
        let own_token = NewEvent::new(
            tenant,
            bot.to_string(),
            Action::TokenIssued,
            &meta,
            Timestamp::now(),
        )
        .subject(bot);
        let keys: Vec<_> = key_set([&own_token]).into_iter().collect();
        assert_eq!(
            keys,
            [
                ("action", "token.issued".to_owned()),
                ("agent", agent_key(bot))
            ],
            "one row for the agent, subject and actor alike"
        );
        let update = NewEvent::new(
            tenant,
            admin.to_string(),
            Action::AgentUpdated,
            &meta,
            Timestamp::now(),
        )
        .subject(bot);
        let keys = key_set([&update]);
        assert!(keys.contains(&("agent", agent_key(admin))));
        assert!(keys.contains(&("agent_action", agent_action_key(bot, Action::AgentUpdated))));
        assert!(!keys.iter().any(|(kind, _)| *kind == "actor"));
        let by_operator = NewEvent::new(
            tenant,
            "operator",
            Action::AgentCreated,
            &meta,
            Timestamp::now(),
        );
        assert!(key_set([&by_operator]).contains(&("actor", "operator".to_owned())));
        let upper = admin.to_string().to_uppercase();
        assert_eq!(
            actor_key(&upper),
            ("actor", upper.clone()),
            "only the canonical form"
        );
        // Blocks written before keep their old keys as well, and verification accepts them.
        let legacy = legacy_key_set([&own_token]);
        assert!(legacy.contains(&("actor", bot.to_string())));
        assert!(legacy.contains(&("agent_action", agent_action_key(bot, Action::TokenIssued))));
        assert!(legacy.is_superset(&key_set([&own_token])));
    }
}
