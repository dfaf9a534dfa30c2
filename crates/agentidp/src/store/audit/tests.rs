//! Listing and reading events that share blocks, on both stores.

use super::*;
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::ids::AgentId;
use crate::store::{KnownHeads, test_db};

/// Every page of a listing, following its cursor, in the given order.
async fn all_pages(db: &Db, tenant: TenantId, filter: &EventFilter, order: Order) -> Vec<i64> {
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = db
            .list_events(tenant, filter, Timestamp::from_micros(0), after, order, 50)
            .await
            .expect("list");
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        seen.extend(page.iter().map(|e| e.seq));
    }
    seen
}

/// 150 events in one group commit are three blocks; a cursor inside a block resumes inside
/// it, in both orders, with and without a filter, and each event is found by its id.
async fn pages_resume_inside_a_block_in_both_orders(db: Db) {
    db.migrate().await.expect("migrate");
    let (tenant, agents) = (TenantId::new(), [AgentId::new(), AgentId::new()]);
    let events: Vec<NewEvent> = (0..150)
        .map(|i| {
            NewEvent::new(
                tenant,
                "someone",
                Action::TokenIssued,
                &RequestMeta::default(),
            )
            .subject(agents[i % 2])
        })
        .collect();
    db.append_batch(&mut KnownHeads::default(), &events)
        .await
        .expect("append");
    let all = EventFilter::default();
    let newest = all_pages(&db, tenant, &all, Order::NewestFirst).await;
    assert_eq!(newest, (1..=150).rev().collect::<Vec<_>>());
    let oldest = all_pages(&db, tenant, &all, Order::OldestFirst).await;
    assert_eq!(oldest, (1..=150).collect::<Vec<_>>());
    let second = EventFilter {
        agent_id: Some(agents[1]),
        ..EventFilter::default()
    };
    let odd = all_pages(&db, tenant, &second, Order::NewestFirst).await;
    assert_eq!(
        odd,
        (1..=150).rev().filter(|s| s % 2 == 0).collect::<Vec<_>>()
    );
    for e in [&events[0], &events[77], &events[149]] {
        let found = db.get_event(tenant, e.id).await.expect("get");
        assert_eq!(found.map(|f| f.event.id), Some(e.id));
    }
    let elsewhere = db
        .get_event(TenantId::new(), events[77].id)
        .await
        .expect("get");
    assert!(elsewhere.is_none(), "another tenant's event is not found");
}

test_db::on_both_stores!(
    pages_resume_inside_a_block_in_both_orders,
    sqlite_pages_resume_inside_a_block_in_both_orders,
    postgres_pages_resume_inside_a_block_in_both_orders
);
