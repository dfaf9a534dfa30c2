//! Loading, refreshing and rotating the signing key set from storage (or a PEM file).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{ServiceError, ServiceResult};
use crate::domain::DomainError;
use crate::domain::audit::{Action, NewEvent, RequestMeta, SYSTEM_TENANT};
use crate::domain::envelope::Envelope;
use crate::domain::keys::{Algorithm, KeySet, SigningKey, VerifyingKey};
use crate::domain::time::Timestamp;
use crate::store::{Db, StoreError, StoredKey};

/// Where signing keys come from.
#[derive(Debug, Clone)]
pub struct KeySettings {
    /// The algorithm new tokens are signed with.
    pub algorithm: Algorithm,
    /// A PEM private key to sign with instead of generated keys.
    pub pem_file: Option<PathBuf>,
    /// Token lifetime: retired keys stay published this long (plus a minute of slack).
    pub token_ttl_secs: i64,
    /// The key-encryption keys the private halves are stored under.
    pub envelope: Arc<Envelope>,
}

impl KeySettings {
    /// A generated key's private half as it is stored: sealed when a key-encryption key is set.
    fn seal(&self, key: &SigningKey, der: &[u8]) -> ServiceResult<Vec<u8>> {
        Ok(self
            .envelope
            .seal(der, key.kid())
            .map_err(|e| DomainError::Crypto(e.to_string()))?)
    }
}

fn stored(key: &SigningKey, private_key: Option<Vec<u8>>) -> StoredKey {
    StoredKey {
        kid: key.kid().to_owned(),
        algorithm: key.alg().as_str().to_owned(),
        private_key,
        public_jwk: key.jwk().to_string(),
        status: "active".into(),
        created_at: Timestamp::now(),
        retired_at: None,
    }
}

/// The `key.rotated` event (system chain) of a newly active key.
fn key_event(key: &SigningKey, reason: &str) -> NewEvent {
    NewEvent::new(
        SYSTEM_TENANT,
        "operator",
        Action::KeyRotated,
        &RequestMeta::default(),
        Timestamp::now(),
    )
    .with("kid", key.kid())
    .with("alg", key.alg().as_str())
    .with("reason", reason)
}

/// Generates a new key of the configured algorithm and makes it the active one; the old
/// keys stay published until their tokens have expired. Returns the new `kid`.
pub async fn rotate(db: &Db, settings: &KeySettings) -> ServiceResult<String> {
    if settings.pem_file.is_some() {
        return Err(DomainError::Crypto(
            "the signing key comes from JWT_PRIVATE_KEY_FILE: replace that file and restart to rotate".into(),
        )
        .into());
    }
    if !settings.envelope.enabled()
        && db
            .private_keys()
            .await?
            .iter()
            .any(|(_, blob)| Envelope::is_sealed(blob))
    {
        // A key stored in plain text beside encrypted ones would undo the encryption.
        return Err(DomainError::Crypto(
            "the stored signing keys are encrypted: set KEY_ENCRYPTION_KEY to rotate".into(),
        )
        .into());
    }
    let (key, der) = SigningKey::generate(settings.algorithm)?;
    let sealed = settings.seal(&key, &der)?;
    db.activate_key(&stored(&key, Some(sealed)), &[key_event(&key, "rotate")])
        .await?;
    Ok(key.kid().to_owned())
}

/// Loads the key set. On first use it creates (or imports from PEM) the active key;
/// `current` lets a refresh keep the already-parsed signer when it is unchanged.
pub async fn load(
    db: &Db,
    settings: &KeySettings,
    current: Option<Arc<SigningKey>>,
) -> ServiceResult<KeySet> {
    match load_once(db, settings, current.clone()).await {
        Ok(Some(set)) => Ok(set),
        // Another node stored the first key at the same moment (at most one key is active):
        // the second pass finds that key and signs with it.
        Ok(None) | Err(ServiceError::Store(StoreError::UniqueViolation(_))) => {
            load_once(db, settings, current).await?.ok_or_else(|| {
                DomainError::Crypto("no active signing key, though another node stored one".into())
                    .into()
            })
        }
        Err(e) => Err(e),
    }
}

