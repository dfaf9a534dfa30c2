//! Token signing keys: generation, PEM import, JWK export and the in-memory key ring.
//!
//! Keys are parsed once when the ring is loaded; signing never re-parses key material.
//! Every key's `kid` is its RFC 7638 JWK thumbprint, so the same key always has the same id.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
    UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use super::time::Timestamp;
use super::{DomainError, DomainResult};

/// A JWS algorithm this server signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys (widest verifier support).
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Algorithm {
    /// The JOSE `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Parses the `alg` of a client's key or assertion: this server's names, and `Ed25519`,
    /// the fully specified name RFC 9864 gives EdDSA over Ed25519 (what current JOSE
    /// libraries write).
    pub fn parse_client(name: &str) -> Option<Self> {
        match name {
            "Ed25519" => Some(Self::EdDsa),
            other => Self::parse(other),
        }
    }

    /// Parses a JOSE `alg` name (exact spelling).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            "EdDSA" => Some(Self::EdDsa),
            _ => None,
        }
    }
}

enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private key ready to sign, with its header already encoded.
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    material: Material,
    encoded_header: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn crypto(what: &str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> DomainError + '_ {
    move |_| DomainError::Crypto(what.to_owned())
}

fn rejected(e: aws_lc_rs::error::KeyRejected) -> DomainError {
    DomainError::Crypto(format!("key rejected: {e}"))
}

impl SigningKey {
    /// Generates a new key pair and returns it with its PKCS#8 DER encoding for storage.
    pub fn generate(alg: Algorithm) -> DomainResult<(Self, Vec<u8>)> {
        let rng = SystemRandom::new();
        let der = match alg {
            Algorithm::Rs256 => {
                let kp =
                    RsaKeyPair::generate(KeySize::Rsa2048).map_err(crypto("RSA key generation"))?;
                kp.as_der()
                    .map_err(crypto("RSA key encoding"))?
                    .as_ref()
                    .to_vec()
            }
            Algorithm::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(crypto("EC key generation"))?
                    .as_ref()
                    .to_vec()
            }
            Algorithm::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(crypto("Ed25519 key generation"))?
                .as_ref()
                .to_vec(),
        };
        Ok((Self::from_pkcs8(alg, &der)?, der))
    }

    /// Parses a PKCS#8 DER private key of the given algorithm.
    pub fn from_pkcs8(alg: Algorithm, der: &[u8]) -> DomainResult<Self> {
        let material = match alg {
            Algorithm::Rs256 => Material::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
            Algorithm::Es256 => Material::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(rejected)?,
            ),
            Algorithm::EdDsa => {
                Material::Ed(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?)
            }
        };
        Ok(Self::new(alg, material))
    }

    /// Parses a PEM private key: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or
    /// SEC1 (`EC PRIVATE KEY`). The PEM's type must fit `alg`.
    pub fn from_pem(alg: Algorithm, pem_text: &str) -> DomainResult<Self> {
        let block = pem::parse(pem_text).map_err(|e| DomainError::Crypto(format!("PEM: {e}")))?;
        match (block.tag(), alg) {
            ("PRIVATE KEY", _) => Self::from_pkcs8(alg, block.contents()),
            ("RSA PRIVATE KEY", Algorithm::Rs256) => Ok(Self::new(
                alg,
                Material::Rsa(RsaKeyPair::from_der(block.contents()).map_err(rejected)?),
            )),
            ("EC PRIVATE KEY", Algorithm::Es256) => Ok(Self::new(
                alg,
                Material::Ec(
                    EcdsaKeyPair::from_private_key_der(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        block.contents(),
                    )
                    .map_err(rejected)?,
                ),
            )),
            (tag, alg) => Err(DomainError::Crypto(format!(
                "a PEM block of type {tag:?} cannot hold an {} key",
                alg.as_str()
            ))),
        }
    }

    fn new(alg: Algorithm, material: Material) -> Self {
        let jwk = public_jwk(alg, &material);
        let kid = thumbprint(&jwk);
        let header = json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": kid});
        Self {
            encoded_header: B64.encode(header.to_string()),
            kid,
            alg,
            material,
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK (with `kid`, `alg`, `use`).
    pub fn jwk(&self) -> Value {
        let mut jwk = public_jwk(self.alg, &self.material);
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".into(), Value::String(self.kid.clone()));
            map.insert("alg".into(), Value::String(self.alg.as_str().into()));
            map.insert("use".into(), Value::String("sig".into()));
        }
        jwk
    }

    /// Produces a compact JWS over the JSON `claims`.
    pub fn sign_jws(&self, claims: &[u8]) -> DomainResult<String> {
        let mut out = String::with_capacity(self.encoded_header.len() + claims.len() * 4 / 3 + 360);
        out.push_str(&self.encoded_header);
        out.push('.');
        B64.encode_string(claims, &mut out);
        let signature = self.sign(out.as_bytes())?;
        out.push('.');
        B64.encode_string(signature, &mut out);
        Ok(out)
    }

    /// A JWS with a detached payload (RFC 7515 Appendix F): the protected header
    /// (`header` plus this key's `alg` and `kid`) and the signature, both base64url, over
    /// `payload`, which the verifier supplies itself (an agent card's canonical form, say).
    pub fn sign_detached(&self, header: Value, payload: &[u8]) -> DomainResult<(String, String)> {
        let mut header = header;
        header["alg"] = Value::String(self.alg.as_str().into());
        header["kid"] = Value::String(self.kid.clone());
        let protected = B64.encode(header.to_string());
        let mut signing_input = format!("{protected}.");
        B64.encode_string(payload, &mut signing_input);
        let signature = B64.encode(self.sign(signing_input.as_bytes())?);
        Ok((protected, signature))
    }

    fn sign(&self, message: &[u8]) -> DomainResult<Vec<u8>> {
        Ok(match &self.material {
            Material::Rsa(kp) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
                    .map_err(crypto("RSA signing"))?;
                sig
            }
            Material::Ec(kp) => kp
                .sign(&SystemRandom::new(), message)
                .map_err(crypto("ECDSA signing"))?
                .as_ref()
                .to_vec(),
            Material::Ed(kp) => kp.sign(message).as_ref().to_vec(),
        })
    }
}

