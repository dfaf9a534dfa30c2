//! The typed client and the token provider against a real server.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod support {
    pub mod server;
}

use std::time::{Duration, Instant};

use sentryagent_sdk::models::{
    AgentFilter, AgentStatus, AgentUpdate, DeploymentEnv, EventFilter, NewAgent, Outcome,
    RotateOptions, TokenRequest,
};
use sentryagent_sdk::{Client, Error, ExposeSecret, PrivateKey, RetryPolicy, TokenProvider};
use support::server::TestServer;

fn admin(server: &TestServer) -> Client {
    Client::builder(&server.url)
        .client_credentials(&server.admin_id, server.admin_secret.clone())
        .build()
        .unwrap()
}

fn new_agent(name: &str) -> NewAgent {
    NewAgent {
        allowed_scopes: vec!["weather:read".into()],
        capabilities: vec!["weather:forecast".into()],
        description: "test agent".into(),
        ..NewAgent::new(
            format!("{name}@example.com"),
            name,
            "retrieval",
            "1.0.0",
            "weather-team",
            DeploymentEnv::Production,
        )
    }
}

#[tokio::test]
async fn every_agent_and_credential_endpoint_round_trips_through_the_typed_client() {
    let server = TestServer::start(&[]).await;
    let client = admin(&server);

    let agent = client
        .create_agent(&new_agent("weather-bot"))
        .await
        .unwrap();
    assert_eq!(agent.name, "weather-bot");
    assert_eq!(agent.status, AgentStatus::Active);
    assert_eq!(
        client.get_agent(agent.agent_id).await.unwrap().email,
        "weather-bot@example.com"
    );

    let filter = AgentFilter {
        capability: Some("weather:forecast".into()),
        ..AgentFilter::default()
    };
    let listed = client.list_all_agents(&filter).await.unwrap();
    assert_eq!(listed.len(), 1, "only the new agent has that capability");

    let update = AgentUpdate {
        version: Some("1.1.0".into()),
        status: Some(AgentStatus::Suspended),
        ..AgentUpdate::default()
    };
    let updated = client.update_agent(agent.agent_id, &update).await.unwrap();
    assert_eq!(
        (updated.version.as_str(), updated.status),
        ("1.1.0", AgentStatus::Suspended)
    );
    client
        .update_agent(
            agent.agent_id,
            &AgentUpdate {
                status: Some(AgentStatus::Active),
                ..AgentUpdate::default()
            },
        )
        .await
        .unwrap();

    let credential = client
        .create_credential(agent.agent_id, None)
        .await
        .unwrap();
    assert!(
        credential
            .client_secret
            .expose_secret()
            .starts_with("sk_live_")
    );
    let token = client
        .issue_token(
            &agent.agent_id.to_string(),
            &credential.client_secret,
            &TokenRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(token.scope, "weather:read");

    let rotated = client
        .rotate_credential(
            agent.agent_id,
            credential.credential.credential_id,
            &RotateOptions::default(),
        )
        .await
        .unwrap();
    let old = client
        .issue_token(
            &agent.agent_id.to_string(),
            &credential.client_secret,
            &TokenRequest::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(old.code(), Some("invalid_client"));
    client
        .issue_token(
            &agent.agent_id.to_string(),
            &rotated.client_secret,
            &TokenRequest::default(),
        )
        .await
        .unwrap();

    let introspected = client
        .introspect_token(token.access_token.expose_secret())
        .await
        .unwrap();
    assert!(introspected.active);
    assert_eq!(
        introspected.sub.as_deref(),
        Some(agent.agent_id.to_string().as_str())
    );
    client
        .revoke_token(token.access_token.expose_secret())
        .await
        .unwrap();
    assert!(
        !client
            .introspect_token(token.access_token.expose_secret())
            .await
            .unwrap()
            .active
    );

    let credentials = client.list_credentials(agent.agent_id).await.unwrap();
    assert_eq!(credentials.len(), 1);
    client
        .revoke_credential(agent.agent_id, credentials[0].credential_id)
        .await
        .unwrap();
    assert_eq!(
        client.list_credentials(agent.agent_id).await.unwrap()[0].status,
        "revoked"
    );

    let usage = client.usage().await.unwrap();
    assert_eq!(usage.agents.used, 2);
    assert!(usage.tokens.used >= 3, "{usage:?}");

    client.decommission_agent(agent.agent_id).await.unwrap();
    let gone = client.get_agent(agent.agent_id).await.unwrap();
    assert_eq!(gone.status, AgentStatus::Decommissioned);
}

#[tokio::test]
async fn server_errors_arrive_as_typed_errors_with_the_servers_code_and_message() {
    let server = TestServer::start(&[]).await;
    let client = admin(&server);
    let missing = "01900000-0000-7000-8000-000000000000".parse().unwrap();
    let err = client.get_agent(missing).await.unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!((*status, code.as_str()), (404, "AGENT_NOT_FOUND"));
            assert!(!message.is_empty());
        }
        other => panic!("expected an API error, got {other:?}"),
    }

    client.create_agent(&new_agent("twin")).await.unwrap();
    let conflict = client.create_agent(&new_agent("twin")).await.unwrap_err();
    assert_eq!(conflict.status(), Some(409));

    let bad = Client::builder(&server.url)
        .client_credentials(&server.admin_id, "sk_live_wrong".to_owned())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = bad.list_agents(&AgentFilter::default()).await.unwrap_err();
    assert_eq!(refused.code(), Some("invalid_client"));

    let nobody = Client::builder("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(matches!(
        nobody.health().await.unwrap_err(),
        Error::Transport(_)
    ));
}

