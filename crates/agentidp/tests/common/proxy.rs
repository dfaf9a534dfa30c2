//! A TCP proxy in front of the real PostgreSQL server that a test can cut and restore, to
//! make the database unreachable without stopping the server other tests share.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

const OPEN: u8 = 0;
const REFUSE: u8 = 1;
const STALL: u8 = 2;

/// A cuttable TCP proxy on a loopback port.
pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    links: Arc<Mutex<JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port and forwards to `target` while open.
    pub async fn start(target: String, open: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mode = Arc::new(AtomicU8::new(if open { OPEN } else { REFUSE }));
        let links = Arc::new(Mutex::new(JoinSet::new()));
        let accept = {
            let (mode, links) = (Arc::clone(&mode), Arc::clone(&links));
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    match mode.load(Ordering::SeqCst) {
                        REFUSE => {
                            drop(inbound);
                            continue;
                        }
                        STALL => {
                            // Accept and never answer, like a host that stopped responding.
                            links.lock().await.spawn(async move {
                                let _held = inbound;
                                std::future::pending::<()>().await;
                            });
                            continue;
                        }
                        _ => {}
                    }
                    let target = target.clone();
                    links.lock().await.spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            })
        };
        Self {
            port,
            mode,
            links,
            accept,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub async fn cut(&self) {
        self.mode.store(REFUSE, Ordering::SeqCst);
        self.links.lock().await.abort_all();
    }

    /// Drops every open connection; new ones are accepted but never answered.
    pub async fn stall(&self) {
        self.mode.store(STALL, Ordering::SeqCst);
        self.links.lock().await.abort_all();
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.mode.store(OPEN, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
