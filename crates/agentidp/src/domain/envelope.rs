//! Secrets at rest: AES-256-GCM under a key-encryption key (`KEY_ENCRYPTION_KEY`) kept outside
//! the database, so a dump or a stolen backup holds no usable private key. Each sealed value
//! names the key that sealed it, so the key can be rotated (`KEY_ENCRYPTION_RETIRED_KEYS`), and
//! binds its owner's id as associated data, so a sealed value moved to another row fails to open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};

/// What starts every sealed value; anything else is a value stored before encryption.
const MAGIC: &[u8] = b"agentidp-aead-v1:";
/// Hex characters of a key's id (the start of its SHA-256).
const ID_LEN: usize = 16;

/// Why a value could not be sealed or opened, or a key not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// A configured key is not 32 bytes of hex.
    #[error("{0}: a key-encryption key is 32 bytes as 64 hex characters (openssl rand -hex 32)")]
    BadKey(String),
    /// A sealed value and no key configured.
    #[error("{owner} is encrypted with key-encryption key {id}, but KEY_ENCRYPTION_KEY is not set")]
    NoKey {
        /// Whose value (e.g. `signing key <kid>`).
        owner: String,
        /// The id of the key that sealed it.
        id: String,
    },
    /// Sealed under a key that is neither current nor retired.
    #[error(
        "{owner} is encrypted with key-encryption key {id}, which is neither KEY_ENCRYPTION_KEY nor one of KEY_ENCRYPTION_RETIRED_KEYS"
    )]
    UnknownKey {
        /// Whose value (e.g. `signing key <kid>`).
        owner: String,
        /// The id of the key that sealed it.
        id: String,
    },
    /// The right key id, but the value does not decrypt: altered, or moved from another row.
    #[error(
        "{owner} does not decrypt under key-encryption key {id}: the stored value was altered or belongs to another key"
    )]
    Corrupt {
        /// Whose value (e.g. `signing key <kid>`).
        owner: String,
        /// The id of the key that sealed it.
        id: String,
    },
    /// Sealing failed (the random source or the cipher).
    #[error("encryption failed")]
    Seal,
}

/// One key-encryption key.
struct Kek {
    id: String,
    key: LessSafeKey,
}

impl Kek {
    fn from_hex(hex: &str, name: &str) -> Result<Self, EnvelopeError> {
        let bad = || EnvelopeError::BadKey(name.to_owned());
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(bad());
        }
        let bytes = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| bad())?;
        let id = digest(&SHA256, &bytes).as_ref()[..ID_LEN / 2]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| bad())?);
        Ok(Self { id, key })
    }
}

