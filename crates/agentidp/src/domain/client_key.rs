//! Public keys registered as client credentials (`private_key_jwt`): validated once, when
//! registered, into a parsed verifier pinned to one algorithm.

use std::sync::Arc;

use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ED25519, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Map, Value, json};

use super::keys::{Algorithm, rsa_public_key_der, thumbprint};
use super::{DomainError, DomainResult};

/// JWK members that only a private or symmetric key has (RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/// Smallest and largest RSA modulus accepted, in bits.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// A client's public key: its public JWK (with `kid` = RFC 7638 thumbprint, `alg`, `use`)
/// and a verifier for the one algorithm that key type signs with here. Cheap to clone.
#[derive(Clone)]
pub struct ClientKey(Arc<Parsed>);

struct Parsed {
    kid: String,
    alg: Algorithm,
    jwk: Value,
    verifier: ParsedPublicKey,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("kid", &self.0.kid)
            .field("alg", &self.0.alg.as_str())
            .finish_non_exhaustive()
    }
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::Validation {
        field: "jwk",
        message: message.into(),
    }
}

/// A base64url member of the JWK, decoded.
fn member(jwk: &Map<String, Value>, name: &str) -> DomainResult<Vec<u8>> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("must have the member \"{name}\"")))?;
    B64.decode(text).map_err(|_| {
        invalid(format!(
            "member \"{name}\" is not base64url without padding"
        ))
    })
}

/// Refuses `name` unless it is absent or `expected`.
fn optional_is(jwk: &Map<String, Value>, name: &str, expected: &str) -> DomainResult<()> {
    match jwk.get(name) {
        None => Ok(()),
        Some(Value::String(s)) if s == expected => Ok(()),
        Some(other) => Err(invalid(format!(
            "\"{name}\" is {other}; this key can only be used with {expected:?}"
        ))),
    }
}

