//! The saved configuration (`~/.sentryagent/config.json`, mode 0600) and how environment
//! variables override it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// What `configure` saves: where the server is and the admin agent's credentials.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The server's base URL.
    pub api_url: String,
    /// The admin agent's client id.
    pub client_id: String,
    /// The admin agent's client secret.
    pub client_secret: String,
}

impl Config {
    /// The file: `--config`/`SENTRYAGENT_CONFIG`, else `~/.sentryagent/config.json`.
    pub fn path(explicit: Option<&Path>) -> Result<PathBuf, CliError> {
        if let Some(p) = explicit {
            return Ok(p.to_owned());
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or_else(|| CliError::Usage("HOME is not set; pass --config PATH".into()))?;
        Ok(PathBuf::from(home).join(".sentryagent").join("config.json"))
    }

    /// The saved file, if there is one.
    pub fn read(path: &Path) -> Result<Option<Self>, CliError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                CliError::Usage(format!(
                    "{} is not a valid configuration ({e}); run sentryagent configure again",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::io(path, e)),
        }
    }

    /// The configuration commands use: the file, with `SENTRYAGENT_API_URL`,
    /// `SENTRYAGENT_CLIENT_ID` and `SENTRYAGENT_CLIENT_SECRET` taking precedence.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let mut config = Self::read(path)?.unwrap_or_default();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(v) = env("SENTRYAGENT_API_URL") {
            config.api_url = v;
        }
        if let Some(v) = env("SENTRYAGENT_CLIENT_ID") {
            config.client_id = v;
        }
        if let Some(v) = env("SENTRYAGENT_CLIENT_SECRET") {
            config.client_secret = v;
        }
        if config.api_url.is_empty()
            || config.client_id.is_empty()
            || config.client_secret.is_empty()
        {
            return Err(CliError::NotConfigured);
        }
        Ok(config)
    }

    /// Writes the file readable by its owner only (0600, directory 0700), atomically.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            create_private_dir(dir).map_err(|e| CliError::io(dir, e))?;
        }
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let _ = std::fs::remove_file(&tmp);
            let mut file = private_file(&tmp)?;
            file.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| CliError::io(path, e))
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
