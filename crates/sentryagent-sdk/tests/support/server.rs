//! A real AgentIdP server for SDK and CLI tests: a fresh SQLite database, a listener on
//! 127.0.0.1 port 0, a bootstrapped tenant with its admin credentials.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use agentidp::app::App;
use agentidp::config::Config;
use agentidp::{AppState, http};
use clap::Parser;

#[derive(Parser)]
#[command(args_override_self = true)]
struct ServerArgs {
    #[command(flatten)]
    config: Config,
}

/// A running server; dropping it stops the server and deletes its database.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`: also the issuer.
    pub url: String,
    /// The admin agent's client id.
    pub admin_id: String,
    /// The admin agent's client secret.
    pub admin_secret: String,
    dir: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestServer {
    /// Starts a server with the test defaults (ES256, no rate limit) and then `args`.
    pub async fn start(args: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::start_on(listener, args).await
    }

    /// Starts a server on `listener`.
    pub async fn start_on(listener: tokio::net::TcpListener, args: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sentryagent-test-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let db = format!("sqlite://{}/test.db", dir.display());
        let mut argv = vec![
            "agentidp",
            "--database-url",
            &db,
            "--public-url",
            &url,
            "--jwt-algorithm",
            "ES256",
            "--rate-limit-max-requests",
            "0",
        ];
        argv.extend_from_slice(args);
        let config = ServerArgs::try_parse_from(argv)
            .expect("server config")
            .config;
        let app = App::init(config).await.expect("server starts");
        let admin = app
            .idp
            .create_tenant("sdk-tests", "system", &Default::default())
            .await
            .expect("bootstrap");
        let router = http::router(AppState(Arc::new(app)));
        let task = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, service).await.expect("serve");
        });
        Self {
            url,
            admin_id: admin.admin.id.to_string(),
            admin_secret: admin.secret.expose().to_owned(),
            dir,
            task,
        }
    }
}
