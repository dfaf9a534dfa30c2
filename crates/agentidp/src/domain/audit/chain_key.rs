//! Keyed audit chains: links hashed with HMAC-SHA-256 under a key kept outside the database
//! (`AUDIT_CHAIN_KEY`), so that someone who can write the database can no longer alter an
//! event and recompute the chain after it.
//!
//! A keyed link's hash reads `hmac-sha256:<key id>:<64 hex digits>`; an unkeyed one is the 64
//! hex digits of plain SHA-256, as before keys existed. The key id (a digest of the key) lets
//! verification tell a wrong key from an altered event. Once a chain holds a keyed link, every
//! later link must be keyed, and never with a key retired before one an earlier link used:
//! rewriting the tail unkeyed, or under a retired key that leaked, is a downgrade, reported as
//! broken. Retired keys (`AUDIT_CHAIN_RETIRED_KEYS`) keep verifying the links they made.

use aws_lc_rs::{digest, hmac};
use secrecy::{ExposeSecret, SecretBox, SecretString};

use super::Checkpoint;
use crate::domain::ids::TenantId;

/// What starts the hash of a keyed link.
pub const KEYED_PREFIX: &str = "hmac-sha256:";

/// Hex digits of a key id: 64 bits of a digest of the key.
const KEY_ID_DIGITS: usize = 16;

/// Length of what precedes the digest in a keyed link's hash: the prefix, the key id, a colon.
pub const KEYED_HEADER_LEN: usize = KEYED_PREFIX.len() + KEY_ID_DIGITS + 1;

/// Shortest key accepted: the HMAC-SHA-256 output size, as RFC 2104 §3 recommends.
pub const MIN_KEY_BYTES: usize = 32;

/// What starts a checkpoint's MAC input; no link's input (a previous hash) starts with it.
const CHECKPOINT_LABEL: &[u8] = b"agentidp audit checkpoint\n";

/// Domain separation for the key id, so the id is never a digest an HMAC could reuse.
const KEY_ID_LABEL: &[u8] = b"agentidp audit chain key id\n";

/// The audit chain key: a secret of at least [`MIN_KEY_BYTES`] bytes.
#[derive(Clone)]
pub struct ChainKey {
    key: hmac::Key,
    id: String,
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainKey").field("id", &self.id).finish()
    }
}

impl ChainKey {
    /// Parses a key given as hexadecimal (`openssl rand -hex 32`).
    pub fn from_hex(text: &SecretString) -> Result<Self, String> {
        let bytes = SecretBox::new(
            hex::decode(text.expose_secret().trim())
                .map_err(|_| "a chain key must be hexadecimal (openssl rand -hex 32)")?
                .into_boxed_slice(),
        );
        let bytes = bytes.expose_secret();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "a chain key must hold at least {MIN_KEY_BYTES} bytes ({} hex digits); \
                 generate one with `openssl rand -hex 32`",
                MIN_KEY_BYTES * 2
            ));
        }
        let mut id = digest::Context::new(&digest::SHA256);
        id.update(KEY_ID_LABEL);
        id.update(bytes);
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
            id: hex::encode(&id.finish().as_ref()[..KEY_ID_DIGITS / 2]),
        })
    }

    /// The key's public id, stored in every link it hashed.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The keyed hash of a link: HMAC over the previous hash, a newline and the event's
    /// canonical encoding.
    pub(crate) fn link_hash(&self, prev_hash: &str, canonical: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(prev_hash.as_bytes());
        ctx.update(b"\n");
        ctx.update(canonical.as_bytes());
        format!("{KEYED_PREFIX}{}:{}", self.id, hex::encode(ctx.sign()))
    }

    /// The MAC of a retention checkpoint: chain `tenant` resumes after position `seq`, whose
    /// hash is `hash`.
    pub fn checkpoint_mac(&self, tenant: TenantId, seq: i64, hash: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(CHECKPOINT_LABEL);
        ctx.update(format!("{tenant}\n{seq}\n{hash}").as_bytes());
        format!("{KEYED_PREFIX}{}:{}", self.id, hex::encode(ctx.sign()))
    }
}

/// The chain keys a node holds: the current one, which hashes every new link, and the retired
/// ones, most recently retired first, which still verify the links they made.
#[derive(Debug, Clone)]
pub struct ChainKeys {
    current: ChainKey,
    retired: Vec<ChainKey>,
}

impl ChainKeys {
    /// The keyring of `current` and `retired` (most recently retired first).
    pub fn new(current: ChainKey, retired: Vec<ChainKey>) -> Result<Self, String> {
        let keys = Self { current, retired };
        for (n, (_, key)) in keys.by_age().enumerate() {
            if keys.by_age().take(n).any(|(_, k)| k.id == key.id) {
                return Err(format!("audit chain key {} is configured twice", key.id));
            }
        }
        Ok(keys)
    }

