//! The CLI's error: one line for the user and an exit code.

use std::path::Path;

use sentryagent_sdk::Error as SdkError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No usable configuration.
    #[error("Not configured. Run sentryagent configure first.")]
    NotConfigured,
    /// Bad input that clap could not catch.
    #[error("{0}")]
    Usage(String),
    /// The user answered no.
    #[error("Aborted.")]
    Aborted,
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The server refused, or could not be reached.
    #[error(transparent)]
    Api(#[from] SdkError),
}

impl CliError {
    /// A file error, naming the file.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The process exit code: 1 for server and network errors, 2 for usage, 3 when not
    /// configured, 4 when the user declined.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Api(_) | Self::Io { .. } => 1,
            Self::Usage(_) => 2,
            Self::NotConfigured => 3,
            Self::Aborted => 4,
        }
    }

    /// The one line printed on stderr: the server's code and message, and the HTTP status.
    pub fn line(&self) -> String {
        match self {
            Self::Api(SdkError::Api {
                status,
                code,
                message,
                ..
            }) => format!("Error: {code}: {message} (HTTP {status})"),
            Self::Api(SdkError::OAuth {
                status,
                error,
                description,
                ..
            }) => format!("Error: {error}: {description} (HTTP {status})"),
            Self::NotConfigured | Self::Aborted => self.to_string(),
            other => format!("Error: {other}"),
        }
    }
}