#[tokio::test]
async fn the_audit_log_pages_filters_and_exports_as_a_stream() {
    let server = TestServer::start(&[]).await;
    let client = admin(&server);
    for i in 0..3 {
        client
            .create_agent(&new_agent(&format!("audited-{i}")))
            .await
            .unwrap();
    }
    let filter = EventFilter {
        action: Some("agent.created".into()),
        outcome: Some(Outcome::Success),
        limit: Some(2),
        ..EventFilter::default()
    };
    let first = client.list_audit_events(&filter).await.unwrap();
    assert_eq!(first.data.len(), 2);
    let second = client
        .list_audit_events(&EventFilter {
            cursor: first.next_cursor.clone(),
            ..filter.clone()
        })
        .await
        .unwrap();
    assert!(
        second.data.iter().all(|e| e.seq < first.data[1].seq),
        "newest first"
    );
    let one = client
        .get_audit_event(first.data[0].event_id)
        .await
        .unwrap();
    assert_eq!(one.hash, first.data[0].hash);

    let mut export = client
        .export_audit_events(&EventFilter {
            action: Some("agent.created".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let mut exported = 0;
    while let Some(event) = export.next().await {
        assert_eq!(event.unwrap().action, "agent.created");
        exported += 1;
    }
    assert!(exported >= 3, "exported {exported}");

    let bad = client
        .list_audit_events(&EventFilter {
            action: Some("no.such.action".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(400));
}

#[tokio::test]
async fn the_provider_caches_one_token_and_fetches_it_once_under_concurrency() {
    let server = TestServer::start(&[]).await;
    let client = admin(&server);
    let provider = client.token_provider().unwrap().clone();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.token().await.unwrap().secret().to_owned() })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap());
    }
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "one shared token");
    for _ in 0..10 {
        client.list_agents(&AgentFilter::default()).await.unwrap();
    }
    assert_eq!(provider.fetch_count(), 1);
}

