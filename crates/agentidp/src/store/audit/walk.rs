//! How a listing walks the blocks: which blocks each round reads (the SQL), how many, and which
//! of their events it keeps.

use super::Order;
use super::blocks::Peek;
use crate::domain::audit::{Action, EventFilter, Outcome};
use crate::domain::time::Timestamp;

/// Blocks a walk reads in its first round (an unfiltered page of 50 events is one block), and
/// at most per round.
pub(super) const FIRST_ROUND: usize = 2;
pub(super) const MAX_ROUND: usize = 256;

/// Whether one event passes a listing's filters and position bound (the blocks were chosen by
/// one key and the time range; each event of them is checked against all of it).
pub(super) struct Matcher<'f> {
    filter: &'f EventFilter,
    agent: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    after: Option<(Order, i64)>,
}

impl<'f> Matcher<'f> {
    pub(super) fn new(
        filter: &'f EventFilter,
        from: Option<Timestamp>,
        after: Option<(Order, i64)>,
    ) -> Self {
        Self {
            filter,
            agent: filter.agent_id.map(super::blocks::agent_key),
            from: from.map(Timestamp::micros),
            to: filter.to.map(Timestamp::micros),
            after,
        }
    }

    pub(super) fn keeps(&self, e: &Peek<'_>) -> bool {
        let f = self.filter;
        self.after.is_none_or(|(order, a)| match order {
            Order::NewestFirst => e.seq < a,
            Order::OldestFirst => e.seq > a,
        }) && self
            .agent
            .as_deref()
            .is_none_or(|a| e.agent.as_deref() == Some(a))
            && f.actor.as_deref().is_none_or(|a| a == e.actor)
            && f.action.is_none_or(|a| a.as_str() == e.action)
            && f.outcome.is_none_or(|o| o.as_str() == e.outcome)
            && self.from.is_none_or(|t| e.at >= t)
            && self.to.is_none_or(|t| e.at <= t)
    }
}

/// Blocks the next round of a walk reads: as many as the matches per block so far say the
/// rest of the page needs (fetching a block costs more than checking its events), or four
/// times more while nothing has matched.
pub(super) fn next_round(round: usize, read: usize, matched: usize, limit: usize) -> usize {
    let wanted = match matched {
        0 => round * 4,
        m => (limit.saturating_sub(m) * read).div_ceil(m) + 1,
    };
    wanted.clamp(FIRST_ROUND, MAX_ROUND)
}

/// A bound SQL parameter of a walk.
pub(super) enum P {
    Text(String),
    Time(Timestamp),
    Int(i64),
}

/// `SELECT` of up to `round` blocks of a walk: the blocks are chosen by a driver (the first
/// key filter's key rows, else the blocks themselves) under the time range and the position
/// bound, the other key filters as `EXISTS` probes, then fetched whole.
pub(super) fn walk_sql(
    filter: &EventFilter,
    from: Option<Timestamp>,
    bound: Option<i64>,
    order: Order,
    round: usize,
) -> (String, Vec<P>) {
    // The keys of `blocks::key_set`: the most selective first, since it drives the walk.
    let mut keys: Vec<(&str, String)> = Vec::new();
    match (filter.agent_id, filter.action) {
        (Some(agent), Some(action)) if action != Action::TokenIssued => keys.push((
            "agent_action",
            super::blocks::agent_action_key(agent, action),
        )),
        (agent, action) => {
            if let Some(a) = agent {
                keys.push(("agent", super::blocks::agent_key(a)));
            }
            if let Some(a) = action {
                keys.push(("action", a.as_str().to_owned()));
            }
        }
    }
    if let Some(a) = &filter.actor {
        keys.push(super::blocks::actor_key(a));
    }
    if filter.outcome == Some(Outcome::Failure) {
        keys.push(("failure", String::new()));
    }
    let mut params = Vec::new();
    let mut arg = |p: P| {
        params.push(p);
        format!("${}", params.len() + 1)
    };
    let mut keys = keys.into_iter();
    let (mut sql, s) = match keys.next() {
        Some((kind, value)) => (
            format!(
                // CROSS JOIN keeps SQLite's planner on the key rows as the outer loop; it
                // would rather range over the time index and sort, which is far slower for
                // a selective key over a wide window.
                "SELECT d.first_seq FROM audit_block_keys d CROSS JOIN audit_blocks t
                WHERE t.tenant_id = d.tenant_id AND t.first_seq = d.first_seq
                AND d.tenant_id = $1 AND d.kind = '{kind}' AND d.value = {}",
                arg(P::Text(value))
            ),
            "d",
        ),
        None => (
            "SELECT t.first_seq FROM audit_blocks t WHERE t.tenant_id = $1".to_owned(),
            "t",
        ),
    };
    for (kind, value) in keys {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM audit_block_keys e WHERE e.tenant_id = $1
            AND e.kind = '{kind}' AND e.value = {} AND e.first_seq = {s}.first_seq)",
            arg(P::Text(value))
        ));
    }
    if let Some(from) = from {
        sql.push_str(&format!(" AND t.last_at >= {}", arg(P::Time(from))));
    }
    if let Some(f) = filter.from {
        // A block holding an event at or after `f` starts no earlier than a span before it.
        let lo = f.plus_seconds(-super::blocks::BLOCK_SPAN_SECS);
        sql.push_str(&format!(" AND t.first_at >= {}", arg(P::Time(lo))));
    }
    if let Some(t) = filter.to {
        sql.push_str(&format!(" AND t.first_at <= {}", arg(P::Time(t))));
    }
    let dir = match (order, bound) {
        (Order::NewestFirst, Some(x)) => {
            sql.push_str(&format!(" AND {s}.first_seq < {}", arg(P::Int(x))));
            "DESC"
        }
        (Order::OldestFirst, Some(x)) => {
            let seek = x.saturating_sub(super::blocks::BLOCK_EVENTS);
            sql.push_str(&format!(
                " AND {s}.first_seq > {} AND t.last_seq > {}",
                arg(P::Int(seek)),
                arg(P::Int(x))
            ));
            "ASC"
        }
        (Order::NewestFirst, None) => "DESC",
        (Order::OldestFirst, None) => "ASC",
    };
    (
        format!(
            "SELECT b.first_seq, b.last_seq, b.events FROM audit_blocks b WHERE b.tenant_id = $1
            AND b.first_seq IN ({sql} ORDER BY {s}.first_seq {dir} LIMIT {round})
            ORDER BY b.first_seq {dir}"
        ),
        params,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_reads_what_the_matches_so_far_say_the_page_still_needs() {
        assert_eq!(
            next_round(2, 2, 2, 50),
            49,
            "one match per block: 48 more blocks, and one"
        );
        assert_eq!(next_round(2, 2, 0, 50), 8, "no match yet: four times more");
        assert_eq!(
            next_round(8, 10, 1, 50),
            MAX_ROUND,
            "never more than the cap"
        );
        assert_eq!(
            next_round(2, 1, 64, 50),
            FIRST_ROUND,
            "never fewer than the first round"
        );
    }
}
