//! Saved-heads files on disk, read and replaced atomically: where `audit verify --save-heads`
//! and the server's periodic verification keep chain heads out of the database's reach.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::domain::audit::heads::{ChainHead, HEADS_HEADER, parse_heads};

/// The heads saved in `path`; `None` if there is no such file yet. An unreadable or malformed
/// file is an error naming it, never an empty list: that would check nothing.
pub fn read(path: &Path) -> Result<Option<Vec<ChainHead>>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    parse_heads(&text)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Replaces `path` with `heads`, through a file renamed into place and the directory synced,
/// so that a crash midway leaves the previous heads or the new ones, never a mix.
pub fn write(path: &Path, heads: &[ChainHead]) -> Result<(), String> {
    let mut text = format!("{HEADS_HEADER}\n");
    for head in heads {
        text.push_str(&format!("{head}\n"));
    }
    // Per process, so that two writers (a server and a cron job) never share one.
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".{}.partial", std::process::id()));
    let partial = PathBuf::from(partial);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&partial, path)?;
        std::fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::domain::ids::TenantId;
    use crate::domain::time::Timestamp;

    fn dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("agentidp-heads-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn heads_written_read_back_and_a_missing_file_holds_none() {
        let dir = dir();
        let path = dir.join("heads");
        assert_eq!(read(&path), Ok(None));
        let head = ChainHead {
            tenant_id: TenantId::from_uuid(uuid::Uuid::now_v7()),
            seq: 4,
            hash: "ab".into(),
            occurred_at: Timestamp::from_micros(1_700_000_000_000_000),
        };
        write(&path, std::slice::from_ref(&head)).unwrap();
        assert_eq!(read(&path), Ok(Some(vec![head])));
        write(&path, &[]).unwrap();
        assert_eq!(read(&path), Ok(Some(vec![])));
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no partial file is left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_heads_file_is_an_error_naming_it() {
        let dir = dir();
        let path = dir.join("heads");
        std::fs::write(&path, "").unwrap();
        let err = read(&path).unwrap_err();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(read(&dir).is_err(), "a directory is not a heads file");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
