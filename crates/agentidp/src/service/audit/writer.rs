//! The group-commit writer of audit events.
//!
//! Events that accompany a state change are written in that change's transaction by the
//! store. Events without one (token issuance, failures) go through [`AuditWriter`]: callers
//! queue their event and wait until the batch holding it has committed, so a response is
//! only sent once its event is durable, while one transaction carries many events.

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::RuntimeMetrics;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::domain::audit::NewEvent;
use crate::service::{ServiceError, ServiceResult};
use crate::store::{Db, KnownHeads, StoreError};

/// Most events committed in one transaction: as many as the store takes in one round trip.
const MAX_BATCH: usize = crate::store::BATCH_MAX;

/// A yield that comes back sooner than this ran nothing else: the worker had no other
/// ready task (a yield on its own costs a few microseconds, one poll of the I/O driver).
const NOTHING_ELSE_RAN: Duration = Duration::from_micros(10);

type Ack = oneshot::Sender<Result<(), Arc<StoreError>>>;

/// Whether one of the runtime's workers is parked: it found no ready task to run.
fn has_idle_worker(runtime: &RuntimeMetrics) -> bool {
    (0..runtime.num_workers()).any(|worker| runtime.worker_park_unpark_count(worker) % 2 == 1)
}

/// Queues events for group commit and waits for their durability.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<(NewEvent, Ack)>,
}

impl AuditWriter {
    /// Starts the writer task on the current runtime; it stops when every handle is dropped,
    /// after committing what was queued.
    ///
    /// A batch commits as soon as its first event arrives if the previous one started at
    /// least `interval` ago. Otherwise it collects what arrives until then, but only while
    /// the runtime is busy: requests still computing are the ones whose events would join
    /// the batch. Once a worker has nothing to do, waiting longer would only add latency and
    /// the commit's cost falls on an idle core, so the batch commits at once. Under load
    /// every commit thus carries more events and its fixed cost (the write lock, the log
    /// writes, the fsync, the readers' invalidated page caches) is paid less often; at low
    /// concurrency no request waits for company that is not coming. Like PostgreSQL's
    /// `commit_delay` with `commit_siblings`, it trades a little latency for throughput.
    pub fn spawn(db: Db, interval: Duration) -> Self {
        let (queue, mut rx) = mpsc::channel::<(NewEvent, Ack)>(MAX_BATCH * 8);
        let runtime = tokio::runtime::Handle::current().metrics();
        tokio::spawn(async move {
            let mut events = Vec::with_capacity(MAX_BATCH);
            let mut acks = Vec::with_capacity(MAX_BATCH);
            let mut heads = KnownHeads::default();
            let mut previous_start = Instant::now();
            while let Some((event, ack)) = rx.recv().await {
                events.push(event);
                acks.push(ack);
                let start_at = previous_start + interval;
                loop {
                    while events.len() < MAX_BATCH {
                        let Ok((event, ack)) = rx.try_recv() else {
                            break;
                        };
                        events.push(event);
                        acks.push(ack);
                    }
                    if events.len() >= MAX_BATCH
                        || Instant::now() >= start_at
                        || has_idle_worker(&runtime)
                    {
                        break;
                    }
                    // Let the runnable requests run; if none did, this worker is idle too.
                    let yielded = std::time::Instant::now();
                    tokio::task::yield_now().await;
                    if yielded.elapsed() < NOTHING_ELSE_RAN {
                        break;
                    }
                }
                previous_start = Instant::now();
                commit(&db, &mut heads, &mut events, &mut acks).await;
            }
        });
        Self { queue }
    }

    /// Appends `event` and returns once it is committed.
    pub async fn record(&self, event: NewEvent) -> ServiceResult<()> {
        let (ack, done) = oneshot::channel();
        let lost = || ServiceError::Audit("the audit writer has stopped".into());
        self.queue.send((event, ack)).await.map_err(|_| lost())?;
        done.await.map_err(|_| lost())?.map_err(|e| {
            if e.is_unavailable() {
                ServiceError::Unavailable
            } else {
                ServiceError::Audit(crate::error_chain(&*e))
            }
        })
    }
}

/// Appends a batch and acknowledges each of its events. Should the database refuse the batch
/// for anything but unavailability, each event is appended again on its own, so that an event
/// it cannot store fails only its own request, not every request that shared its commit.
async fn commit(db: &Db, heads: &mut KnownHeads, events: &mut Vec<NewEvent>, acks: &mut Vec<Ack>) {
    let failed = |e: StoreError, events: usize| {
        let chain = crate::error_chain(&e);
        tracing::error!(error = %chain, events, "audit batch failed");
        Arc::new(e)
    };
    match db.append_batch(heads, events).await {
        Err(e) if events.len() > 1 && !e.is_unavailable() => {
            failed(e, events.len());
            tracing::warn!("appending the refused batch's events one by one");
            for (event, ack) in events.drain(..).zip(acks.drain(..)) {
                let result = db
                    .append_batch(heads, std::slice::from_ref(&event))
                    .await
                    .map_err(|e| failed(e, 1));
                let _ = ack.send(result);
            }
        }
        result => {
            let result = result.map_err(|e| failed(e, events.len()));
            events.clear();
            for ack in acks.drain(..) {
                let _ = ack.send(result.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Action, RequestMeta};
    use crate::domain::ids::TenantId;
    use crate::domain::time::Timestamp;
    use crate::service::audit::verify::verify_chain;
    use crate::store::test_db;

    /// A commit interval no test outlives: a batch that waited it out fails the test.
    const FOREVER: Duration = Duration::from_secs(3600);

    /// With nothing else running there is no company to wait for: the event commits at once
    /// instead of at the end of the interval.
    async fn a_lone_event_commits_without_waiting_out_the_interval() {
        let (db, _dir) = test_db::sqlite().await;
        db.migrate().await.expect("migrate");
        let writer = AuditWriter::spawn(db.dedicated(), FOREVER);
        let tenant = TenantId::new();
        let event = NewEvent::new(
            tenant,
            "actor",
            Action::TokenIssued,
            &RequestMeta::default(),
            Timestamp::now(),
        );
        tokio::time::timeout(Duration::from_secs(30), writer.record(event))
            .await
            .expect("the event waited for company on an idle runtime")
            .expect("recorded");
        let verified = verify_chain(&db, tenant).await.expect("verify");
        assert!(matches!(verified, Ok(1)), "{verified:?}");
    }

    #[tokio::test]
    async fn on_one_thread_an_idle_writer_commits_a_lone_event_at_once() {
        a_lone_event_commits_without_waiting_out_the_interval().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_idle_worker_threads_a_lone_event_commits_at_once() {
        a_lone_event_commits_without_waiting_out_the_interval().await;
    }
}
