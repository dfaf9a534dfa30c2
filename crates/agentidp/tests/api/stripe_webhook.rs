//! Stripe's webhook through the router: signed events move a tenant between plans once each,
//! in their `created` order; bad signatures change nothing. (Signatures made by Stripe's own
//! library are checked by `tests/billing`, against a real server.)

use aws_lc_rs::hmac;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, backend_tests};

const SECRET: &str = "whsec_test_secret";

fn now() -> i64 {
    agentidp::domain::time::Timestamp::now().unix_seconds()
}

/// The `Stripe-Signature` of `payload` at `t`, as Stripe documents it.
fn signature(payload: &str, t: i64, secret: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(tag))
}

async fn deliver(app: &TestApp, payload: &str, signature: Option<&str>) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/v1/billing/webhook")
        .header("content-type", "application/json");
    if let Some(s) = signature {
        request = request.header("stripe-signature", s);
    }
    app.send(request.body(Body::from(payload.to_owned())).unwrap())
        .await
}

async fn send_event(app: &TestApp, event: &Value) -> TestResponse {
    let payload = event.to_string();
    deliver(app, &payload, Some(&signature(&payload, now(), SECRET))).await
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": created, "data": {"object": object}})
}

fn subscription(tenant: &str, status: &str) -> Value {
    json!({"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": status,
           "metadata": {"tenant_id": tenant}})
}

async fn plan(app: &TestApp) -> (String, Value) {
    let token = app.admin_token().await;
    let usage = app
        .request(Method::GET, "/v1/billing/usage", Some(&token), None)
        .await;
    let usage = usage.expect(StatusCode::OK).clone();
    (
        usage["plan"].as_str().unwrap().to_owned(),
        usage["subscriptionStatus"].clone(),
    )
}

backend_tests! {
    async fn a_completed_checkout_makes_the_tenant_pro_and_a_deleted_subscription_free(app, "--billing-enabled", "true", "--stripe-webhook-secret", "whsec_test_secret") {
        let tenant = app.tenant_id().await.to_string();
        let t = now();
        let completed = event("evt_1", "checkout.session.completed", t - 30, json!({
            "id": "cs_1", "object": "checkout.session", "client_reference_id": tenant,
            "customer": "cus_1", "subscription": "sub_1", "payment_status": "paid"}));
        let r = send_event(&app, &completed).await;
        assert_eq!(r.expect(StatusCode::OK).clone(), json!({"received": true, "duplicate": false}));
        assert_eq!(plan(&app).await, ("pro".to_owned(), json!("active")));

        // A duplicate changes nothing; a late `updated` after `deleted` does not revive it.
        assert_eq!(send_event(&app, &completed).await.expect(StatusCode::OK)["duplicate"], true);
        let deleted = event("evt_3", "customer.subscription.deleted", t - 10, subscription(&tenant, "canceled"));
        send_event(&app, &deleted).await.expect(StatusCode::OK);
        assert_eq!(plan(&app).await.0, "free");
        let late = event("evt_2", "customer.subscription.updated", t - 20, subscription(&tenant, "active"));
        assert_eq!(send_event(&app, &late).await.expect(StatusCode::OK)["duplicate"], false);
        assert_eq!(plan(&app).await, ("free".to_owned(), json!("canceled")));

        let admin = app.admin_token().await;
        let changes = app.request(Method::GET, "/v1/audit/events?action=plan.changed", Some(&admin), None).await;
        let changes = changes.expect(StatusCode::OK)["data"].as_array().unwrap().clone();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0]["actor"], "stripe");
    }

    async fn a_failed_payment_keeps_pro_for_the_grace_period_then_gives_free(app, "--billing-enabled", "true", "--stripe-webhook-secret", "whsec_test_secret", "--billing-past-due-grace-days", "3") {
        let tenant = app.tenant_id().await.to_string();
        let t = now();
        send_event(&app, &event("evt_a", "customer.subscription.created", t - 60, subscription(&tenant, "active"))).await
            .expect(StatusCode::OK);
        send_event(&app, &event("evt_b", "invoice.payment_failed", t - 30, json!({
            "id": "in_1", "object": "invoice", "customer": "cus_1", "subscription": "sub_1"}))).await
            .expect(StatusCode::OK);
        assert_eq!(plan(&app).await, ("pro".to_owned(), json!("past_due")));
        app.state.idp.clock.advance(4 * 86_400);
        assert_eq!(plan(&app).await.0, "free");
        send_event(&app, &event("evt_c", "invoice.paid", t - 10, json!({
            "id": "in_1", "object": "invoice", "customer": "cus_1", "subscription": "sub_1"}))).await
            .expect(StatusCode::OK);
        assert_eq!(plan(&app).await, ("pro".to_owned(), json!("active")));
    }

    async fn tampered_expired_unsigned_and_wrongly_keyed_deliveries_are_refused_and_change_nothing(app, "--billing-enabled", "true", "--stripe-webhook-secret", "whsec_test_secret") {
        let tenant = app.tenant_id().await.to_string();
        let payload = event("evt_x", "customer.subscription.created", now(), subscription(&tenant, "active")).to_string();
        let tampered = payload.replace("active", "trialing");
        let refusals = [
            (tampered.clone(), Some(signature(&payload, now(), SECRET))),
            (payload.clone(), Some(signature(&payload, now() - 301, SECRET))),
            (payload.clone(), None),
            (payload.clone(), Some(signature(&payload, now(), "whsec_other"))),
            (payload.clone(), Some("t=1,v1=zz".to_owned())),
        ];
        for (body, sig) in refusals {
            deliver(&app, &body, sig.as_deref()).await
                .expect_error(StatusCode::BAD_REQUEST, "INVALID_SIGNATURE");
        }
        let unreadable = r#"{"id": 1}"#;
        deliver(&app, unreadable, Some(&signature(unreadable, now(), SECRET))).await
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_EVENT");
        assert_eq!(plan(&app).await, ("free".to_owned(), json!(null)));
    }

    async fn without_a_webhook_secret_the_endpoint_is_off(app) {
        let payload = "{}";
        deliver(&app, payload, Some(&signature(payload, now(), SECRET))).await
            .expect_error(StatusCode::CONFLICT, "BILLING_DISABLED");
        let token = app.admin_token().await;
        app.request(Method::POST, "/v1/billing/checkout", Some(&token), None).await
            .expect_error(StatusCode::CONFLICT, "BILLING_DISABLED");
    }
}
