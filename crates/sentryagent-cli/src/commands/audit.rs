//! `tail-audit-log`: prints the latest events, then polls for new ones until Ctrl+C.

use std::time::Duration;

use sentryagent_sdk::Client;
use sentryagent_sdk::models::{AuditEvent, EventFilter};

use super::Ctx;
use crate::cli::{Output, TailArgs};
use crate::error::CliError;
use crate::output::when;

/// Events are timestamped when they happen and numbered when they commit, so a commit can
/// carry a slightly older time than one already printed: each poll looks back this far and
/// keeps only the sequence numbers it has not printed.
const LOOK_BACK: chrono::Duration = chrono::Duration::seconds(2);

/// Runs `tail-audit-log`.
pub async fn tail(ctx: &Ctx, args: TailArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let base = EventFilter {
        agent_id: args.agent_id,
        action: args.action,
        ..EventFilter::default()
    };
    let first = client
        .list_audit_events(&EventFilter {
            limit: Some(args.last.max(1)),
            ..base.clone()
        })
        .await?;
    let mut cursor = Position::default();
    let mut recent = first.data;
    recent.truncate(args.last as usize);
    recent.reverse();
    for event in &recent {
        print(ctx.output, event)?;
    }
    cursor.advance(first_seen(&recent));
    if ctx.output == Output::Table {
        eprintln!(
            "Watching for new events every {} s; Ctrl+C to stop.",
            args.interval
        );
    }

    let interval = Duration::from_secs(args.interval);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            () = tokio::time::sleep(interval) => {}
        }
        let poll = cursor.poll(&client, &base);
        let events = tokio::select! {
            _ = &mut ctrl_c => break,
            polled = poll => polled,
        };
        match events {
            Ok(events) => {
                for event in &events {
                    print(ctx.output, event)?;
                }
                cursor.advance(first_seen(&events));
            }
            // Access problems will not fix themselves; anything else (the server restarting,
            // a limit) is reported and the next poll tries again.
            Err(e) if matches!(e.status(), Some(400..=428 | 430..=499)) => return Err(e.into()),
            Err(e) => eprintln!("warning: {e}; trying again in {} s", args.interval),
        }
    }
    if ctx.output == Output::Table {
        eprintln!("Stopped.");
    }
    Ok(())
}

fn first_seen(events: &[AuditEvent]) -> Option<(i64, chrono::DateTime<chrono::Utc>)> {
    let seq = events.iter().map(|e| e.seq).max()?;
    let at = events.iter().map(|e| e.timestamp).max()?;
    Some((seq, at))
}

/// How far the tail has printed.
#[derive(Default)]
struct Position {
    seq: i64,
    since: Option<chrono::DateTime<chrono::Utc>>,
}

impl Position {
    fn advance(&mut self, seen: Option<(i64, chrono::DateTime<chrono::Utc>)>) {
        if let Some((seq, at)) = seen {
            self.seq = self.seq.max(seq);
            self.since = Some(self.since.map_or(at, |s| s.max(at)));
        }
    }

    /// The events after the last printed one, oldest first.
    async fn poll(
        &self,
        client: &Client,
        base: &EventFilter,
    ) -> sentryagent_sdk::Result<Vec<AuditEvent>> {
        let mut filter = EventFilter {
            from: self.since.map(|s| s - LOOK_BACK),
            limit: Some(100),
            ..base.clone()
        };
        let mut new = Vec::new();
        loop {
            let page = client.list_audit_events(&filter).await?;
            let done = page.data.iter().any(|e| e.seq <= self.seq);
            new.extend(page.data.into_iter().filter(|e| e.seq > self.seq));
            match page.next_cursor {
                Some(cursor) if !done => filter.cursor = Some(cursor),
                _ => break,
            }
        }
        new.sort_by_key(|e| e.seq);
        Ok(new)
    }
}

fn print(output: Output, e: &AuditEvent) -> Result<(), CliError> {
    if output == Output::Json {
        let line = serde_json::to_string(e)
            .map_err(|err| CliError::Usage(format!("cannot print JSON: {err}")))?;
        println!("{line}");
        return Ok(());
    }
    let agent = e.agent_id.map_or_else(|| "-".to_owned(), |a| a.to_string());
    println!(
        "{}  {:<22} {:<7}  actor={}  agent={}  {}",
        when(Some(e.timestamp)),
        e.action,
        e.outcome,
        e.actor,
        agent,
        serde_json::Value::Object(e.metadata.clone())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_only_moves_forward() {
        let t = chrono::Utc::now();
        let mut p = Position::default();
        p.advance(Some((5, t)));
        p.advance(Some((3, t - chrono::Duration::seconds(10))));
        p.advance(None);
        assert_eq!(p.seq, 5);
        assert_eq!(p.since, Some(t));
    }
}