/// The configured key-encryption keys: the current one seals, every one opens.
#[derive(Default)]
pub struct Envelope {
    current: Option<Kek>,
    retired: Vec<Kek>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("current", &self.current.as_ref().map(|k| &k.id))
            .field(
                "retired",
                &self.retired.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A value as read back: its bytes, and whether it must be sealed again (stored in plain text,
/// or under a retired key).
#[derive(Debug)]
pub struct Opened {
    /// The value.
    pub plaintext: Vec<u8>,
    /// Whether it is not sealed under the current key (plain text, or a retired key).
    pub needs_resealing: bool,
}

impl Envelope {
    /// The keys of `KEY_ENCRYPTION_KEY` and `KEY_ENCRYPTION_RETIRED_KEYS` (comma-separated).
    pub fn from_config(
        current: Option<&SecretString>,
        retired: Option<&SecretString>,
    ) -> Result<Self, EnvelopeError> {
        let current = current
            .map(|k| Kek::from_hex(k.expose_secret(), "KEY_ENCRYPTION_KEY"))
            .transpose()?;
        let retired = retired
            .map(|list| {
                list.expose_secret()
                    .split(',')
                    .filter(|k| !k.trim().is_empty())
                    .enumerate()
                    .map(|(n, k)| {
                        Kek::from_hex(k, &format!("KEY_ENCRYPTION_RETIRED_KEYS, key {}", n + 1))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        if current.is_none() && !retired.is_empty() {
            return Err(EnvelopeError::BadKey(
                "KEY_ENCRYPTION_RETIRED_KEYS needs KEY_ENCRYPTION_KEY, the key new values use"
                    .into(),
            ));
        }
        Ok(Self { current, retired })
    }

    /// Whether values are sealed (a current key is configured).
    pub fn enabled(&self) -> bool {
        self.current.is_some()
    }

    /// The current key's id, if any.
    pub fn current_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// `plaintext` sealed under the current key with `owner` (e.g. the key id) as associated
    /// data; unchanged when no key is configured.
    pub fn seal(&self, plaintext: &[u8], owner: &str) -> Result<Vec<u8>, EnvelopeError> {
        let Some(kek) = &self.current else {
            return Ok(plaintext.to_vec());
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| EnvelopeError::Seal)?;
        let mut body = plaintext.to_vec();
        kek.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut body,
            )
            .map_err(|_| EnvelopeError::Seal)?;
        let mut out = Vec::with_capacity(MAGIC.len() + ID_LEN + 1 + NONCE_LEN + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(kek.id.as_bytes());
        out.push(b':');
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Whether `stored` is a sealed value (rather than one stored before encryption).
    pub fn is_sealed(stored: &[u8]) -> bool {
        stored.starts_with(MAGIC)
    }

    /// The plaintext of `stored`, sealed for `owner`, or of a value stored in plain text.
    pub fn open(&self, stored: &[u8], owner: &str) -> Result<Opened, EnvelopeError> {
        let Some(rest) = stored.strip_prefix(MAGIC) else {
            return Ok(Opened {
                plaintext: stored.to_vec(),
                needs_resealing: self.enabled(),
            });
        };
        let corrupt = |id: &str| EnvelopeError::Corrupt {
            owner: owner.to_owned(),
            id: id.to_owned(),
        };
        if rest.len() < ID_LEN + 1 + NONCE_LEN || rest[ID_LEN] != b':' {
            return Err(corrupt("?"));
        }
        let id = String::from_utf8_lossy(&rest[..ID_LEN]).into_owned();
        let kek = self
            .current
            .iter()
            .chain(&self.retired)
            .find(|k| k.id == id)
            .ok_or_else(|| match self.current {
                None => EnvelopeError::NoKey {
                    owner: owner.to_owned(),
                    id: id.clone(),
                },
                Some(_) => EnvelopeError::UnknownKey {
                    owner: owner.to_owned(),
                    id: id.clone(),
                },
            })?;
        let (nonce, body) = rest[ID_LEN + 1..].split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt(&id))?;
        let mut body = body.to_vec();
        let plaintext = kek
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut body)
            .map_err(|_| corrupt(&id))?
            .to_vec();
        Ok(Opened {
            plaintext,
            needs_resealing: self.current_id() != Some(id.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn envelope(current: &str, retired: &[&str]) -> Envelope {
        let retired = (!retired.is_empty()).then(|| SecretString::from(retired.join(",")));
        Envelope::from_config(
            Some(&SecretString::from(current.to_owned())),
            retired.as_ref(),
        )
        .unwrap()
    }

    const A: &str = "0101010101010101010101010101010101010101010101010101010101010101";
    const B: &str = "0202020202020202020202020202020202020202020202020202020202020202";

    #[test]
    fn a_sealed_value_opens_for_its_owner_only_and_hides_the_plaintext() {
        let e = envelope(A, &[]);
        let sealed = e.seal(b"private key bytes", "kid-1").unwrap();
        assert!(Envelope::is_sealed(&sealed));
        assert!(!sealed.windows(7).any(|w| w == b"private"));
        let opened = e.open(&sealed, "kid-1").unwrap();
        assert_eq!(opened.plaintext, b"private key bytes");
        assert!(!opened.needs_resealing);
        assert!(matches!(
            e.open(&sealed, "kid-2"),
            Err(EnvelopeError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_retired_key_still_opens_and_asks_for_resealing_while_a_wrong_key_is_named() {
        let sealed = envelope(A, &[]).seal(b"secret", "kid").unwrap();
        let rotated = envelope(B, &[A]);
        let opened = rotated.open(&sealed, "kid").unwrap();
        assert_eq!(opened.plaintext, b"secret");
        assert!(opened.needs_resealing);
        let wrong = envelope(B, &[]).open(&sealed, "kid").unwrap_err();
        assert!(matches!(wrong, EnvelopeError::UnknownKey { .. }), "{wrong}");
        let none = Envelope::default().open(&sealed, "kid").unwrap_err();
        assert!(matches!(none, EnvelopeError::NoKey { .. }), "{none}");
    }

    #[test]
    fn plain_values_pass_through_and_keys_must_be_32_bytes_of_hex() {
        assert_eq!(Envelope::default().seal(b"x", "k").unwrap(), b"x");
        assert!(envelope(A, &[]).open(b"x", "k").unwrap().needs_resealing);
        for bad in ["", "abcd", &A[..62], &"zz".repeat(32)] {
            assert!(
                Envelope::from_config(Some(&SecretString::from(bad.to_owned())), None).is_err(),
                "{bad}"
            );
        }
        assert!(Envelope::from_config(None, Some(&SecretString::from(A.to_owned()))).is_err());
    }
}
