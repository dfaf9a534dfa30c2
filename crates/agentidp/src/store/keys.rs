//! Signing-key rows. Private keys are PKCS#8 DER; PEM-provided keys store only the public JWK.

use super::audit::chain::append_events;
use super::{Db, StoreResult, from_row, in_tx, on_pool};
use crate::domain::audit::NewEvent;
use crate::domain::time::Timestamp;

/// A signing key as stored.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// JOSE algorithm name.
    pub algorithm: String,
    /// PKCS#8 DER, absent for keys loaded from a PEM file.
    pub private_key: Option<Vec<u8>>,
    /// The public JWK as JSON text.
    pub public_jwk: String,
    /// `active` or `retired`.
    pub status: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// When it stopped signing.
    pub retired_at: Option<Timestamp>,
}

from_row!(StoredKey {
    kid,
    algorithm,
    private_key,
    public_jwk,
    status,
    created_at,
    retired_at
});

/// Binds a [`StoredKey`]'s columns as `$1`..`$5`: kid, algorithm, private key, public JWK,
/// created at (the order of both inserts below).
macro_rules! bind_key {
    ($q:expr, $key:expr) => {
        $q.bind($key.kid.as_str())
            .bind($key.algorithm.as_str())
            .bind($key.private_key.as_deref())
            .bind($key.public_jwk.as_str())
            .bind($key.created_at)
    };
}

impl Db {
    /// Keys that are active or were retired after `retired_since` (still verifying tokens),
    /// newest first.
    pub async fn published_keys(&self, retired_since: Timestamp) -> StoreResult<Vec<StoredKey>> {
        const SQL: &str =
            "SELECT kid, algorithm, private_key, public_jwk, status, created_at, retired_at
            FROM signing_keys WHERE status = 'active' OR retired_at > $1 ORDER BY created_at DESC";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).bind(retired_since).fetch_all(p).await)?)
    }

    /// Stores `key` as the active key and retires every other active key.
    /// Re-adding a known key (same `kid`) re-activates it.
    pub async fn activate_key(&self, key: &StoredKey, events: &[NewEvent]) -> StoreResult<()> {
        const INSERT: &str =
            "INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, status, created_at)
            VALUES ($1, $2, $3, $4, 'active', $5)
            ON CONFLICT (kid) DO UPDATE SET status = 'active', retired_at = NULL";
        const RETIRE: &str = "UPDATE signing_keys SET status = 'retired', retired_at = $2
            WHERE status = 'active' AND kid <> $1";
        // Retire first: at most one key is active (a unique index on status), even in between.
        in_tx!(self, tx => {
            sqlx::query(RETIRE).bind(key.kid.as_str()).bind(key.created_at).execute(&mut *tx).await?;
            bind_key!(sqlx::query(INSERT), key).execute(&mut *tx).await?;
            append_events!(self, tx, events);
        });
        Ok(())
    }

    /// Stores `key` as the active key, with `events`, only while no key is active: of nodes
    /// starting together on an empty database one stores its key and the others (false, or a
    /// unique violation when they overlap) load that one.
    pub async fn activate_first_key(
        &self,
        key: &StoredKey,
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        const SQL: &str =
            "INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, status, created_at)
            SELECT $1, $2, $3, $4, 'active', $5
            WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE status = 'active')";
        let stored = in_tx!(self, tx => {
            let stored = bind_key!(sqlx::query(SQL), key)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if stored {
                append_events!(self, tx, events);
            }
            stored
        });
        Ok(stored)
    }

    /// Every stored private key (PEM-provided keys have none), by `kid`.
    pub async fn private_keys(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        const SQL: &str = "SELECT kid, private_key FROM signing_keys WHERE private_key IS NOT NULL ORDER BY created_at";
        Ok(on_pool!(self, p => sqlx::query_as(SQL).fetch_all(p).await)?)
    }

    /// Replaces the stored private key of `kid` if it still is `old` (another node may have
    /// re-encrypted it meanwhile), with `events`; whether it did.
    pub async fn replace_private_key(
        &self,
        kid: &str,
        old: &[u8],
        new: &[u8],
        events: &[NewEvent],
    ) -> StoreResult<bool> {
        const SQL: &str =
            "UPDATE signing_keys SET private_key = $3 WHERE kid = $1 AND private_key = $2";
        let replaced = in_tx!(self, tx => {
            let replaced = sqlx::query(SQL).bind(kid).bind(old).bind(new).execute(&mut *tx).await?.rows_affected() == 1;
            if replaced {
                append_events!(self, tx, events);
            }
            replaced
        });
        Ok(replaced)
    }
}