fn public_jwk(alg: Algorithm, material: &Material) -> Value {
    match material {
        Material::Rsa(kp) => {
            let pk = kp.public_key();
            json!({
                "kty": "RSA",
                "n": B64.encode(pk.modulus().big_endian_without_leading_zero()),
                "e": B64.encode(pk.exponent().big_endian_without_leading_zero()),
            })
        }
        Material::Ec(kp) => {
            // Uncompressed SEC1 point: 0x04 || X (32 bytes) || Y (32 bytes).
            let point = kp.public_key().as_ref();
            let (x, y) = point
                .get(1..)
                .unwrap_or_default()
                .split_at(32.min(point.len().saturating_sub(1)));
            json!({"kty": "EC", "crv": "P-256", "x": B64.encode(x), "y": B64.encode(y)})
        }
        Material::Ed(kp) => {
            debug_assert_eq!(alg, Algorithm::EdDsa);
            json!({"kty": "OKP", "crv": "Ed25519", "x": B64.encode(kp.public_key().as_ref())})
        }
    }
}

/// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
pub fn thumbprint(jwk: &Value) -> String {
    let field = |k: &str| {
        jwk.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let canonical = match field("kty").as_str() {
        "RSA" => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            field("e"),
            field("n")
        ),
        "EC" => format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            field("x"),
            field("y")
        ),
        _ => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, field("x")),
    };
    B64.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        canonical.as_bytes(),
    ))
}

/// A public key that verifies signatures of one algorithm only (the algorithm is pinned).
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    public: Vec<u8>,
}