    /// The key new links are hashed with.
    pub fn current(&self) -> &ChainKey {
        &self.current
    }

    /// The key with this id and its age: 0 for the current key, 1 for the most recently
    /// retired one, and so on.
    pub fn find(&self, id: &str) -> Option<(usize, &ChainKey)> {
        self.by_age().find(|(_, k)| k.id == id)
    }

    fn by_age(&self) -> impl Iterator<Item = (usize, &ChainKey)> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .enumerate()
    }
}

/// How a stored link's hash was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind<'a> {
    /// Plain SHA-256.
    Unkeyed,
    /// HMAC-SHA-256 under the key with this id.
    Keyed(&'a str),
}

impl<'a> HashKind<'a> {
    /// Reads the kind off a stored hash.
    pub fn of(hash: &'a str) -> Self {
        match hash
            .strip_prefix(KEYED_PREFIX)
            .and_then(|r| r.split_once(':'))
        {
            Some((id, _)) => Self::Keyed(id),
            None => Self::Unkeyed,
        }
    }
}

/// What chain verification accepts of unkeyed links when a key is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyPolicy {
    /// Accept unkeyed links at the start of a chain, before its first keyed one: the events
    /// written before the key was configured. Off by default, since a chain rewritten entirely
    /// unkeyed would then pass; needed only until those events leave the retention window.
    pub accept_unkeyed_prefix: bool,
}

/// The age of the newest key among the links verified so far: `None` before any keyed link,
/// [`UNKNOWN_AGE`] after a keyed checkpoint whose key the node does not hold.
pub type NewestKey = Option<usize>;

/// The age given to a key the node does not hold: older than every key it does.
pub const UNKNOWN_AGE: usize = usize::MAX;

/// The age of the key that made `hash`: `None` if it is unkeyed, [`UNKNOWN_AGE`] if `keys`
/// do not hold that key.
pub(crate) fn key_age(hash: &str, keys: Option<&ChainKeys>) -> NewestKey {
    match HashKind::of(hash) {
        HashKind::Keyed(id) => Some(
            keys.and_then(|k| k.find(id))
                .map_or(UNKNOWN_AGE, |(age, _)| age),
        ),
        HashKind::Unkeyed => None,
    }
}

/// Decides how one link must be recomputed: with a key of `keys` (`Ok(Some((age, key)))`),
/// unkeyed (`Ok(None)`), or not at all, because its kind is not acceptable after the links
/// before it (`Err`, the reason).
pub(crate) fn link_key<'k>(
    kind: HashKind<'_>,
    keys: Option<&'k ChainKeys>,
    newest: NewestKey,
    policy: VerifyPolicy,
) -> Result<Option<(usize, &'k ChainKey)>, String> {
    match (kind, keys) {
        (HashKind::Keyed(id), Some(keys)) => match keys.find(id) {
            Some((age, _)) if newest.is_some_and(|n| age > n) => Err(format!(
                "it is keyed with key {id}, retired before the key of an earlier event (the \
                 chain was downgraded)"
            )),
            Some(found) => Ok(Some(found)),
            None => Err(format!(
                "it is keyed with key {id}, which is neither AUDIT_CHAIN_KEY ({}) nor in \
                 AUDIT_CHAIN_RETIRED_KEYS",
                keys.current().id()
            )),
        },
        (HashKind::Keyed(id), None) => Err(format!(
            "it is keyed with key {id}; set AUDIT_CHAIN_KEY to verify it"
        )),
        (HashKind::Unkeyed, _) if newest.is_some() => {
            Err("it is unkeyed after keyed events (the chain was downgraded)".into())
        }
        (HashKind::Unkeyed, Some(_)) if !policy.accept_unkeyed_prefix => Err(
            "it is unkeyed although AUDIT_CHAIN_KEY is set (events from before the key: \
             --accept-unkeyed-prefix)"
                .into(),
        ),
        (HashKind::Unkeyed, _) => Ok(None),
    }
}

