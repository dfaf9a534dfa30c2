//! The `agentidp` binary: version, migrate, bootstrap, keys rotate, audit verify with a chain
//! key and against saved heads, and first-start output.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("agentidp-cli-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}/agentidp.db", self.0.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn agentidp(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentidp"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("{name} not in {out}"))
}

#[test]
fn version_and_help_describe_the_binary() {
    let dir = TempDir::new();
    assert!(stdout(&agentidp(&dir.0, &["--version"])).starts_with("agentidp "));
    let help = stdout(&agentidp(&dir.0, &["--help"]));
    for word in [
        "serve",
        "migrate",
        "bootstrap",
        "keys",
        "DATABASE_URL",
        "JWT_ALGORITHM",
    ] {
        assert!(help.contains(word), "help mentions {word}");
    }
}

#[test]
fn migrate_bootstrap_and_key_rotation_work_on_a_fresh_database() {
    let dir = TempDir::new();
    let url = dir.db_url();
    assert!(
        stdout(&agentidp(&dir.0, &["--database-url", &url, "migrate"]))
            .contains("14 migration(s) applied")
    );
    assert!(
        stdout(&agentidp(&dir.0, &["--database-url", &url, "migrate"]))
            .contains("0 migration(s) applied")
    );

    let created = stdout(&agentidp(
        &dir.0,
        &["--database-url", &url, "bootstrap", "--tenant", "acme"],
    ));
    assert!(created.contains("tenant created"));
    let first_secret = field(&created, "client_secret:");
    assert!(first_secret.starts_with("sk_live_"));
    let again = stdout(&agentidp(
        &dir.0,
        &["--database-url", &url, "bootstrap", "--tenant", "acme"],
    ));
    assert!(again.contains("new admin credential"));
    assert_eq!(field(&again, "client_id:"), field(&created, "client_id:"));
    assert_ne!(field(&again, "client_secret:"), first_secret);

    let bad = agentidp(
        &dir.0,
        &["--database-url", &url, "bootstrap", "--tenant", "Not Valid"],
    );
    assert!(!bad.status.success());
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.starts_with("error: name: must be"),
        "a readable error, not Debug output: {message}"
    );

    let rotated = stdout(&agentidp(
        &dir.0,
        &["--database-url", &url, "keys", "rotate"],
    ));
    assert!(rotated.contains("new active signing key"));
}

#[test]
fn the_first_start_creates_the_database_and_prints_the_admin_secret_once() {
    let dir = TempDir::new();
    let run = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentidp"))
            .args(["--bind-addr", "127.0.0.1:0", "--jwt-algorithm", "EdDSA"])
            .current_dir(&dir.0)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let listening = stderr
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("agentidp listening"));
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(listening, "server started");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert!(field(&first, "client_secret:").starts_with("sk_live_"));
    assert!(
        dir.0.join("data/agentidp.db").exists(),
        "the default SQLite file is created under ./data"
    );
    assert!(
        !run().contains("client_secret"),
        "the secret is printed on the first start only"
    );
}

#[test]
fn a_keyed_audit_chain_verifies_only_with_its_key_and_refuses_nodes_without_it() {
    let dir = TempDir::new();
    let url = dir.db_url();
    let key = "33".repeat(32);
    let run = |args: &[&str]| {
        let argv = [&["--database-url", url.as_str()][..], args].concat();
        agentidp(&dir.0, &argv)
    };
    let keyed = |args: &[&str]| run(&[&["--audit-chain-key", key.as_str()][..], args].concat());
    // Events from before the key, then the key adopted: keyed links follow them.
    stdout(&run(&["bootstrap", "--tenant", "acme"]));
    stdout(&keyed(&["bootstrap", "--tenant", "acme"]));

    let strict = keyed(&["audit", "verify"]);
    assert!(!strict.status.success());
    assert!(String::from_utf8_lossy(&strict.stdout).contains("--accept-unkeyed-prefix"));
    let lenient = stdout(&keyed(&["audit", "verify", "--accept-unkeyed-prefix"]));
    assert!(lenient.contains("ok      tenant"), "{lenient}");
    assert!(!lenient.contains("BROKEN"), "{lenient}");

    let unkeyed = run(&["audit", "verify"]);
    assert!(!unkeyed.status.success());
    assert!(String::from_utf8_lossy(&unkeyed.stdout).contains("set AUDIT_CHAIN_KEY"));
    for refused in [
        run(&["bootstrap", "--tenant", "acme"]),
        run(&["keys", "rotate"]),
    ] {
        assert!(!refused.status.success());
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(message.contains("keyed with key"), "{message}");
    }
    let short = run(&["--audit-chain-key", "abcd", "audit", "verify"]);
    assert!(!short.status.success());
    let message = String::from_utf8_lossy(&short.stderr);
    assert!(message.contains("openssl rand -hex 32"), "{message}");
    assert!(
        !message.contains("abcd"),
        "the malformed secret is not repeated: {message}"
    );
}

#[test]
fn saved_heads_catch_a_chain_cut_short_that_verifies_on_its_own() {
    let dir = TempDir::new();
    let url = dir.db_url();
    let heads = dir.0.join("heads.txt");
    let heads = heads.to_str().unwrap();
    let run = |args: &[&str]| {
        let argv = [&["--database-url", url.as_str()][..], args].concat();
        agentidp(&dir.0, &argv)
    };
    stdout(&run(&["bootstrap", "--tenant", "acme"]));
    let saved = stdout(&run(&["audit", "verify", "--save-heads", heads]));
    assert!(saved.contains("events verified, head "), "{saved}");
    let text = std::fs::read_to_string(heads).unwrap();
    let line = text
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .to_owned();
    let checked = stdout(&run(&["audit", "verify", "--expect-heads", heads]));
    assert!(checked.contains("holds"), "{checked}");

    // A head further on than the chain reaches: what cutting its newest events leaves.
    let mut fields: Vec<String> = line.split(' ').map(str::to_owned).collect();
    fields[1] = (fields[1].parse::<i64>().unwrap() + 5).to_string();
    let header = text.lines().next().unwrap();
    std::fs::write(heads, format!("{header}\n{}\n", fields.join(" "))).unwrap();
    let cut = run(&["audit", "verify", "--expect-heads", heads]);
    assert!(!cut.status.success());
    let out = String::from_utf8_lossy(&cut.stdout);
    assert!(
        out.contains("BROKEN") && out.contains("events removed"),
        "{out}"
    );
    // Nothing is saved over the evidence while a chain is broken.
    let again = run(&[
        "audit",
        "verify",
        "--expect-heads",
        heads,
        "--save-heads",
        heads,
    ]);
    assert!(!again.status.success());
    assert!(
        std::fs::read_to_string(heads)
            .unwrap()
            .contains(&fields.join(" "))
    );

    // A file of heads is replaced only by a run that checked the chains against it.
    let unchecked = run(&["audit", "verify", "--save-heads", heads]);
    assert!(!unchecked.status.success());
    assert!(String::from_utf8_lossy(&unchecked.stderr).contains("--expect-heads"));

    std::fs::write(heads, "not a head\n").unwrap();
    let bad = run(&["audit", "verify", "--expect-heads", heads]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 1:"));
}