impl VerifyingKey {
    /// Builds the verifier from a stored public JWK.
    pub fn from_jwk(jwk: &Value) -> DomainResult<(String, Self)> {
        let get = |k: &str| -> DomainResult<Vec<u8>> {
            let s = jwk
                .get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| DomainError::Crypto(format!("JWK lacks {k}")))?;
            B64.decode(s)
                .map_err(|_| DomainError::Crypto(format!("JWK {k} is not base64url")))
        };
        let kid = jwk
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let alg = jwk
            .get("alg")
            .and_then(Value::as_str)
            .and_then(Algorithm::parse)
            .ok_or_else(|| DomainError::Crypto("JWK has no supported alg".into()))?;
        let public = match alg {
            Algorithm::Rs256 => rsa_public_key_der(&get("n")?, &get("e")?),
            Algorithm::Es256 => [vec![4u8], get("x")?, get("y")?].concat(),
            Algorithm::EdDsa => get("x")?,
        };
        Ok((kid, Self { alg, public }))
    }

    /// The pinned algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Checks `signature` over `message` with the pinned algorithm.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let alg: &dyn signature::VerificationAlgorithm = match self.alg {
            Algorithm::Rs256 => &RSA_PKCS1_2048_8192_SHA256,
            Algorithm::Es256 => &ECDSA_P256_SHA256_FIXED,
            Algorithm::EdDsa => &ED25519,
        };
        UnparsedPublicKey::new(alg, &self.public)
            .verify(message, signature)
            .is_ok()
    }
}

/// DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017).
pub(crate) fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn der_len(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    fn integer(out: &mut Vec<u8>, v: &[u8]) {
        let pad = v.first().is_some_and(|b| b & 0x80 != 0);
        out.push(0x02);
        der_len(out, v.len() + usize::from(pad));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(v);
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    integer(&mut body, n);
    integer(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(0x30);
    der_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

/// The keys in use: one active signer and every key still published in the JWKS.
#[derive(Debug)]
pub struct KeySet {
    /// The key that signs new tokens.
    pub active: Arc<SigningKey>,
    /// Verifiers by `kid`, including retired keys whose tokens may still be live.
    pub verifiers: HashMap<String, VerifyingKey>,
    /// The JWKS document (`{"keys": [...]}`), pre-rendered.
    pub jwks: Arc<Value>,
    /// When this set was loaded.
    pub loaded_at: Timestamp,
}

/// The shared, hot-swappable key set.
#[derive(Debug)]
pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
}

impl KeyRing {
    /// A ring holding `set`.
    pub fn new(set: KeySet) -> Self {
        Self {
            current: RwLock::new(Arc::new(set)),
        }
    }

    /// The current key set (cheap: one `Arc` clone).
    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the key set, e.g. after a rotation on another node.
    pub fn replace(&self, set: KeySet) {
        let set = Arc::new(set);
        match self.current.write() {
            Ok(mut guard) => *guard = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_and_its_jwk_verifies() {
        for alg in [Algorithm::Rs256, Algorithm::Es256, Algorithm::EdDsa] {
            let (key, der) = SigningKey::generate(alg).expect("generate");
            let (kid, verifier) = VerifyingKey::from_jwk(&key.jwk()).expect("jwk");
            assert_eq!(kid, key.kid());
            let jws = key.sign_jws(br#"{"sub":"x"}"#).expect("sign");
            let (signed, sig) = jws.rsplit_once('.').expect("three parts");
            let sig = B64.decode(sig).expect("b64");
            assert!(verifier.verify(signed.as_bytes(), &sig), "{alg:?}");
            assert!(!verifier.verify(b"tampered", &sig), "{alg:?}");
            let reparsed = SigningKey::from_pkcs8(alg, &der).expect("reparse");
            assert_eq!(reparsed.kid(), key.kid(), "kid is a stable thumbprint");
        }
    }

    #[test]
    fn a_verifier_is_pinned_to_its_algorithm() {
        let (rsa, _) = SigningKey::generate(Algorithm::Rs256).expect("generate");
        let (ed, _) = SigningKey::generate(Algorithm::EdDsa).expect("generate");
        let (_, rsa_verifier) = VerifyingKey::from_jwk(&rsa.jwk()).expect("jwk");
        let jws = ed.sign_jws(b"{}").expect("sign");
        let (signed, sig) = jws.rsplit_once('.').expect("parts");
        assert!(!rsa_verifier.verify(signed.as_bytes(), &B64.decode(sig).expect("b64")));
    }
}