#[tokio::test]
async fn the_provider_refreshes_a_token_before_it_expires() {
    let server = TestServer::start(&["--token-ttl-seconds", "60"]).await;
    let provider = TokenProvider::new(
        &server.url,
        &server.admin_id,
        server.admin_secret.clone(),
        TokenRequest::default(),
    )
    .unwrap()
    .with_refresh_margin(Duration::from_millis(59_500));
    let first = provider.token().await.unwrap();
    assert!(first.expires_in() > Duration::from_secs(59));
    assert_eq!(
        provider.token().await.unwrap().secret(),
        first.secret(),
        "still fresh"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let second = provider.token().await.unwrap();
    assert_ne!(
        second.secret(),
        first.secret(),
        "refreshed inside the margin"
    );
    assert_eq!(provider.fetch_count(), 2);
}

#[tokio::test]
async fn a_safe_call_is_retried_with_backoff_while_the_server_is_still_starting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = Client::builder(format!("http://{port}"))
        .retry(RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let starter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = tokio::net::TcpListener::bind(port).await.unwrap();
        TestServer::start_on(listener, &[]).await
    });
    let started = Instant::now();
    let health = client.health().await.unwrap();
    assert_eq!(health.status, "ok");
    assert!(started.elapsed() >= Duration::from_millis(300));
    drop(starter.await.unwrap());
}

#[tokio::test]
async fn a_rate_limited_token_request_is_retried_after_the_servers_retry_after() {
    // A window of a few seconds: with 1 s, a slow run could let the impatient request below
    // land in the window after the retried one, where the sliding window admits it again.
    let server = TestServer::start(&[
        "--rate-limit-max-requests",
        "1",
        "--rate-limit-window-ms",
        "3000",
    ])
    .await;
    let provider = || {
        TokenProvider::new(
            &server.url,
            &server.admin_id,
            server.admin_secret.clone(),
            TokenRequest::default(),
        )
        .unwrap()
    };
    provider().token().await.unwrap();
    let started = Instant::now();
    let limited = provider();
    limited.token().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After ({:?})",
        started.elapsed()
    );

    let impatient = Client::builder(&server.url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = impatient
        .issue_token(
            &server.admin_id,
            &server.admin_secret.clone().into(),
            &TokenRequest::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(429));
    assert!(refused.retry_after().is_some());
}

#[tokio::test]
async fn an_agent_with_a_registered_key_gets_tokens_by_private_key_jwt_and_rotates_its_key() {
    let server = TestServer::start(&[]).await;
    let admin = admin(&server);
    let agent = admin.create_agent(&new_agent("keyed-bot")).await.unwrap();
    let key = PrivateKey::generate_ed25519().unwrap();
    let registered = admin
        .register_public_key(agent.agent_id, key.public_jwk(), None)
        .await
        .unwrap();
    assert_eq!(registered.kid.as_deref(), Some(key.kid()));

    // The key survives its PEM round trip, and the provider signs a new assertion per request.
    let key = PrivateKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
    let id = agent.agent_id.to_string();
    let provider =
        TokenProvider::private_key_jwt(&server.url, &id, key, TokenRequest::default()).unwrap();
    let first = provider.token().await.unwrap();
    assert_eq!(first.scope(), "weather:read");
    let second = provider.request_token().await.unwrap();
    assert_ne!(second.access_token.expose_secret(), first.secret());
    assert_eq!(provider.fetch_count(), 1);

    // A client built on the key reads through its own tokens (introspection included).
    let client = Client::builder(&server.url)
        .private_key_jwt(&id, PrivateKey::generate_ed25519().unwrap())
        .build()
        .unwrap();
    assert!(client.health().await.is_ok());
    let unregistered = client.introspect_token(first.secret()).await.unwrap_err();
    assert_eq!(unregistered.code(), Some("invalid_client"));

    let next = PrivateKey::generate_ed25519().unwrap();
    let options = RotateOptions {
        grace_period_seconds: 0,
        ..RotateOptions::default()
    };
    let rotated = admin
        .rotate_public_key(
            agent.agent_id,
            registered.credential_id,
            next.public_jwk(),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(rotated.kid.as_deref(), Some(next.kid()));
    let refused = provider.request_token().await.unwrap_err();
    assert_eq!(refused.code(), Some("invalid_client"));
    let provider =
        TokenProvider::private_key_jwt(&server.url, &id, next, TokenRequest::default()).unwrap();
    provider.token().await.unwrap();
    assert!(matches!(
        admin
            .rotate_credential(agent.agent_id, registered.credential_id, &options)
            .await,
        Err(Error::Api { status: 400, .. })
    ));
}