/// Checks the retention checkpoint a chain resumes at. With keys, its MAC must be one of
/// theirs, made with a key no older than the one that made the checkpoint's hash (so a leaked
/// retired key cannot move a chain's start past links of its successor). A checkpoint without
/// a MAC passes only if its hash is unkeyed and the policy accepts events from before the key.
/// `Err` is the reason it does not pass.
pub(crate) fn check_checkpoint(
    tenant: TenantId,
    checkpoint: &Checkpoint,
    keys: Option<&ChainKeys>,
    policy: VerifyPolicy,
) -> Result<(), String> {
    let at = checkpoint.seq;
    let hash_kind = HashKind::of(&checkpoint.hash);
    let Some(mac) = &checkpoint.mac else {
        return match (keys, hash_kind) {
            (Some(_), HashKind::Keyed(_)) => Err(format!(
                "the chain resumes at a retention checkpoint after {at} without a MAC, though \
                 the event there is keyed"
            )),
            (Some(_), HashKind::Unkeyed) if !policy.accept_unkeyed_prefix => Err(format!(
                "the chain resumes at a retention checkpoint after {at} without a MAC, although \
                 AUDIT_CHAIN_KEY is set (from before the key: --accept-unkeyed-prefix)"
            )),
            _ => Ok(()),
        };
    };
    let HashKind::Keyed(id) = HashKind::of(mac) else {
        return Err(format!(
            "the retention checkpoint after {at} has a malformed MAC"
        ));
    };
    let Some((mac_age, key)) = keys.and_then(|k| k.find(id)) else {
        return Err(format!(
            "the retention checkpoint after {at} is authenticated with key {id}, which this \
             node's AUDIT_CHAIN_KEY and AUDIT_CHAIN_RETIRED_KEYS do not hold"
        ));
    };
    if mac_age > key_age(&checkpoint.hash, keys).unwrap_or(UNKNOWN_AGE) {
        return Err(format!(
            "the retention checkpoint after {at} is authenticated with key {id}, retired before \
             the key of the event there (forged with a retired key?)"
        ));
    }
    if key.checkpoint_mac(tenant, at, &checkpoint.hash) != *mac {
        return Err(format!(
            "the retention checkpoint after {at} does not match its MAC (forged or altered)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> ChainKey {
        ChainKey::from_hex(&SecretString::from(hex::encode([byte; 32]))).expect("valid key")
    }

    #[test]
    fn a_keyed_hash_names_its_key_and_depends_on_it() {
        let (a, b) = (key(1), key(2));
        let h = a.link_hash("prev", "{}");
        assert_eq!(HashKind::of(&h), HashKind::Keyed(a.id()));
        assert_eq!(h.len(), KEYED_HEADER_LEN + 64);
        assert_ne!(h, b.link_hash("prev", "{}"));
        assert_ne!(h, a.link_hash("other", "{}"));
        assert_eq!(HashKind::of(&"0".repeat(64)), HashKind::Unkeyed);
    }

    #[test]
    fn short_or_malformed_keys_are_refused_with_how_to_make_one() {
        for bad in ["zz", &"ab".repeat(31)] {
            let err = ChainKey::from_hex(&SecretString::from(bad.to_owned()))
                .expect_err("a bad key is refused");
            assert!(err.contains("openssl rand -hex 32"), "{err}");
        }
        assert!(!format!("{:?}", key(1)).contains(&hex::encode([1u8; 32])));
    }

    #[test]
    fn unkeyed_links_pass_only_before_keyed_ones_and_only_when_accepted() {
        let keys = ChainKeys::new(key(1), vec![]).expect("keyring");
        let strict = VerifyPolicy::default();
        let lenient = VerifyPolicy {
            accept_unkeyed_prefix: true,
        };
        let check = |kind, keys, newest, policy| {
            link_key(kind, keys, newest, policy).map(|k| k.map(|(age, _)| age))
        };
        assert_eq!(check(HashKind::Unkeyed, None, None, strict), Ok(None));
        assert!(check(HashKind::Unkeyed, Some(&keys), None, strict).is_err());
        assert_eq!(
            check(HashKind::Unkeyed, Some(&keys), None, lenient),
            Ok(None)
        );
        assert!(check(HashKind::Unkeyed, Some(&keys), Some(0), lenient).is_err());
        let mine = HashKind::Keyed(keys.current().id());
        assert_eq!(check(mine, Some(&keys), None, strict), Ok(Some(0)));
        let stranger = key(2);
        assert!(check(HashKind::Keyed(stranger.id()), Some(&keys), None, strict).is_err());
        assert!(check(mine, None, None, strict).is_err());
    }

    #[test]
    fn a_retired_key_verifies_its_links_but_none_after_a_newer_keys() {
        let (old, new) = (key(1), key(2));
        let keys = ChainKeys::new(new.clone(), vec![old.clone()]).expect("keyring");
        let strict = VerifyPolicy::default();
        let age =
            |kind, newest| link_key(kind, Some(&keys), newest, strict).map(|k| k.map(|(a, _)| a));
        assert_eq!(age(HashKind::Keyed(old.id()), None), Ok(Some(1)));
        assert_eq!(age(HashKind::Keyed(new.id()), Some(1)), Ok(Some(0)));
        assert!(
            age(HashKind::Keyed(old.id()), Some(0)).is_err(),
            "back to the retired key"
        );
        assert_eq!(
            age(HashKind::Keyed(new.id()), Some(UNKNOWN_AGE)),
            Ok(Some(0))
        );
        assert!(
            ChainKeys::new(new.clone(), vec![new]).is_err(),
            "one key twice"
        );
    }
}
