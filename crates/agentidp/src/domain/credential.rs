//! Client secrets: generation from the OS CSPRNG, digesting, and constant-time checks.
//!
//! Secrets carry 256 bits of entropy, so a fast digest is as strong as a slow password hash
//! here and keeps the token endpoint cheap (see DESIGN §4). With a pepper configured the
//! digest is HMAC-SHA-256 keyed by it, so a stolen database alone cannot test guesses.

use aws_lc_rs::{constant_time, digest, hmac};
use secrecy::{ExposeSecret, SecretString};

use super::ids::{AgentId, CredentialId};
use super::time::Timestamp;
use super::{DomainError, DomainResult};

/// Most active credentials an agent may hold: enough for overlapping rotations and a few
/// deployments, and a bound on what every token request for the agent reads and checks.
pub const MAX_ACTIVE_CREDENTIALS: usize = 10;

/// Longest grace period a rotation may leave the old secret valid for (7 days).
pub const MAX_GRACE_PERIOD_SECS: i64 = 7 * 24 * 3600;

/// Refuses an expiry that is not in the future.
pub fn check_expiry(expires_at: Option<Timestamp>, now: Timestamp) -> DomainResult<()> {
    match expires_at {
        Some(t) if t <= now => Err(DomainError::Validation {
            field: "expiresAt",
            message: "must be in the future".into(),
        }),
        _ => Ok(()),
    }
}

/// Refuses a rotation grace period outside 0..=[`MAX_GRACE_PERIOD_SECS`].
pub fn check_grace_period(grace_secs: i64) -> DomainResult<()> {
    if (0..=MAX_GRACE_PERIOD_SECS).contains(&grace_secs) {
        return Ok(());
    }
    Err(DomainError::Validation {
        field: "gracePeriodSeconds",
        message: format!("must be between 0 and {MAX_GRACE_PERIOD_SECS}"),
    })
}

/// Prefix that makes leaked secrets easy to spot by secret scanners.
pub const SECRET_PREFIX: &str = "sk_live_";

/// A freshly generated client secret: shown to the caller once, never stored.
#[derive(Debug)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// 32 random bytes from the operating system, hex encoded behind [`SECRET_PREFIX`].
    pub fn generate() -> DomainResult<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| DomainError::Crypto(format!("OS random source: {e}")))?;
        Ok(Self(SecretString::from(format!(
            "{SECRET_PREFIX}{}",
            hex::encode(bytes)
        ))))
    }

    /// The secret text, for the one response that reveals it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Computes secret digests, keyed with the server pepper when one is configured.
#[derive(Debug, Clone)]
pub struct SecretHasher {
    key: Option<hmac::Key>,
}

impl SecretHasher {
    /// A hasher; `pepper` turns the digest into HMAC-SHA-256.
    pub fn new(pepper: Option<&SecretString>) -> Self {
        Self {
            key: pepper.map(|p| hmac::Key::new(hmac::HMAC_SHA256, p.expose_secret().as_bytes())),
        }
    }

    /// The 32-byte digest stored for `secret`.
    pub fn digest(&self, secret: &str) -> Vec<u8> {
        match &self.key {
            Some(key) => hmac::sign(key, secret.as_bytes()).as_ref().to_vec(),
            None => digest::digest(&digest::SHA256, secret.as_bytes())
                .as_ref()
                .to_vec(),
        }
    }

    /// Whether `presented` matches `stored`, compared in constant time.
    pub fn matches(&self, presented: &[u8], stored: &[u8]) -> bool {
        constant_time::verify_slices_are_equal(presented, stored).is_ok()
    }
}

/// What client authentication knows of an agent: enough to issue a token, nothing more.
#[derive(Debug, Clone)]
pub struct Client {
    /// The agent (and OAuth client) id.
    pub id: AgentId,
    /// Its tenant.
    pub tenant_id: super::ids::TenantId,
    /// Its lifecycle state; only active agents authenticate.
    pub status: super::agent::AgentStatus,
    /// The scopes it may request.
    pub allowed_scopes: super::scope::ScopeSet,
}

/// Whether a credential may still authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// Usable (unless expired).
    Active,
    /// Permanently unusable.
    Revoked,
}

