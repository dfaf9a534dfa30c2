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
                Timestamp::now(),
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

/// The lookup by id tries a narrow window around the id's time first; an event whose time is
/// further from its id's (a clock stepped between the two) is still found by the wider one.
async fn an_event_whose_time_is_off_its_id_is_still_found_by_id(db: Db) {
    db.migrate().await.expect("migrate");
    let tenant = TenantId::new();
    let mut events: Vec<NewEvent> = (0..3)
        .map(|_| {
            NewEvent::new(
                tenant,
                "someone",
                Action::TokenIssued,
                &RequestMeta::default(),
                Timestamp::now(),
            )
        })
        .collect();
    events[1].occurred_at = Timestamp::from_micros(events[1].occurred_at.micros() + 500_000);
    // Each in a block of its own, so no other event's time brings the late one's block in.
    let mut heads = KnownHeads::default();
    for e in &events {
        db.append_batch(&mut heads, std::slice::from_ref(e))
            .await
            .expect("append");
    }
    for e in &events {
        let found = db.get_event(tenant, e.id).await.expect("get");
        assert_eq!(found.map(|f| f.event.occurred_at), Some(e.occurred_at));
    }
    let missing = db
        .get_event(tenant, uuid::Uuid::now_v7())
        .await
        .expect("get");
    assert!(missing.is_none(), "an id no event has is not found");
}

test_db::on_both_stores!(
    an_event_whose_time_is_off_its_id_is_still_found_by_id,
    sqlite_an_event_whose_time_is_off_its_id_is_still_found_by_id,
    postgres_an_event_whose_time_is_off_its_id_is_still_found_by_id
);
