//! `private_key_jwt` (RFC 7523 §2.2): an agent's private key, which signs a short-lived client
//! assertion for every token request instead of sending a secret.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// The `client_assertion_type` of a JWT client assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of each assertion: well under the 5 minutes the server accepts.
const ASSERTION_TTL_SECS: u64 = 60;

enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// An agent's private key (Ed25519, EC P-256 or RSA), loaded from PKCS#8 PEM. `Debug` shows
/// only its key id.
pub struct PrivateKey {
    material: Material,
    jwk: Value,
    kid: String,
    alg: &'static str,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a new Ed25519 key (the fastest to sign and verify).
    pub fn generate_ed25519() -> Result<Self> {
        let pair = Ed25519KeyPair::generate().map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self::new(Material::Ed(pair)))
    }

    /// The key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), what `from_pem` reads back.
    pub fn to_pkcs8_pem(&self) -> Result<String> {
        let der = match &self.material {
            Material::Ed(pair) => pair.to_pkcs8().map(|d| d.as_ref().to_vec()),
            Material::Ec(pair) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Material::Rsa(pair) => pair.as_der().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|e| Error::Config(format!("cannot encode the key: {e}")))?;
        Ok(pem::encode(&pem::Pem::new("PRIVATE KEY", der)))
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey`
    /// writes): Ed25519, EC P-256 or RSA of 2048 bits or more.
    pub fn from_pem(text: &str) -> Result<Self> {
        let block = pem::parse(text).map_err(|e| Error::Config(format!("not a PEM key: {e}")))?;
        if block.tag() != "PRIVATE KEY" {
            return Err(Error::Config(format!(
                "expected a PKCS#8 \"PRIVATE KEY\" PEM block, found {:?} (convert it with \
                 `openssl pkcs8 -topk8 -nocrypt`)",
                block.tag()
            )));
        }
        let der = block.contents();
        let material = if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            Material::Ed(pair)
        } else if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der) {
            Material::Ec(pair)
        } else if let Ok(pair) = RsaKeyPair::from_pkcs8(der) {
            Material::Rsa(pair)
        } else {
            return Err(Error::Config(
                "the key is not an Ed25519, P-256 or RSA (2048 bits or more) private key".into(),
            ));
        };
        Ok(Self::new(material))
    }

    fn new(material: Material) -> Self {
        let (jwk, alg) = match &material {
            Material::Rsa(pair) => {
                let public = pair.public_key();
                let n = B64.encode(public.modulus().big_endian_without_leading_zero());
                let e = B64.encode(public.exponent().big_endian_without_leading_zero());
                (json!({"e": e, "kty": "RSA", "n": n}), "RS256")
            }
            Material::Ec(pair) => {
                // Uncompressed SEC1 point: 0x04 || X (32 bytes) || Y (32 bytes).
                let point = pair.public_key().as_ref();
                let (x, y) = point
                    .get(1..)
                    .unwrap_or_default()
                    .split_at(32.min(point.len().saturating_sub(1)));
                (
                    json!({"crv": "P-256", "kty": "EC", "x": B64.encode(x), "y": B64.encode(y)}),
                    "ES256",
                )
            }
            Material::Ed(pair) => {
                let x = B64.encode(pair.public_key().as_ref());
                (json!({"crv": "Ed25519", "kty": "OKP", "x": x}), "EdDSA")
            }
        };
        // RFC 7638: the thumbprint hashes the required members in lexicographic order, which
        // is how serde_json (without preserve_order) writes an object built from them.
        let kid = B64.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            jwk.to_string().as_bytes(),
        ));
        Self {
            material,
            jwk,
            kid,
            alg,
        }
    }

    /// The public JWK to register as the agent's `public_key` credential (never the private
    /// part).
    pub fn public_jwk(&self) -> Value {
        self.jwk.clone()
    }

    /// The RFC 7638 thumbprint: the `kid` the server gives the registered key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A fresh client assertion for `client_id` addressed to `audience` (the token endpoint
    /// URL): `iss` = `sub` = the client, a random `jti`, 60 seconds of life.
    pub fn sign_assertion(&self, client_id: &str, audience: &str) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).map_err(|e| Error::Config(format!("random source: {e}")))?;
        let header = json!({"alg": self.alg, "typ": "JWT", "kid": self.kid});
        let claims = json!({
            "iss": client_id, "sub": client_id, "aud": audience,
            "iat": now, "exp": now + ASSERTION_TTL_SECS, "jti": B64.encode(jti),
        });
        let mut out = B64.encode(header.to_string());
        out.push('.');
        B64.encode_string(claims.to_string(), &mut out);
        let signature = match &self.material {
            Material::Rsa(pair) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    out.as_bytes(),
                    &mut sig,
                )
                .map_err(|e| Error::Config(format!("RSA signing: {e}")))?;
                sig
            }
            Material::Ec(pair) => pair
                .sign(&SystemRandom::new(), out.as_bytes())
                .map_err(|e| Error::Config(format!("ECDSA signing: {e}")))?
                .as_ref()
                .to_vec(),
            Material::Ed(pair) => pair.sign(out.as_bytes()).as_ref().to_vec(),
        };
        out.push('.');
        B64.encode_string(signature, &mut out);
        Ok(out)
    }
}
