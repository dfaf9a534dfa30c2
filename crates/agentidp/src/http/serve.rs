//! The HTTP/1.1 listener: accepts connections up to a cap, closes those that do not send a
//! complete request head in time, and drains the open ones on shutdown.
//!
//! `axum::serve` offers neither a header-read timeout nor a connection cap, so a client that
//! opens connections and sends half a request head could hold them forever. This loop is
//! hyper's own connection builder with its timer set, which is what enables hyper's
//! header-read timeout (it also bounds how long an idle keep-alive connection waits for its
//! next request).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

/// Most header fields hyper itself accepts. Above [`super::ops::MAX_HEADER_FIELDS`] so that
/// requests between the two limits are refused by the router with a JSON body; only a request
/// beyond this one gets hyper's bodiless 431.
const HYPER_MAX_HEADERS: usize = 512;

/// How the listener treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ListenerSettings {
    /// How long a connection may take to send a complete request head (and how long an idle
    /// keep-alive connection waits for its next one) before it is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for the open
/// connections to finish their requests (the caller bounds that wait). Every request carries
/// the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ListenerSettings,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_headers(HYPER_MAX_HEADERS);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        let Some((stream, peer, permit)) = accepted else {
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req.map(Body::new))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Waits for a free connection slot, then for a connection. `None` after an accept error,
/// which is logged; errors such as running out of file descriptors are followed by a pause
/// so that the loop does not spin while they last.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> Option<(
    tokio::net::TcpStream,
    SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
)> {
    let permit = Arc::clone(permits).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => {
            let _ = stream.set_nodelay(true);
            Some((stream, peer, permit))
        }
        Err(e) if is_per_connection(&e) => None,
        Err(e) => {
            tracing::error!(error = %e, "accept failed; pausing for a second");
            tokio::time::sleep(Duration::from_secs(1)).await;
            None
        }
    }
}

/// Errors that concern only the connection being accepted (it was reset before we took it).
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::ConnectionRefused | K::ConnectionAborted | K::ConnectionReset
    )
}