impl CredentialStatus {
    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// One client credential of an agent. The secret digests never leave the domain.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Identifier.
    pub id: CredentialId,
    /// The agent it authenticates.
    pub agent_id: AgentId,
    /// Digest of the current secret.
    pub secret_hash: Vec<u8>,
    /// Digest of the secret replaced by the last rotation, valid until `previous_expires_at`.
    pub previous_secret_hash: Option<Vec<u8>>,
    /// End of the rotation grace period.
    pub previous_expires_at: Option<Timestamp>,
    /// Active or revoked.
    pub status: CredentialStatus,
    /// Creation time.
    pub created_at: Timestamp,
    /// Optional expiry of the current secret.
    pub expires_at: Option<Timestamp>,
    /// Time of the last rotation.
    pub rotated_at: Option<Timestamp>,
    /// Time of revocation.
    pub revoked_at: Option<Timestamp>,
    /// Last successful authentication with it.
    pub last_used_at: Option<Timestamp>,
}

impl Credential {
    /// A new active credential for `agent_id` holding the digest of a freshly generated secret.
    pub fn issue(
        hasher: &SecretHasher,
        agent_id: AgentId,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> DomainResult<(Self, ClientSecret)> {
        let secret = ClientSecret::generate()?;
        let credential = Self {
            id: CredentialId::new(),
            agent_id,
            secret_hash: hasher.digest(secret.expose()),
            previous_secret_hash: None,
            previous_expires_at: None,
            status: CredentialStatus::Active,
            created_at: now,
            expires_at,
            rotated_at: None,
            revoked_at: None,
            last_used_at: None,
        };
        Ok((credential, secret))
    }

    /// Whether `digest` authenticates with this credential at `now`: the current secret
    /// until it expires, or the previous one within its grace period.
    pub fn accepts(&self, hasher: &SecretHasher, digest: &[u8], now: Timestamp) -> bool {
        if self.status != CredentialStatus::Active {
            return false;
        }
        let current =
            hasher.matches(digest, &self.secret_hash) && self.expires_at.is_none_or(|e| e > now);
        let previous = match (&self.previous_secret_hash, self.previous_expires_at) {
            (Some(hash), Some(until)) => until > now && hasher.matches(digest, hash),
            _ => false,
        };
        current | previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(hasher: &SecretHasher, secret: &str) -> Credential {
        Credential {
            id: CredentialId::new(),
            agent_id: AgentId::new(),
            secret_hash: hasher.digest(secret),
            previous_secret_hash: None,
            previous_expires_at: None,
            status: CredentialStatus::Active,
            created_at: Timestamp::now(),
            expires_at: None,
            rotated_at: None,
            revoked_at: None,
            last_used_at: None,
        }
    }

    #[test]
    fn generated_secrets_have_the_documented_shape() {
        let s = ClientSecret::generate().expect("random");
        let hex_part = s.expose().strip_prefix(SECRET_PREFIX).expect("prefix");
        assert_eq!(hex_part.len(), 64);
        assert!(hex_part.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn a_pepper_changes_the_digest() {
        let plain = SecretHasher::new(None);
        let peppered = SecretHasher::new(Some(&SecretString::from("pepper")));
        assert_ne!(plain.digest("sk_live_x"), peppered.digest("sk_live_x"));
    }

    #[test]
    fn the_previous_secret_works_only_within_its_grace_period() {
        let h = SecretHasher::new(None);
        let now = Timestamp::now();
        let mut c = credential(&h, "new");
        c.previous_secret_hash = Some(h.digest("old"));
        c.previous_expires_at = Some(now.plus_seconds(10));
        assert!(c.accepts(&h, &h.digest("new"), now));
        assert!(c.accepts(&h, &h.digest("old"), now));
        assert!(!c.accepts(&h, &h.digest("old"), now.plus_seconds(11)));
        c.status = CredentialStatus::Revoked;
        assert!(!c.accepts(&h, &h.digest("new"), now));
    }

    #[test]
    fn an_expired_secret_is_refused() {
        let h = SecretHasher::new(None);
        let mut c = credential(&h, "s");
        let now = Timestamp::now();
        c.expires_at = Some(now);
        assert!(!c.accepts(&h, &h.digest("s"), now));
    }
}
