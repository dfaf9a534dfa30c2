//! `generate-key`, and reading the keys other commands take: a PKCS#8 PEM private key (whose
//! public part is registered, the private part never sent) or a public JWK file.

use std::io::Write as _;
use std::path::Path;

use sentryagent_sdk::PrivateKey;

use super::Ctx;
use crate::cli::{GenerateKeyArgs, Output, PublicKeyArgs};
use crate::error::CliError;
use crate::output;

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))
}

/// Reads a PKCS#8 PEM private key.
pub fn private_key(path: &Path) -> Result<PrivateKey, CliError> {
    PrivateKey::from_pem(&read(path)?)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// The public JWK `args` names, if any.
pub fn public_jwk(args: &PublicKeyArgs) -> Result<Option<serde_json::Value>, CliError> {
    if let Some(path) = &args.key {
        return Ok(Some(private_key(path)?.public_jwk()));
    }
    let Some(path) = &args.jwk else {
        return Ok(None);
    };
    let jwk = serde_json::from_str(&read(path)?)
        .map_err(|e| CliError::Usage(format!("{}: not JSON: {e}", path.display())))?;
    Ok(Some(jwk))
}

/// Runs `generate-key`: writes a new Ed25519 key (mode 0600 on Unix, never overwriting a
/// file) and prints its public JWK, ready for `create-credential --key`.
pub fn generate(ctx: &Ctx, args: GenerateKeyArgs) -> Result<(), CliError> {
    let key = PrivateKey::generate_ed25519()?;
    let pem = key.to_pkcs8_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&args.out)
        .map_err(|e| CliError::io(&args.out, e))?;
    file.write_all(pem.as_bytes())
        .map_err(|e| CliError::io(&args.out, e))?;
    if ctx.output == Output::Json {
        return output::json(&serde_json::json!({
            "privateKeyFile": args.out.display().to_string(),
            "kid": key.kid(),
            "publicJwk": key.public_jwk(),
        }));
    }
    println!("{}", key.public_jwk());
    eprintln!(
        "Private key written to {} (kid {}). Register it with: sentryagent create-credential \
         --agent-id <id> --key {}",
        args.out.display(),
        key.kid(),
        args.out.display()
    );
    Ok(())
}
