//! The `sentryagent` binary against a real server (SQLite), one test per group of commands.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

#[path = "../../sentryagent-sdk/tests/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use server::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// A HOME of its own, so `~/.sentryagent/config.json` belongs to the test.
struct Home(PathBuf);

impl Home {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sentryagent-home-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn config_file(&self) -> PathBuf {
        self.0.join(".sentryagent").join("config.json")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn command(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sentryagent"));
    cmd.args(args)
        .env("HOME", home)
        .env_remove("SENTRYAGENT_CONFIG")
        .env_remove("SENTRYAGENT_API_URL")
        .env_remove("SENTRYAGENT_CLIENT_ID")
        .env_remove("SENTRYAGENT_CLIENT_SECRET")
        .env_remove("SENTRYAGENT_AGENT_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Runs the CLI with `stdin` and returns its output.
async fn run_with(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = command(home, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the CLI finishes")
        .unwrap()
}

async fn run(home: &Path, args: &[&str]) -> Output {
    run_with(home, args, "", &[]).await
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

#[track_caller]
fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).unwrap()
}

/// A server and a HOME configured for its admin through flags.
async fn configured() -> (TestServer, Home) {
    let server = TestServer::start(&[]).await;
    let home = Home::new();
    ok(&run(
        &home.0,
        &[
            "configure",
            "--api-url",
            &server.url,
            "--client-id",
            &server.admin_id,
            "--client-secret",
            &server.admin_secret,
        ],
    )
    .await);
    (server, home)
}

async fn register(home: &Path, name: &str) -> String {
    let out = run(
        home,
        &[
            "register-agent",
            "--name",
            name,
            "--scope",
            "weather:read",
            "-o",
            "json",
        ],
    )
    .await;
    json(&out)["agentId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn configure_prompts_on_stdin_and_saves_a_file_only_its_owner_can_read() {
    let server = TestServer::start(&[]).await;
    let home = Home::new();
    let answers = format!(
        "{}\n{}\n{}\n",
        server.url, server.admin_id, server.admin_secret
    );
    let out = run_with(&home.0, &["configure"], &answers, &[]).await;
    let printed = ok(&out);
    assert!(
        stderr(&out).contains("API URL [http://127.0.0.1:3000]:"),
        "{}",
        stderr(&out)
    );
    assert!(
        printed.contains("verified:") && printed.contains("agents:write"),
        "{printed}"
    );
    assert!(
        !printed.contains(&server.admin_secret),
        "the secret is never echoed"
    );

    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(home.config_file()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let saved: Value = serde_json::from_slice(&std::fs::read(home.config_file()).unwrap()).unwrap();
    assert_eq!(saved["apiUrl"], server.url.as_str());
    assert_eq!(saved["clientSecret"], server.admin_secret.as_str());

    // Running it again keeps the saved URL and id when the answers are empty.
    let again = run_with(
        &home.0,
        &["configure"],
        &format!("\n\n{}\n", server.admin_secret),
        &[],
    )
    .await;
    ok(&again);
    assert!(ok(&run(&home.0, &["list-agents"]).await).contains("AGENT ID"));
}

#[tokio::test]
async fn configure_refuses_credentials_the_server_rejects_and_saves_nothing() {
    let server = TestServer::start(&[]).await;
    let home = Home::new();
    let out = run(
        &home.0,
        &[
            "configure",
            "--api-url",
            &server.url,
            "--client-id",
            &server.admin_id,
            "--client-secret",
            "sk_live_wrong",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("Error: invalid_client: "),
        "{}",
        stderr(&out)
    );
    assert!(!home.config_file().exists());
}

#[tokio::test]
async fn without_configuration_every_command_says_to_run_configure() {
    let home = Home::new();
    for args in [
        &["list-agents"][..],
        &["tail-audit-log"],
        &[
            "issue-token",
            "--agent-id",
            "01900000-0000-7000-8000-000000000000",
            "--client-secret",
            "x",
        ],
    ] {
        let out = run(&home.0, args).await;
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert_eq!(
            stderr(&out).trim(),
            "Not configured. Run sentryagent configure first."
        );
    }
    // Environment variables alone are a configuration too (for scripts and CI).
    let server = TestServer::start(&[]).await;
    let env = [
        ("SENTRYAGENT_API_URL", server.url.as_str()),
        ("SENTRYAGENT_CLIENT_ID", server.admin_id.as_str()),
        ("SENTRYAGENT_CLIENT_SECRET", server.admin_secret.as_str()),
    ];
    ok(&run_with(&home.0, &["list-agents"], "", &env).await);
}

#[tokio::test]
async fn agents_are_registered_listed_read_updated_and_decommissioned() {
    let (_server, home) = configured().await;
    let id = register(&home.0, "Weather Bot").await;

    let table = ok(&run(&home.0, &["list-agents"]).await);
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("AGENT ID") && header.contains("STATUS"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&id) && l.contains("Weather Bot")),
        "{table}"
    );
    let listed = json(
        &run(
            &home.0,
            &[
                "list-agents",
                "--deployment-env",
                "development",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let shown = ok(&run(&home.0, &["get-agent", "--agent-id", &id]).await);
    assert!(
        shown.contains("email:") && shown.contains("weather-bot@agents.invalid"),
        "{shown}"
    );

    let updated = json(
        &run(
            &home.0,
            &[
                "update-agent",
                "--agent-id",
                &id,
                "--agent-version",
                "2.0.0",
                "--status",
                "suspended",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(
        (updated["version"].as_str(), updated["status"].as_str()),
        (Some("2.0.0"), Some("suspended"))
    );
    let nothing = run(&home.0, &["update-agent", "--agent-id", &id]).await;
    assert_eq!(nothing.status.code(), Some(2));

    let carded = json(
        &run(
            &home.0,
            &[
                "update-agent",
                "--agent-id",
                &id,
                "--endpoint-url",
                "https://weather.example/a2a",
                "--skills",
                r#"[{"id":"forecast","name":"Forecast","description":"7 days","tags":["weather"]}]"#,
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(carded["endpointUrl"], "https://weather.example/a2a");
    assert_eq!(carded["skills"][0]["id"], "forecast");
    let bad_skills = run(
        &home.0,
        &[
            "update-agent",
            "--agent-id",
            &id,
            "--skills",
            r#"{"id":"x"}"#,
        ],
    )
    .await;
    assert_eq!(bad_skills.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad_skills.stderr).contains("JSON array of skills"),
        "{bad_skills:?}"
    );

    let declined = run_with(
        &home.0,
        &["decommission-agent", "--agent-id", &id],
        "n\n",
        &[],
    )
    .await;
    assert_eq!(declined.status.code(), Some(4));
    assert!(
        stderr(&declined).contains("Decommission agent Weather Bot"),
        "{}",
        stderr(&declined)
    );
    ok(&run_with(
        &home.0,
        &["decommission-agent", "--agent-id", &id],
        "y\n",
        &[],
    )
    .await);
    let gone = json(&run(&home.0, &["get-agent", "--agent-id", &id, "-o", "json"]).await);
    assert_eq!(gone["status"], "decommissioned");
}

#[tokio::test]
async fn credentials_and_tokens_are_managed_from_the_command_line() {
    let (_server, home) = configured().await;
    let id = register(&home.0, "token-bot").await;
    let created = json(
        &run(
            &home.0,
            &["create-credential", "--agent-id", &id, "-o", "json"],
        )
        .await,
    );
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let credential = created["credentialId"].as_str().unwrap().to_owned();

    // The secret from stdin, from the environment and from the flag.
    let from_stdin = run_with(
        &home.0,
        &["issue-token", "--agent-id", &id],
        &format!("{secret}\n"),
        &[],
    )
    .await;
    let token = ok(&from_stdin).trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "{token}");
    assert!(
        stderr(&from_stdin).contains("expires:"),
        "{}",
        stderr(&from_stdin)
    );
    let from_env = run_with(
        &home.0,
        &["issue-token", "--agent-id", &id, "-o", "json"],
        "",
        &[("SENTRYAGENT_AGENT_SECRET", &secret)],
    )
    .await;
    assert_eq!(json(&from_env)["scope"], "weather:read");
    ok(&run(
        &home.0,
        &["issue-token", "--agent-id", &id, "--client-secret", &secret],
    )
    .await);

    let active = json(
        &run(
            &home.0,
            &["introspect-token", "--token", &token, "-o", "json"],
        )
        .await,
    );
    assert_eq!(
        (active["active"].as_bool(), active["sub"].as_str()),
        (Some(true), Some(id.as_str()))
    );
    ok(&run_with(&home.0, &["revoke-token"], &format!("{token}\n"), &[]).await);
    let inactive = ok(&run(&home.0, &["introspect-token", "--token", &token]).await);
    assert_eq!(inactive.trim(), "active:  false");

    let rotated = run_with(
        &home.0,
        &["rotate-credentials", "--agent-id", &id, "-o", "json"],
        "y\n",
        &[],
    )
    .await;
    let new_secret = json(&rotated)["clientSecret"].as_str().unwrap().to_owned();
    assert!(
        stderr(&rotated).contains("Rotate 1 credential(s)"),
        "{}",
        stderr(&rotated)
    );
    let old = run(
        &home.0,
        &["issue-token", "--agent-id", &id, "--client-secret", &secret],
    )
    .await;
    assert_eq!(old.status.code(), Some(1));
    assert!(
        stderr(&old).starts_with("Error: invalid_client: ")
            && stderr(&old).trim_end().ends_with("(HTTP 401)"),
        "{}",
        stderr(&old)
    );
    ok(&run(
        &home.0,
        &[
            "issue-token",
            "--agent-id",
            &id,
            "--client-secret",
            &new_secret,
        ],
    )
    .await);

    ok(&run(
        &home.0,
        &[
            "rotate-credentials",
            "--agent-id",
            &id,
            "--credential-id",
            &credential,
            "--grace-period",
            "60",
            "--yes",
        ],
    )
    .await);
    ok(&run(
        &home.0,
        &[
            "revoke-credential",
            "--agent-id",
            &id,
            "--credential-id",
            &credential,
            "--yes",
        ],
    )
    .await);
    let listed = ok(&run(&home.0, &["list-credentials", "--agent-id", &id]).await);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&credential) && l.contains("revoked")),
        "{listed}"
    );
}

#[tokio::test]
async fn a_generated_key_is_registered_and_gets_tokens_by_private_key_jwt() {
    let (_server, home) = configured().await;
    let id = register(&home.0, "keyed-bot").await;
    let key = home.0.join("agent-key.pem");
    let key_arg = key.to_str().unwrap();
    let generated = json(&run(&home.0, &["generate-key", "--out", key_arg, "-o", "json"]).await);
    assert_eq!(generated["publicJwk"]["kty"], "OKP");
    assert!(
        generated["publicJwk"].get("d").is_none(),
        "the public JWK only"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = run(&home.0, &["generate-key", "--out", key_arg]).await;
    assert!(
        !again.status.success(),
        "an existing key file is never overwritten"
    );

    let created = json(
        &run(
            &home.0,
            &[
                "create-credential",
                "--agent-id",
                &id,
                "--key",
                key_arg,
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(created["type"], "public_key");
    assert_eq!(created["kid"], generated["kid"]);
    let token = ok(&run(
        &home.0,
        &["issue-token", "--agent-id", &id, "--private-key", key_arg],
    )
    .await);
    assert_eq!(token.trim().split('.').count(), 3, "{token}");
    let listed = ok(&run(&home.0, &["list-credentials", "--agent-id", &id]).await);
    assert!(listed.contains("public_key"), "{listed}");
}

#[tokio::test]
async fn server_errors_are_one_line_with_the_code_and_a_non_zero_exit() {
    let (_server, home) = configured().await;
    let out = run(
        &home.0,
        &[
            "get-agent",
            "--agent-id",
            "01900000-0000-7000-8000-000000000000",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Error: AGENT_NOT_FOUND: ") && err.trim_end().ends_with("(HTTP 404)"),
        "{err}"
    );

    let bad_id = run(&home.0, &["get-agent", "--agent-id", "not-a-uuid"]).await;
    assert_eq!(bad_id.status.code(), Some(2));

    let down = run_with(
        &home.0,
        &["list-agents"],
        "",
        &[("SENTRYAGENT_API_URL", "http://127.0.0.1:9")],
    )
    .await;
    assert_eq!(down.status.code(), Some(1));
    assert!(
        stderr(&down).starts_with("Error: cannot reach the server"),
        "{}",
        stderr(&down)
    );
}

#[tokio::test]
async fn tail_audit_log_prints_new_events_and_exits_cleanly_on_ctrl_c() {
    let (_server, home) = configured().await;
    let mut child = command(
        &home.0,
        &[
            "tail-audit-log",
            "--interval",
            "1",
            "--last",
            "1",
            "-o",
            "json",
        ],
    )
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert!(
        first["seq"].as_i64().is_some(),
        "the latest event first: {first}"
    );

    let id = register(&home.0, "tailed-bot").await;
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("still tailing");
            let event: Value = serde_json::from_str(&line).unwrap();
            if event["action"] == "agent.created" && event["agentId"] == id.as_str() {
                return event;
            }
        }
    })
    .await
    .expect("the new event is printed within a few polls");
    assert!(found["seq"].as_i64() > first["seq"].as_i64());

    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "Ctrl+C is a clean exit: {exit:?}");
}

#[tokio::test]
async fn completion_version_and_help_are_printed() {
    let home = Home::new();
    assert!(ok(&run(&home.0, &["completion", "bash"]).await).contains("_sentryagent()"));
    assert!(ok(&run(&home.0, &["completion", "zsh"]).await).contains("#compdef sentryagent"));
    assert!(ok(&run(&home.0, &["completion", "fish"]).await).contains("complete -c sentryagent"));
    assert!(ok(&run(&home.0, &["--version"]).await).starts_with("sentryagent "));
    let help = ok(&run(&home.0, &["--help"]).await);
    for command in [
        "configure",
        "register-agent",
        "list-agents",
        "rotate-credentials",
        "issue-token",
        "tail-audit-log",
        "completion",
    ] {
        assert!(help.contains(command), "{command} in --help");
    }
}