impl ClientKey {
    /// Validates a JWK a client registers: a public RSA (2048–8192 bits, RS256), EC P-256
    /// (ES256) or Ed25519 (EdDSA) key, with no private member. An `alg` or `use` given must
    /// agree with the key.
    pub fn parse(jwk: &Value) -> DomainResult<Self> {
        let Value::Object(map) = jwk else {
            return Err(invalid("must be a JSON Web Key object (RFC 7517)"));
        };
        if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| map.contains_key(**m)) {
            return Err(invalid(format!(
                "must be a public key: it holds the private member \"{private}\"; never send a \
                 private key to a server"
            )));
        }
        let kty = map.get("kty").and_then(Value::as_str).unwrap_or_default();
        let (alg, public, bytes) = match kty {
            "RSA" => {
                let (n, e) = (member(map, "n")?, member(map, "e")?);
                let n_trimmed: Vec<u8> = n.iter().copied().skip_while(|b| *b == 0).collect();
                let bits = n_trimmed.len() * 8
                    - n_trimmed.first().map_or(8, |b| b.leading_zeros() as usize);
                if !RSA_BITS.contains(&bits) {
                    return Err(invalid(format!(
                        "an RSA key must have 2048 to 8192 bits; this one has {bits}"
                    )));
                }
                let public =
                    json!({"kty": "RSA", "n": B64.encode(&n_trimmed), "e": B64.encode(&e)});
                (Algorithm::Rs256, public, rsa_public_key_der(&n_trimmed, &e))
            }
            "EC" => {
                optional_is(map, "crv", "P-256")?;
                if !map.contains_key("crv") {
                    return Err(invalid("an EC key must have \"crv\": \"P-256\""));
                }
                let (x, y) = (member(map, "x")?, member(map, "y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(invalid("a P-256 key has 32-byte \"x\" and \"y\""));
                }
                let public =
                    json!({"kty": "EC", "crv": "P-256", "x": B64.encode(&x), "y": B64.encode(&y)});
                (Algorithm::Es256, public, [vec![4u8], x, y].concat())
            }
            "OKP" => {
                optional_is(map, "crv", "Ed25519")?;
                if !map.contains_key("crv") {
                    return Err(invalid("an OKP key must have \"crv\": \"Ed25519\""));
                }
                let x = member(map, "x")?;
                if x.len() != 32 {
                    return Err(invalid("an Ed25519 key has a 32-byte \"x\""));
                }
                let public = json!({"kty": "OKP", "crv": "Ed25519", "x": B64.encode(&x)});
                (Algorithm::EdDsa, public, x)
            }
            _ => return Err(invalid("\"kty\" must be RSA, EC (P-256) or OKP (Ed25519)")),
        };
        if map
            .get("alg")
            .and_then(Value::as_str)
            .and_then(Algorithm::parse_client)
            != Some(alg)
        {
            optional_is(map, "alg", alg.as_str())?;
        }
        optional_is(map, "use", "sig")?;
        let verification: &'static dyn signature::VerificationAlgorithm = match alg {
            Algorithm::Rs256 => &RSA_PKCS1_2048_8192_SHA256,
            Algorithm::Es256 => &ECDSA_P256_SHA256_FIXED,
            Algorithm::EdDsa => &ED25519,
        };
        let verifier = ParsedPublicKey::new(verification, &bytes)
            .map_err(|e| invalid(format!("is not a valid {kty} public key: {e}")))?;
        let kid = thumbprint(&public);
        let mut jwk = public;
        if let Value::Object(m) = &mut jwk {
            m.insert("kid".into(), Value::String(kid.clone()));
            m.insert("alg".into(), Value::String(alg.as_str().into()));
            m.insert("use".into(), Value::String("sig".into()));
        }
        Ok(Self(Arc::new(Parsed {
            kid,
            alg,
            jwk,
            verifier,
        })))
    }

    /// Rebuilds a key from its stored JWK text.
    pub fn from_stored(text: &str) -> DomainResult<Self> {
        let jwk: Value = serde_json::from_str(text)
            .map_err(|e| DomainError::Crypto(format!("stored client key: {e}")))?;
        Self::parse(&jwk)
    }

    /// The RFC 7638 thumbprint, which is also the key's `kid`.
    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    /// The one algorithm this key verifies.
    pub fn alg(&self) -> Algorithm {
        self.0.alg
    }

    /// The public JWK as stored and shown (`kid`, `alg` and `use` included).
    pub fn jwk(&self) -> &Value {
        &self.0.jwk
    }

    /// The thumbprint's 32 bytes: what the credential row keeps as its verifier digest.
    pub fn thumbprint_bytes(&self) -> Vec<u8> {
        B64.decode(&self.0.kid).unwrap_or_default()
    }

    /// Whether `signature` over `message` is this key's, with its pinned algorithm.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verifier.verify_sig(message, signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keys::SigningKey;

    fn field_error(jwk: Value) -> String {
        match ClientKey::parse(&jwk) {
            Err(DomainError::Validation { field, message }) => {
                assert_eq!(field, "jwk");
                message
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn every_supported_key_type_parses_with_its_thumbprint_as_kid_and_verifies() {
        for alg in [Algorithm::Rs256, Algorithm::Es256, Algorithm::EdDsa] {
            let (signer, _) = SigningKey::generate(alg).expect("key");
            let key = ClientKey::parse(&signer.jwk()).expect("public JWK");
            assert_eq!(key.kid(), signer.kid());
            assert_eq!(key.alg(), alg);
            let jws = signer.sign_jws(b"{}").expect("sign");
            let (signed, sig) = jws.rsplit_once('.').expect("compact");
            assert!(key.verify(signed.as_bytes(), &B64.decode(sig).expect("b64")));
            assert!(!key.verify(b"other", &B64.decode(sig).expect("b64")));
        }
    }

    #[test]
    fn a_jwk_with_private_members_is_refused_naming_the_member() {
        let (signer, _) = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let mut jwk = signer.jwk();
        jwk["d"] = json!("AAAA");
        assert!(field_error(jwk).contains("private member \"d\""));
        assert!(field_error(json!({"kty": "oct", "k": "AAAA"})).contains("\"k\""));
    }

    #[test]
    fn weak_mismatched_or_malformed_keys_are_refused() {
        let (rsa, _) = SigningKey::generate(Algorithm::Rs256).expect("key");
        let mut short = rsa.jwk();
        short["n"] = json!(B64.encode([0xffu8; 128]));
        assert!(field_error(short).contains("1024"));
        let mut wrong_alg = rsa.jwk();
        wrong_alg["alg"] = json!("HS256");
        assert!(field_error(wrong_alg).contains("RS256"));
        let (ec, _) = SigningKey::generate(Algorithm::Es256).expect("key");
        let mut off_curve = ec.jwk();
        off_curve["y"] = json!(B64.encode([1u8; 32]));
        assert!(field_error(off_curve).contains("not a valid EC public key"));
        assert!(
            field_error(json!({"kty": "EC", "crv": "P-384", "x": "", "y": ""})).contains("P-256")
        );
        assert!(field_error(json!("a string")).contains("JSON Web Key"));
    }
}
