//! Chain heads saved outside the database: a chain whose newest events were removed and its
//! head moved back verifies on its own but not against a head saved before, nor does one
//! whose saved head was purged early; verification of a growing chain covers it up to the
//! head read first, and an event stored past the head is caught; and the server's periodic
//! verification remembers its heads, across restarts with a heads file, and reports broken
//! chains in `/metrics`.

use agentidp::domain::audit::chain_key::VerifyPolicy;
use agentidp::domain::audit::heads::{AgainstSaved, ChainHead, removable_before};
use agentidp::domain::ids::TenantId;
use agentidp::domain::time::Timestamp;
use agentidp::service::audit::heads::verify_against;
use agentidp::service::audit::verify::{verify_chain, verify_to_head};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, backend_tests};
use crate::tamper;

/// The chain's head, verified.
async fn verified_head(app: &TestApp, tenant: TenantId) -> ChainHead {
    let verified = verify_to_head(&app.state.idp.db, tenant, VerifyPolicy::default())
        .await
        .unwrap()
        .unwrap();
    verified.head.expect("the chain has events")
}

/// [`agentidp::service::audit::heads::check_saved_head`] under the default 90-day retention.
async fn check_saved_head(
    db: &agentidp::store::Db,
    saved: &ChainHead,
) -> Result<
    Result<AgainstSaved, agentidp::domain::audit::BrokenLink>,
    agentidp::service::ServiceError,
> {
    agentidp::service::audit::heads::check_saved_head(
        db,
        saved,
        removable_before(90, Timestamp::now()),
    )
    .await
}

/// Removes the chain's events after `to` and moves its head back to it, past the triggers,
/// as someone with full write access to the database could.
async fn cut_back(app: &TestApp, to: &ChainHead) {
    tamper::remove_events(app, to.tenant_id, to.seq, i64::MAX).await;
    app.raw_sql(&format!(
        "{} UPDATE audit_heads SET seq = {seq}, hash = '{hash}' WHERE tenant_id = {tenant};",
        tamper::bypass(app),
        tenant = tamper::tenant_sql(app, to.tenant_id),
        seq = to.seq,
        hash = to.hash
    ))
    .await
    .unwrap();
}

/// The value of an unlabelled gauge in `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> f64 {
    let r = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let line = r
        .text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")));
    line.unwrap_or_else(|| panic!("no {name} in\n{}", r.text))
        .parse()
        .unwrap()
}

