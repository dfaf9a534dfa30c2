//! Offline verification of one compact JWS access token.

use std::time::{SystemTime, UNIX_EPOCH};

use agentidp_proto::AccessClaims;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;

use super::{Algorithm, Guard, GuardError};

/// A token that passed every check; handlers take it as an extractor.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    /// Its claims.
    pub claims: AccessClaims,
}

impl VerifiedToken {
    /// The calling agent's id.
    pub fn agent_id(&self) -> &str {
        &self.claims.sub
    }

    /// The agent acting for [`agent_id`](Self::agent_id) when the token is delegated
    /// (RFC 8693 `act`); `None` when the agent holds its own token.
    pub fn actor(&self) -> Option<&str> {
        self.claims.act.as_ref().map(|a| a.sub.as_str())
    }

    /// The delegation chain: the current actor first, the first delegate last; empty when
    /// the agent holds its own token.
    pub fn delegation_chain(&self) -> Vec<&str> {
        self.claims.actors().collect()
    }

    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.claims.scopes()
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.claims.has_scope(scope)
    }

    /// `Ok` when every one of `scopes` was granted; otherwise the first missing one.
    pub fn require(&self, scopes: &[impl AsRef<str>]) -> Result<(), GuardError> {
        match scopes.iter().find(|s| !self.has_scope(s.as_ref())) {
            Some(missing) => Err(GuardError::InsufficientScope(missing.as_ref().to_owned())),
            None => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, GuardError> {
    B64.decode(part)
        .map_err(|_| GuardError::Malformed(format!("{what} is not base64url")))
}

impl Guard {
    /// Verifies `token`: structure, `typ`, algorithm (accepted and equal to the key's),
    /// signature, issuer, audience, `exp`/`nbf` with leeway.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, GuardError> {
        let inner = &self.inner;
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(GuardError::Malformed("not a compact JWS".into()));
        };
        let header: Header = serde_json::from_slice(&decode_part(h, "header")?)
            .map_err(|_| GuardError::Malformed("header is not JSON".into()))?;
        let typ = header
            .typ
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if typ != "at+jwt" && typ != "application/at+jwt" {
            return Err(GuardError::WrongType);
        }
        let alg = Algorithm::parse(&header.alg)
            .filter(|a| inner.algorithms.contains(a))
            .ok_or_else(|| GuardError::AlgorithmRejected(header.alg.clone()))?;
        let kid = header
            .kid
            .ok_or_else(|| GuardError::Malformed("header has no kid".into()))?;
        let key = inner.jwks.key(&kid).await?;
        if key.alg != alg {
            return Err(GuardError::AlgorithmRejected(header.alg));
        }
        let signature = decode_part(s, "signature")?;
        let signed = &token[..h.len() + 1 + p.len()];
        if !key.verify(signed.as_bytes(), &signature) {
            return Err(GuardError::BadSignature);
        }
        let claims: AccessClaims = serde_json::from_slice(&decode_part(p, "payload")?)
            .map_err(|e| GuardError::Malformed(format!("claims: {e}")))?;
        self.check_claims(&claims)?;
        Ok(VerifiedToken { claims })
    }

    fn check_claims(&self, claims: &AccessClaims) -> Result<(), GuardError> {
        let inner = &self.inner;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let leeway = inner.leeway.as_secs() as i64;
        if claims.exp + leeway <= now {
            return Err(GuardError::Expired);
        }
        if claims.nbf.unwrap_or(claims.iat) - leeway > now {
            return Err(GuardError::NotYetValid);
        }
        if claims.iss.trim_end_matches('/') != inner.issuer {
            return Err(GuardError::WrongIssuer);
        }
        if !claims.aud.contains(&inner.audience) {
            return Err(GuardError::WrongAudience);
        }
        Ok(())
    }
}