/// One pass of [`load`]; `None` when another node stored the first key before this one.
async fn load_once(
    db: &Db,
    settings: &KeySettings,
    current: Option<Arc<SigningKey>>,
) -> ServiceResult<Option<KeySet>> {
    let now = Timestamp::now();
    let retired_since = now.plus_seconds(-(settings.token_ttl_secs + 60));
    let mut rows = db.published_keys(retired_since).await?;

    let pem_key = match &settings.pem_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| DomainError::Crypto(format!("cannot read {}: {e}", path.display())))?;
            let key = SigningKey::from_pem(settings.algorithm, &text)?;
            if !rows
                .iter()
                .any(|r| r.kid == key.kid() && r.status == "active")
            {
                db.activate_key(&stored(&key, None), &[key_event(&key, "pem")])
                    .await?;
                rows = db.published_keys(retired_since).await?;
            }
            Some(Arc::new(key))
        }
        None => None,
    };

    let wanted = settings.algorithm.as_str();
    let generated = |r: &&StoredKey| r.status == "active" && r.private_key.is_some();
    // The database's active key is what every node signs with. One of another algorithm than
    // this node's (`keys rotate` run with another JWT_ALGORITHM) is adopted too: keeping the
    // previous key instead would sign with a retired key, which leaves the key set once its
    // tokens have expired, and from then on every token this node issued would be refused.
    let newest_generated = rows
        .iter()
        .filter(generated)
        .find(|r| r.algorithm == wanted)
        .or_else(|| rows.iter().find(generated));
    let active = match (pem_key, newest_generated, current) {
        (Some(pem), _, _) => pem,
        (None, Some(row), Some(cur)) if cur.kid() == row.kid => cur,
        (None, Some(row), _) => {
            let algorithm = Algorithm::parse(&row.algorithm).ok_or_else(|| {
                DomainError::Crypto(format!("stored key {} has an unknown algorithm", row.kid))
            })?;
            if algorithm != settings.algorithm {
                tracing::warn!(
                    kid = row.kid,
                    alg = row.algorithm,
                    configured = wanted,
                    "the active signing key's algorithm is not JWT_ALGORITHM; signing with it"
                );
            }
            let opened = settings
                .envelope
                .open(row.private_key.as_deref().unwrap_or_default(), &row.kid)
                .map_err(|e| DomainError::Crypto(format!("signing key: {e}")))?;
            if opened.needs_resealing {
                tracing::warn!(
                    kid = row.kid,
                    "the signing key is not encrypted under KEY_ENCRYPTION_KEY: run `agentidp keys encrypt`"
                );
            }
            Arc::new(SigningKey::from_pkcs8(algorithm, &opened.plaintext)?)
        }
        (None, None, Some(cur)) => cur,
        (None, None, None) => {
            let (key, der) = SigningKey::generate(settings.algorithm)?;
            let sealed = settings.seal(&key, &der)?;
            let first = stored(&key, Some(sealed));
            if !db
                .activate_first_key(&first, &[key_event(&key, "initial")])
                .await?
            {
                return Ok(None);
            }
            tracing::info!(kid = key.kid(), alg = wanted, "generated a new signing key");
            rows = db.published_keys(retired_since).await?;
            Arc::new(key)
        }
    };

    let mut verifiers = HashMap::new();
    let mut jwks = Vec::new();
    for row in &rows {
        let jwk: Value = serde_json::from_str(&row.public_jwk)
            .map_err(|e| DomainError::Crypto(format!("stored JWK {} is not JSON: {e}", row.kid)))?;
        let (kid, verifier) = VerifyingKey::from_jwk(&jwk)?;
        verifiers.insert(kid, verifier);
        jwks.push(jwk);
    }
    Ok(Some(KeySet {
        active,
        verifiers,
        jwks: Arc::new(json!({ "keys": jwks })),
        loaded_at: now,
    }))
}

/// Encrypts every stored private key under the current key-encryption key: those stored in
/// plain text and those under a retired one. Returns how many it changed; each change is a
/// `key.encrypted` event. Fails, changing nothing more, on a key no configured key opens.
pub async fn encrypt_stored(db: &Db, settings: &KeySettings) -> ServiceResult<usize> {
    let envelope = &settings.envelope;
    let Some(kek) = envelope.current_id() else {
        return Err(DomainError::Crypto(
            "KEY_ENCRYPTION_KEY is not set: there is nothing to encrypt under".into(),
        )
        .into());
    };
    let mut changed = 0;
    for (kid, stored) in db.private_keys().await? {
        let opened = envelope
            .open(&stored, &kid)
            .map_err(|e| DomainError::Crypto(format!("signing key: {e}")))?;
        if !opened.needs_resealing {
            continue;
        }
        let sealed = envelope
            .seal(&opened.plaintext, &kid)
            .map_err(|e| DomainError::Crypto(e.to_string()))?;
        let event = NewEvent::new(
            SYSTEM_TENANT,
            "operator",
            Action::KeyEncrypted,
            &RequestMeta::default(),
            Timestamp::now(),
        )
        .with("kid", kid.as_str())
        .with("key_encryption_key", kek);
        if db
            .replace_private_key(&kid, &stored, &sealed, &[event])
            .await?
        {
            changed += 1;
        }
    }
    Ok(changed)
}
