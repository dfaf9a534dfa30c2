//! Client authentication by signed assertion (`private_key_jwt`, RFC 7523 §2.2): the client
//! proves it holds the private key of a registered public-key credential.

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::AgentStatus;
use crate::domain::assertion::ClientAssertion;
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::credential::{Client, Credential};
use crate::domain::ids::AgentId;
use crate::domain::last_use::{LastUse, Use};
use crate::domain::time::Timestamp;

/// The audit `method` of assertion authentication.
const METHOD: &str = "private_key_jwt";

impl Idp {
    /// Authenticates a client by a client assertion. Until a registered key has verified the
    /// signature every failure is the same `InvalidClient`; after that, the broken rule is
    /// named (`InvalidClientAssertion`), as only the key's holder can see it. A `client_id`
    /// sent beside the assertion must be its subject. Every refusal is audited.
    pub async fn authenticate_assertion(
        &self,
        presented_id: Option<&str>,
        assertion: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<(Client, Credential)> {
        let now = Timestamp::now();
        let parsed = match ClientAssertion::parse(assertion) {
            Ok(parsed) => parsed,
            Err(reason) => {
                let who = presented_id.unwrap_or("anonymous");
                return self.client_refused(who, None, METHOD, reason, meta).await;
            }
        };
        let client_id = parsed.claims.sub.as_str();
        if presented_id.is_some_and(|id| id != client_id) {
            let reason = "client_id is not the assertion's subject";
            return self
                .client_refused(client_id, None, METHOD, reason, meta)
                .await;
        }
        let found = match client_id.parse::<AgentId>() {
            Ok(id) => self.db.client_with_credentials(id).await?,
            Err(_) => None,
        };
        let Some((client, credentials)) = found else {
            return self
                .client_refused(client_id, None, METHOD, "unknown client", meta)
                .await;
        };
        let Some(credential) = credentials
            .into_iter()
            .find(|c| c.accepts_assertion(&parsed, now))
        else {
            let reason = "no registered key verifies the assertion";
            return self
                .client_refused(client_id, Some(&client), METHOD, reason, meta)
                .await;
        };
        if client.status != AgentStatus::Active {
            let reason = "agent is not active";
            return self
                .client_refused(client_id, Some(&client), METHOD, reason, meta)
                .await;
        }
        let issuer = self.settings.issuer.as_str();
        let token_endpoint = format!("{issuer}/oauth2/token");
        let audiences = [token_endpoint.as_str(), issuer];
        let checked = match parsed.check(client_id, &audiences, now) {
            Ok(()) => {
                let expires = Timestamp::from_micros(parsed.claims.exp.saturating_mul(1_000_000));
                let first = self
                    .replay
                    .first_use(client.id, &parsed.claims.jti, expires)
                    .await?;
                first
                    .then_some(())
                    .ok_or("the client assertion was already used (its jti is spent)")
            }
            Err(reason) => Err(reason),
        };
        if let Err(reason) = checked {
            let event = NewEvent::new(
                client.tenant_id,
                client_id.to_owned(),
                Action::AuthFailed,
                meta,
                now,
            )
            .failed()
            .subject(client.id)
            .with("method", METHOD)
            .with("reason", reason)
            .with(
                "kid",
                credential.public_key.as_ref().map(|k| k.kid().to_owned()),
            );
            self.audit.record(event).await?;
            return Err(ServiceError::InvalidClientAssertion(reason));
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
}
