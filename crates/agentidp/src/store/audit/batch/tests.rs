//! The group-commit batches' guards and sizes, on both stores.

use super::*;
use crate::domain::audit::{Action, GENESIS_HASH, RequestMeta};
use crate::service::audit::verify::verify_chain;
use crate::store::test_db;

fn batch(tenant: TenantId, n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| {
            let meta = RequestMeta::default();
            NewEvent::new(
                tenant,
                format!("actor-{i}"),
                Action::TokenIssued,
                &meta,
                Timestamp::now(),
            )
        })
        .collect()
}

fn on_head<'a>(
    tenant: TenantId,
    (seq, hash): &(i64, String),
    events: &'a [NewEvent],
) -> Vec<ChainPart<'a>> {
    let mine: Vec<&NewEvent> = events.iter().collect();
    vec![(tenant, link(&mine, *seq, hash.clone(), None))]
}

async fn through_a_transaction(db: &Db, events: &[NewEvent]) -> StoreResult<()> {
    in_tx!(db, tx => append_events!(db, tx, events));
    Ok(())
}

/// The guards: a batch chained on a head that has moved since, or whose head is gone, is
/// refused whole, and the writer's one connection is left usable.
async fn a_batch_on_a_moved_or_missing_head_is_refused_and_leaves_no_trace(db: Db) {
    db.migrate().await.expect("migrate");
    let db = db.dedicated();
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let mut heads = KnownHeads::default();
    let first = [batch(tenant, 3), batch(other, 1)].concat();
    db.append_batch(&mut heads, &first)
        .await
        .expect("first batch");
    let (mine, theirs) = (heads.0[&tenant].clone(), heads.0[&other].clone());
    assert_eq!((mine.0, theirs.0), (3, 1));

    let (next, next_other) = (batch(tenant, 2), batch(other, 2));
    let mut both = on_head(tenant, &mine, &next);
    both.extend(on_head(other, &theirs, &next_other));
    db.append_on_known_heads(&both)
        .await
        .expect("appended on the heads it knows");
    assert_eq!(verify_chain(&db, tenant).await.expect("verify"), Ok(5));
    assert_eq!(verify_chain(&db, other).await.expect("verify"), Ok(3));

    let late = batch(tenant, 2);
    let refused = db
        .append_on_known_heads(&on_head(tenant, &mine, &late))
        .await;
    assert!(refused.is_err(), "the head moved from 3 to 5");
    assert_eq!(verify_chain(&db, tenant).await.expect("verify"), Ok(5));

    let lost = TenantId::new();
    let orphan = batch(lost, 1);
    let missing = db
        .append_on_known_heads(&on_head(lost, &(0, GENESIS_HASH.to_owned()), &orphan))
        .await;
    assert!(missing.is_err(), "there is no head to move");
    assert_eq!(db.chain_page(lost, 0, 10).await.expect("page").len(), 0);

    db.append_batch(&mut heads, &late)
        .await
        .expect("appended after reading the head");
    assert_eq!(verify_chain(&db, tenant).await.expect("verify"), Ok(7));
    assert_eq!(heads.0[&tenant].0, 7);
}

/// A batch whose block count falls between the compiled row counts is padded, and the padding
/// never lands; a batch over the largest event count is appended the ordinary way.
async fn batches_of_any_size_land_exactly_their_events(db: Db) {
    db.migrate().await.expect("migrate");
    let db = db.dedicated();
    let tenant = TenantId::new();
    let mut heads = KnownHeads::default();
    db.append_batch(&mut heads, &batch(tenant, 1))
        .await
        .expect("first batch");
    let mut total = 1;
    // One block, five blocks (padded to the count of six), sixteen blocks.
    for n in [5, 320, 1000] {
        let events = batch(tenant, n);
        let parts = on_head(tenant, &heads.0[&tenant], &events);
        db.append_on_known_heads(&parts)
            .await
            .expect("appended on the heads it knows");
        let last = parts[0].1.last().expect("events");
        heads.remember([(tenant, last.seq, last.hash.clone())]);
        total += n;
        assert_eq!(
            verify_chain(&db, tenant).await.expect("verify"),
            Ok(total as u64)
        );
    }
    let oversized = batch(tenant, BATCH_MAX + 1);
    db.append_batch(&mut heads, &oversized)
        .await
        .expect("appended the ordinary way");
    total += BATCH_MAX + 1;
    assert_eq!(
        verify_chain(&db, tenant).await.expect("verify"),
        Ok(total as u64)
    );
    assert_eq!(heads.0[&tenant].0, total as i64);
}

/// Two writers (two nodes) and the transactional path appending to the same chains, at the
/// same time: every event lands once, on one unbroken chain per tenant.
async fn concurrent_writers_with_stale_memories_keep_every_chain_unbroken(db: Db) {
    db.migrate().await.expect("migrate");
    let (shared, own) = (TenantId::new(), TenantId::new());
    let writer = |db: Db, mixed: bool| async move {
        let mut heads = KnownHeads::default();
        for _ in 0..10 {
            let mut events = batch(shared, 3);
            if mixed {
                events.extend(batch(own, 1));
            }
            db.append_batch(&mut heads, &events).await.expect("batch");
        }
    };
    let transactions = async {
        for _ in 0..5 {
            through_a_transaction(&db, &batch(shared, 1))
                .await
                .expect("transaction");
        }
    };
    tokio::join!(
        writer(db.dedicated(), true),
        writer(db.dedicated(), false),
        transactions
    );
    assert_eq!(verify_chain(&db, shared).await.expect("verify"), Ok(65));
    assert_eq!(verify_chain(&db, own).await.expect("verify"), Ok(10));
}

test_db::on_both_stores!(
    a_batch_on_a_moved_or_missing_head_is_refused_and_leaves_no_trace,
    sqlite_refuses_a_batch_on_a_moved_or_missing_head,
    postgres_refuses_a_batch_on_a_moved_or_missing_head
);

test_db::on_both_stores!(
    batches_of_any_size_land_exactly_their_events,
    sqlite_batches_of_any_size_land_exactly_their_events,
    postgres_batches_of_any_size_land_exactly_their_events
);

test_db::on_both_stores!(
    concurrent_writers_with_stale_memories_keep_every_chain_unbroken,
    sqlite_chains_stay_unbroken_under_concurrent_writers,
    postgres_chains_stay_unbroken_under_concurrent_writers
);