backend_tests! {
    async fn a_chain_cut_short_verifies_alone_but_not_against_a_head_saved_before(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let earlier = verified_head(&app, tenant).await;
        app.create_agent(&admin, json!({})).await;
        app.create_agent(&admin, json!({})).await;
        let saved = verified_head(&app, tenant).await;
        assert!(saved.seq > earlier.seq);
        let db = &app.state.idp.db;
        assert_eq!(check_saved_head(db, &saved).await.unwrap(), Ok(AgainstSaved::Holds));

        cut_back(&app, &earlier).await;
        assert!(verify_chain(db, tenant).await.unwrap().is_ok(), "the chain alone cannot show it");
        let broken = check_saved_head(db, &saved).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, earlier.seq + 1);
        assert!(broken.reason.contains("events removed"), "{}", broken.reason);
        assert_eq!(check_saved_head(db, &earlier).await.unwrap(), Ok(AgainstSaved::Holds));
    }

    async fn a_saved_head_that_no_longer_matches_its_event_is_a_rewrite(app) {
        app.admin_token().await;
        let tenant = app.tenant_id().await;
        let mut saved = verified_head(&app, tenant).await;
        saved.hash = saved.hash.replace(|c: char| c.is_ascii_hexdigit(), "0");
        let broken = check_saved_head(&app.state.idp.db, &saved).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, saved.seq);
        assert!(broken.reason.contains("rewritten"), "{}", broken.reason);
    }

    async fn a_saved_head_of_a_chain_that_is_gone_is_reported(app) {
        let gone = ChainHead { tenant_id: TenantId::new(), seq: 3, hash: "h".into(), occurred_at: Timestamp::now() };
        let broken = check_saved_head(&app.state.idp.db, &gone).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("chain removed"), "{}", broken.reason);
    }

    async fn saved_heads_the_purge_removed_are_checked_at_the_checkpoint_or_skipped(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let older = verified_head(&app, tenant).await;
        app.create_agent(&admin, json!({})).await;
        let newest = verified_head(&app, tenant).await;
        let db = &app.state.idp.db;
        let now = Timestamp::now();
        assert!(db.purge_events(tenant, now.plus_seconds(1), now).await.unwrap() > 0);
        // As if retention had ended for everything: the checkpoint is the newest head, so its
        // hash is compared; the older one is gone.
        let check = |saved: ChainHead| async move {
            agentidp::service::audit::heads::check_saved_head(db, &saved, now.plus_seconds(1)).await.unwrap()
        };
        assert_eq!(check(newest.clone()).await, Ok(AgainstSaved::Holds));
        assert_eq!(check(older.clone()).await, Ok(AgainstSaved::Purged));
        let verified = verify_to_head(db, tenant, VerifyPolicy::default()).await.unwrap().unwrap();
        assert_eq!((verified.events, verified.head), (0, None), "nothing left to anchor");
        let mut forged = newest.clone();
        forged.hash = "0".repeat(64);
        let broken = check(forged).await.unwrap_err();
        assert!(broken.reason.contains("rewritten"), "{}", broken.reason);

        // Under the real 90 days, events this young cannot have been purged: a checkpoint
        // written past them is what removing them early looks like.
        for saved in [&older, &newest] {
            let broken = check_saved_head(db, saved).await.unwrap().unwrap_err();
            assert!(broken.reason.contains("before its retention ended"), "{}", broken.reason);
        }

        // With no event left, the chain stays anchored at the saved head (as if retention were
        // 0 days), so removing its head and checkpoint afterwards is caught.
        let policy = VerifyPolicy::default();
        let checked = verify_against(db, tenant, policy, Some(&newest), 0).await.unwrap().unwrap();
        assert_eq!(checked.anchor.as_ref(), Some(&newest));
        let (bypass, tenant_sql) = (tamper::bypass(&app), tamper::tenant_sql(&app, tenant));
        let no_delete = match app.backend {
            Backend::Sqlite => "DROP TRIGGER IF EXISTS audit_heads_no_delete; DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
            Backend::Postgres => "ALTER TABLE audit_heads DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;",
        };
        app.raw_sql(&format!(
            "{bypass} {no_delete} DELETE FROM audit_heads WHERE tenant_id = {tenant_sql};
             DELETE FROM audit_checkpoints WHERE tenant_id = {tenant_sql};"
        ))
        .await
        .unwrap();
        assert!(verify_chain(db, tenant).await.unwrap().is_ok(), "an empty chain verifies alone");
        let anchor = checked.anchor.unwrap();
        let broken = verify_against(db, tenant, policy, Some(&anchor), 0).await.unwrap().unwrap_err();
        assert!(broken.reason.contains("chain removed"), "{}", broken.reason);
    }

    async fn an_event_stored_past_the_head_is_caught_and_verification_ends(app) {
        app.admin_token().await;
        let tenant = app.tenant_id().await;
        let head = verified_head(&app, tenant).await;
        let db = &app.state.idp.db;
        tamper::insert_copy(&app, tenant, head.seq, head.seq + 1_000_000, None).await;
        let broken = verify_chain(db, tenant).await.unwrap().unwrap_err();
        assert_eq!(broken.seq, head.seq + 1_000_000);
        assert!(broken.reason.contains("past the chain's head"), "{}", broken.reason);

        // With the tail removed under the purge's guard and the head left where it was, the
        // only event after the gap is past the head: reported as the gap, not a hang.
        tamper::remove_events(&app, tenant, 1, head.seq).await;
        let verified = tokio::time::timeout(std::time::Duration::from_secs(30), verify_chain(db, tenant))
            .await
            .expect("verification ends");
        let broken = verified.unwrap().unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("missing"), "{}", broken.reason);
    }

    async fn a_chain_verified_while_it_grows_is_intact_up_to_the_head_read_first(app) {
        let admin = app.admin_token().await;
        let (id, secret) = app.agent_with_secret(&admin, json!({})).await;
        let tenant = app.tenant_id().await;
        let db = &app.state.idp.db;
        let tokens = futures_util::future::join_all((0..200).map(|_| app.token_response(&id, &secret, &[])));
        let verifying = async {
            let mut runs = Vec::new();
            for _ in 0..20 {
                runs.push(verify_to_head(db, tenant, VerifyPolicy::default()).await.unwrap());
                tokio::task::yield_now().await;
            }
            runs
        };
        let (tokens, runs) = tokio::join!(tokens, verifying);
        assert!(tokens.iter().all(|r| r.status == StatusCode::OK));
        for run in runs {
            let verified = run.unwrap_or_else(|broken| panic!("reported broken while growing: {broken:?}"));
            let head = verified.head.expect("a head");
            assert_eq!(u64::try_from(head.seq).unwrap(), verified.events, "every event up to the head");
        }
    }

    async fn the_periodic_verification_reports_a_chain_cut_short_since_its_last_run(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let earlier = verified_head(&app, tenant).await;
        app.create_agent(&admin, json!({})).await;
        let (watch, db) = (&app.state.idp.chain_watch, &app.state.idp.db);
        assert_eq!(gauge(&app, "agentidp_audit_chains_verified_timestamp_seconds").await, 0.0);
        assert!(watch.run(db, 90).await.unwrap().is_empty());
        assert_eq!(gauge(&app, "agentidp_audit_chains_broken").await, 0.0);
        assert!(gauge(&app, "agentidp_audit_chains_verified_timestamp_seconds").await > 0.0);

        cut_back(&app, &earlier).await;
        for run in 0..2 {
            let broken = watch.run(db, 90).await.unwrap();
            assert_eq!(broken.len(), 1, "run {run}: {broken:?}");
            assert_eq!(broken[0].tenant_id, tenant);
            assert!(broken[0].reason.contains("events removed"), "{}", broken[0].reason);
            assert_eq!(gauge(&app, "agentidp_audit_chains_broken").await, 1.0, "it stays reported");
        }
    }

    async fn with_a_heads_file_the_periodic_verification_catches_a_chain_cut_short_while_down(app) {
        let admin = app.admin_token().await;
        let tenant = app.tenant_id().await;
        let earlier = verified_head(&app, tenant).await;
        app.create_agent(&admin, json!({})).await;
        let dir = std::env::temp_dir().join(format!("agentidp-watch-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("heads");
        let args = ["--audit-verify-heads-file", file.to_str().unwrap()];
        let run = |node: &TestApp| {
            let (watch, db) = (node.state.idp.chain_watch.clone(), node.state.idp.db.clone());
            async move { watch.run(&db, 90).await.unwrap() }
        };

        let node = app.another_node(&args).await;
        assert!(run(&node).await.is_empty());
        let good = verified_head(&app, tenant).await;
        let saved = std::fs::read_to_string(&file).unwrap();
        assert!(saved.lines().any(|l| l == good.to_string()), "{saved}");
        drop(node);

        cut_back(&app, &earlier).await;
        assert!(run(&app.another_node(&[]).await).await.is_empty(), "a node without the file forgets");
        let restarted = app.another_node(&args).await;
        for round in 0..2 {
            let broken = run(&restarted).await;
            assert_eq!(broken.len(), 1, "round {round}: {broken:?}");
            assert!(broken[0].reason.contains("events removed"), "{}", broken[0].reason);
            let kept = std::fs::read_to_string(&file).unwrap();
            assert!(kept.lines().any(|l| l == good.to_string()), "the good head stays: {kept}");
        }

        std::fs::write(&file, "not a heads file\n").unwrap();
        let refused = app.try_another_node(&args).await.err().expect("a bad heads file stops start-up");
        assert!(refused.to_string().contains("heads"), "{refused}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn an_unreadable_chain_is_reported_broken_and_the_others_still_verified(app) {
        app.admin_token().await;
        let tenant = app.tenant_id().await;
        tamper::set_field(&app, tenant, 1, "action", r#""no.such.action""#).await;
        let broken = app.state.idp.chain_watch.run(&app.state.idp.db, 90).await.unwrap();
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!(broken[0].tenant_id, tenant);
        assert!(broken[0].reason.contains("could not be read"), "{}", broken[0].reason);
        assert_eq!(gauge(&app, "agentidp_audit_chains_broken").await, 1.0);
    }
}
