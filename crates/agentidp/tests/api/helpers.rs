//! Test harness: a fresh database per test (a SQLite file, or a new PostgreSQL database when
//! `AGENTIDP_TEST_POSTGRES_URL` is set), requests through the router with `oneshot`.

use std::path::PathBuf;
use std::sync::Arc;

use agentidp::app::App;
use agentidp::config::Config;
use agentidp::domain::tenant::TenantAdmin;
use agentidp::{AppState, http};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The issuer every test server uses.
pub const ISSUER: &str = "http://agentidp.test";

#[derive(Parser)]
#[command(args_override_self = true)]
struct TestCli {
    #[command(flatten)]
    config: Config,
}

/// The configuration of a test server on `url`: the test issuer, ES256, a small pool, then
/// `args` (later flags override earlier ones).
pub fn test_config(url: &str, args: &[&str]) -> Config {
    let mut argv = vec![
        "agentidp",
        "--database-url",
        url,
        "--public-url",
        ISSUER,
        "--jwt-algorithm",
        "ES256",
        "--db-pool-min",
        "0",
        "--db-pool-max",
        "5",
    ];
    argv.extend_from_slice(args);
    TestCli::try_parse_from(argv).expect("test config").config
}

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A response, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status and returns the body, printing the body on mismatch.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        &self.body
    }

    /// Asserts a REST error with this status and code.
    #[track_caller]
    pub fn expect_error(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.body["code"], code,
            "unexpected code; body: {}",
            self.text
        );
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "no message: {}",
            self.text
        );
        assert!(
            self.body["details"].is_object(),
            "no details object: {}",
            self.text
        );
        &self.body
    }

    /// Asserts an OAuth error with this status and `error`.
    #[track_caller]
    pub fn expect_oauth_error(&self, status: StatusCode, error: &str) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.body["error"], error,
            "unexpected error; body: {}",
            self.text
        );
        assert!(self.body["error_description"].is_string(), "{}", self.text);
    }
}

