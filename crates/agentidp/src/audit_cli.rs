//! The binary's `audit` subcommands: verify the hash chains (against saved heads, too) and
//! export a tenant's events as NDJSON.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use agentidp::app::App;
use agentidp::domain::audit::chain_key::VerifyPolicy;
use agentidp::domain::audit::heads::AgainstSaved;
use agentidp::domain::audit::{EventFilter, SYSTEM_TENANT};
use agentidp::domain::ids::TenantId;
use agentidp::http::audit::event_body;
use agentidp::service::audit::heads::{chains_to_check, verify_against};
use agentidp::service::audit::heads_file;
use agentidp::store::Db;
use clap::Subcommand;

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Audit-log tools.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash chain (or one tenant's) and report the first broken link;
    /// exits with status 1 when a chain is broken.
    Verify {
        /// Only this tenant's chain.
        #[arg(long)]
        tenant: Option<String>,
        /// With `AUDIT_CHAIN_KEY` set, also accept unkeyed events at the start of a chain,
        /// before its first keyed one (written before the key was configured). A chain
        /// rewritten entirely unkeyed then passes too, so use it only until those events have
        /// left the retention window.
        #[arg(long)]
        accept_unkeyed_prefix: bool,
        /// Heads saved by an earlier `--save-heads`: every chain listed must still reach its
        /// saved head unchanged. This catches what the chain alone cannot show: its newest
        /// events removed and its head moved back.
        #[arg(long, value_name = "FILE")]
        expect_heads: Option<PathBuf>,
        /// Once every chain verified, write their heads to FILE (replacing it), for a later
        /// `--expect-heads`. Keep it where whoever can write the database cannot. An existing
        /// FILE is replaced only by a run that checked the chains against it, so that a chain
        /// cut short is never saved over its good head.
        #[arg(long, value_name = "FILE", conflicts_with = "tenant")]
        save_heads: Option<PathBuf>,
    },
    /// Write a tenant's events inside the retention window to stdout as NDJSON, oldest first.
    Export {
        /// The tenant to export.
        #[arg(long)]
        tenant: String,
    },
}

/// Verifies the chains; prints one line per chain and returns whether all are intact.
pub async fn verify(
    db: &Db,
    tenant: Option<&str>,
    policy: VerifyPolicy,
    retention_days: u32,
    expect_heads: Option<&Path>,
    save_heads: Option<&Path>,
) -> CliResult<bool> {
    if let Some(path) = save_heads
        && path.exists()
        && expect_heads.is_none_or(|e| e != path)
    {
        return Err(format!(
            "{0} exists: check the chains against it first (--expect-heads {0})",
            path.display()
        )
        .into());
    }
    let saved = match expect_heads {
        Some(path) => heads_file::read(path)?
            .ok_or_else(|| format!("cannot read {}: no such file", path.display()))?,
        None => Vec::new(),
    };
    let chains = match tenant {
        Some(name) => vec![tenant_id(db, name).await?],
        None => chains_to_check(db, &saved).await?,
    };
    let mut intact = true;
    let mut heads = Vec::new();
    for chain in chains {
        let label = if chain == SYSTEM_TENANT {
            "system".to_owned()
        } else {
            format!("tenant {chain}")
        };
        let head = saved.iter().find(|h| h.tenant_id == chain);
        let checked = match verify_against(db, chain, policy, head, retention_days).await? {
            Ok(checked) => checked,
            Err(broken) => {
                intact = false;
                println!(
                    "BROKEN  {label}: first bad event at seq {}: {}",
                    broken.seq, broken.reason
                );
                continue;
            }
        };
        let note = match (head, checked.saved) {
            (Some(h), Some(AgainstSaved::Holds)) => format!(", saved head {} holds", h.seq),
            (Some(h), Some(AgainstSaved::Purged)) => {
                format!(", saved head {} is past retention", h.seq)
            }
            _ => String::new(),
        };
        let verified = checked.verified;
        let at = verified
            .head
            .as_ref()
            .map_or_else(|| "no head".to_owned(), |h| format!("head {}", h.seq));
        println!(
            "ok      {label}: {} events verified, {at}{note}",
            verified.events
        );
        heads.extend(checked.anchor);
    }
    if let Some(path) = save_heads {
        if intact {
            heads_file::write(path, &heads)?;
        } else {
            eprintln!("not saving heads to {}: a chain is broken", path.display());
        }
    }
    Ok(intact)
}

async fn tenant_id(db: &Db, name: &str) -> CliResult<TenantId> {
    Ok(db
        .tenant_by_name(name)
        .await?
        .ok_or_else(|| format!("no tenant named {name:?}"))?
        .id)
}

/// Streams a tenant's events to stdout, one JSON object per line.
pub async fn export(app: &App, tenant: &str) -> CliResult<()> {
    let tenant = tenant_id(&app.idp.db, tenant).await?;
    let filter = EventFilter::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut after = None;
    loop {
        let page = app.idp.export_page(tenant, &filter, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        for event in page {
            serde_json::to_writer(&mut out, &event_body(event))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
