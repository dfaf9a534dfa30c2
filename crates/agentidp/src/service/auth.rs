//! Authentication and authorization of callers; every refusal lands in the audit log.

use super::tokens::{UNKNOWN_SUBJECT, ids};
use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::AgentStatus;
use crate::domain::audit::{Action, NewEvent, RequestMeta, SYSTEM_TENANT};
use crate::domain::credential::{Client, Credential, SECRET_PREFIX};
use crate::domain::ids::AgentId;
use crate::domain::last_use::{LastUse, Use};
use crate::domain::scope::ScopeSet;
use crate::domain::time::Timestamp;
use crate::domain::token::{AccessClaims, Principal};

/// The audit `method` of client-secret authentication.
const SECRET: &str = "client_secret";

/// Longest part of an unauthenticated client id kept as an audit actor.
const PRESENTED_ID_MAX_CHARS: usize = 64;

/// The audit actor for a client id that failed to authenticate: what was presented, bounded,
/// with control characters replaced, since anyone can send anything (a NUL cannot even be
/// stored in PostgreSQL text). A client that sent its secret in the id field does not get it
/// written to the log.
fn presented_client_id(client_id: &str) -> String {
    if client_id.starts_with(SECRET_PREFIX) {
        return format!("{SECRET_PREFIX}… (a client secret, not recorded)");
    }
    client_id
        .chars()
        .take(PRESENTED_ID_MAX_CHARS)
        .map(|c| {
            if c.is_control() {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

impl Idp {
    /// Authenticates a client by id and secret. Every failure is the same `InvalidClient`
    /// to the caller, and an `auth.failed` event in the audit log.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        secret: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<(Client, Credential)> {
        let hasher = self.hasher();
        let digest = hasher.digest(secret);
        let found = match client_id.parse::<AgentId>() {
            Ok(id) => self.db.client_with_credentials(id).await?,
            Err(_) => None,
        };
        let now = Timestamp::now();
        let Some((client, credentials)) = found else {
            return self
                .client_refused(client_id, None, SECRET, "unknown client", meta)
                .await;
        };
        let Some(credential) = credentials
            .into_iter()
            .find(|c| c.accepts(&hasher, &digest, now))
        else {
            return self
                .client_refused(
                    client_id,
                    Some(&client),
                    SECRET,
                    "wrong or expired secret",
                    meta,
                )
                .await;
        };
        if client.status != AgentStatus::Active {
            return self
                .client_refused(
                    client_id,
                    Some(&client),
                    SECRET,
                    "agent is not active",
                    meta,
                )
                .await;
        }
        if LastUse::due(credential.last_used_at, now) {
            self.last_use.record(Use {
                agent: client.id,
                credential: credential.id,
                at: now,
            });
        }
        Ok((client, credential))
    }

    /// Records a refused client authentication by `method` and fails with `InvalidClient`.
    pub(super) async fn client_refused<T>(
        &self,
        client_id: &str,
        client: Option<&Client>,
        method: &'static str,
        reason: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<T> {
        let actor = presented_client_id(client_id);
        let tenant = client.map_or(SYSTEM_TENANT, |c| c.tenant_id);
        let mut event = NewEvent::new(tenant, actor, Action::AuthFailed, meta, Timestamp::now())
            .failed()
            .with("method", method)
            .with("reason", reason);
        if let Some(c) = client {
            event = event.subject(c.id);
        }
        self.audit.record(event).await?;
        Err(ServiceError::InvalidClient)
    }

    /// Writes up to `max` of the credential and agent uses recorded so far (every few
    /// seconds, and all of them at shutdown); on failure they are kept for the next call.
    pub async fn flush_last_use(&self, max: usize) -> ServiceResult<usize> {
        let uses = self.last_use.take(max);
        if uses.is_empty() {
            return Ok(0);
        }
        match self.background_db.record_uses(&uses).await {
            Ok(()) => Ok(uses.len()),
            Err(e) => {
                self.last_use.restore(uses);
                Err(e.into())
            }
        }
    }

    /// Checks that the caller holds `scope`; a refusal is recorded as `access.denied`.
    pub async fn authorize(&self, caller: &Principal, scope: &'static str) -> ServiceResult<()> {
        if caller.scopes.contains(scope) {
            return Ok(());
        }
        let event = caller
            .event(Action::AccessDenied, Timestamp::now())
            .failed()
            .with("requiredScope", scope);
        self.audit.record(event).await?;
        Err(ServiceError::InsufficientScope(scope))
    }

    /// Authenticates a bearer token for the management API: a valid token for this server's
    /// API audience, not revoked, whose agent (and actor, for a delegated token) is still
    /// active; the caller and the token's claims. Refusals are audited.
    pub async fn authenticate_bearer(
        &self,
        token: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<(Principal, AccessClaims)> {
        let audience = self.settings.issuer.clone();
        let (claims, reason) = match self.verify_jwt(token, Some(&audience), true).await {
            Ok(claims) => {
                let reason = self.liveness_refusal(&claims).await?;
                (Some(claims), reason)
            }
            Err(ServiceError::InvalidToken(reason)) => (None, Some(reason)),
            Err(e) => return Err(e),
        };
        let known = claims.as_ref().and_then(|c| ids(c).ok());
        match (reason, known, claims) {
            (None, Some((tenant, agent, _)), Some(claims)) => Ok((
                Principal {
                    tenant_id: tenant,
                    agent_id: agent,
                    scopes: ScopeSet::parse(&claims.scope)
                        .map_err(|_| ServiceError::InvalidToken("bad scope"))?,
                    meta: meta.clone(),
                    act: claims.act.clone(),
                },
                claims,
            )),
            (reason, known, _) => {
                let reason = reason.unwrap_or("malformed identifiers");
                // A token whose subject this server does not know may name a tenant that does
                // not exist either: its refusal goes to the system chain, with what it
                // claimed, so that no chain is ever opened for a tenant a token made up.
                let tenant = match known {
                    Some((t, _, _)) if reason != UNKNOWN_SUBJECT => t,
                    _ => SYSTEM_TENANT,
                };
                let mut event = NewEvent::new(
                    tenant,
                    known.map_or_else(|| "anonymous".to_owned(), |(_, a, _)| a.to_string()),
                    Action::AuthFailed,
                    meta,
                    Timestamp::now(),
                )
                .failed()
                .with("method", "bearer")
                .with("reason", reason);
                if let Some((claimed_tenant, agent, jti)) = known {
                    event = event.with("jti", jti.to_string());
                    event = if tenant == SYSTEM_TENANT {
                        event
                            .with("claimedTenant", claimed_tenant.to_string())
                            .with("claimedSubject", agent.to_string())
                    } else {
                        event.subject(agent)
                    };
                }
                self.audit.record(event).await?;
                Err(ServiceError::InvalidToken(reason))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_client_ids_are_bounded_printable_and_never_secrets() {
        assert_eq!(presented_client_id("\0bot\u{7}"), "\u{FFFD}bot\u{FFFD}");
        assert_eq!(presented_client_id(&"x".repeat(100)).chars().count(), 64);
        let secret = format!("{SECRET_PREFIX}{}", "ab".repeat(32));
        assert!(!presented_client_id(&secret).contains("abab"));
    }
}