/// A running app on a fresh database.
pub struct TestApp {
    pub state: AppState,
    router: Router,
    pub admin_id: String,
    pub admin_secret: String,
    pub backend: Backend,
    sqlite_dir: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub use crate::common_postgres::{fresh_postgres_database, postgres_url};

impl TestApp {
    /// A test app with default settings plus `args` (CLI flags, e.g. `--max-agents-per-tenant 2`).
    pub async fn spawn(backend: Backend, args: &[&str]) -> Option<Self> {
        let (url, sqlite_dir) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("agentidp-test-{}", uuid::Uuid::now_v7().simple()));
                (format!("sqlite://{}/test.db", dir.display()), Some(dir))
            }
            Backend::Postgres => {
                let Some(server) = postgres_url() else {
                    eprintln!(
                        "skipped: set AGENTIDP_TEST_POSTGRES_URL to run the PostgreSQL suite"
                    );
                    return None;
                };
                (fresh_postgres_database(&server).await, None)
            }
        };
        let config = test_config(
            &url,
            &[&["--rate-limit-max-requests", "100000"], args].concat(),
        );
        let app = App::init(config).await.expect("app starts");
        let admin: TenantAdmin = app
            .idp
            .create_tenant("test-tenant", "system", &Default::default())
            .await
            .expect("bootstrap");
        let state = AppState(Arc::new(app));
        Some(Self {
            router: http::router(state.clone()),
            state,
            admin_id: admin.admin.id.to_string(),
            admin_secret: admin.secret.expose().to_owned(),
            backend,
            sqlite_dir,
        })
    }

    /// Another server node on the same database (no bootstrap), configured with `args`: what
    /// a second process behind the same load balancer would be.
    pub async fn another_node(&self, args: &[&str]) -> Self {
        self.try_another_node(args).await.expect("node starts")
    }

    /// [`Self::another_node`], or why that node refuses to start.
    pub async fn try_another_node(
        &self,
        args: &[&str],
    ) -> Result<Self, agentidp::app::StartupError> {
        let config = test_config(&self.state.config.database_url, args);
        let state = AppState(Arc::new(App::init(config).await?));
        Ok(Self {
            router: http::router(state.clone()),
            state,
            admin_id: self.admin_id.clone(),
            admin_secret: self.admin_secret.clone(),
            backend: self.backend,
            sqlite_dir: None,
        })
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            body,
            text,
        }
    }

    /// POSTs a form, optionally with HTTP Basic client authentication.
    pub async fn form(
        &self,
        uri: &str,
        basic: Option<(&str, &str)>,
        pairs: &[(&str, &str)],
    ) -> TestResponse {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some((id, secret)) = basic {
            let encoded = STANDARD.encode(format!("{}:{}", urlencode(id), urlencode(secret)));
            builder = builder.header(header::AUTHORIZATION, format!("Basic {encoded}"));
        }
        self.send(builder.body(Body::from(body)).expect("request"))
            .await
    }

    /// Client-credentials token request with client_secret_basic.
    pub async fn token_response(
        &self,
        id: &str,
        secret: &str,
        extra: &[(&str, &str)],
    ) -> TestResponse {
        let mut pairs = vec![("grant_type", "client_credentials")];
        pairs.extend_from_slice(extra);
        self.form("/oauth2/token", Some((id, secret)), &pairs).await
    }

    /// A token for the given client, panicking unless it is issued.
    pub async fn token(&self, id: &str, secret: &str, extra: &[(&str, &str)]) -> String {
        let r = self.token_response(id, secret, extra).await;
        r.expect(StatusCode::OK)["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A token of the tenant admin (every management scope).
    pub async fn admin_token(&self) -> String {
        self.token(&self.admin_id, &self.admin_secret, &[]).await
    }

    /// Registers an agent (fields of `overrides` replace the defaults) and returns its JSON.
    pub async fn create_agent(&self, token: &str, overrides: Value) -> Value {
        let r = self
            .request(
                Method::POST,
                "/v1/agents",
                Some(token),
                Some(agent_body(overrides)),
            )
            .await;
        r.expect(StatusCode::CREATED).clone()
    }

    /// Registers an agent with a credential; returns (agent id, secret).
    pub async fn agent_with_secret(&self, token: &str, overrides: Value) -> (String, String) {
        let agent = self.create_agent(token, overrides).await;
        let id = agent["agentId"].as_str().expect("id").to_owned();
        let cred = self
            .request(
                Method::POST,
                &format!("/v1/agents/{id}/credentials"),
                Some(token),
                None,
            )
            .await;
        let secret = cred.expect(StatusCode::CREATED)["clientSecret"]
            .as_str()
            .expect("secret")
            .to_owned();
        (id, secret)
    }
}

impl TestApp {
    /// Runs SQL directly against the test database, bypassing the server (tamper tests).
    pub async fn raw_sql(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let url = &self.state.config.database_url;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(url).await?;
            let done = sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            done
        } else {
            let pool = sqlx::SqlitePool::connect(url).await?;
            let done = sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .map(|r| r.rows_affected());
            pool.close().await;
            done
        }
    }

    /// The test tenant's id.
    pub async fn tenant_id(&self) -> agentidp::domain::ids::TenantId {
        let token = self.admin_token().await;
        decode_jwt(&token).1["tenant_id"]
            .as_str()
            .expect("tenant")
            .parse()
            .expect("uuid")
    }
}

/// The tenant's tokens this month as stored (after a flush).
pub async fn tokens_this_month(app: &TestApp, tenant: agentidp::domain::ids::TenantId) -> i64 {
    use agentidp::domain::billing::Metric;
    let window = Metric::TokensIssued.window(app.state.idp.clock.now());
    app.state
        .idp
        .db
        .usage_total(tenant, Metric::TokensIssued.as_str(), &window)
        .await
        .expect("usage")
}

/// A valid agent registration body with `overrides` merged in.
pub fn agent_body(overrides: Value) -> Value {
    let mut body = json!({
        "email": format!("agent-{}@example.com", uuid::Uuid::now_v7().simple()),
        "name": "Search bot",
        "description": "Finds things",
        "agentType": "retrieval",
        "version": "1.2.3",
        "capabilities": ["search:web", "summarize"],
        "owner": "search-team",
        "deploymentEnv": "production",
        "metadata": {"team": "search"},
        "allowedScopes": ["weather:read", "weather:write"],
    });
    if let (Some(target), Value::Object(extra)) = (body.as_object_mut(), overrides) {
        target.extend(extra);
    }
    body
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes a JWT's header and claims without verifying it.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut next = || -> Value {
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(parts.next().expect("part"))
                .expect("base64"),
        )
        .expect("json")
    };
    let header = next();
    let claims = next();
    (header, claims)
}

/// Generates `#[tokio::test]`s for each backend: `mod sqlite` always runs, `mod postgres`
/// runs when `AGENTIDP_TEST_POSTGRES_URL` is set. Each test gets a fresh database.
macro_rules! backend_tests {
    ($(async fn $name:ident($app:ident $(, $arg:literal)*) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite, &[$($arg),*]).await
                    else { return };
                    $body
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres, &[$($arg),*]).await
                    else { return };
                    $body
                }
            )*
        }
    };
}
pub(crate) use backend_tests;
