//! Binding, serving and stopping. The accept loop is ours rather than warp's so that the
//! connections it keeps are bounded: a connection cap (accepting waits for a free slot,
//! the kernel backlog holds the rest), and a header-read timeout that also ends idle
//! keep-alive connections, so slow or idle sockets cannot exhaust file descriptors.

use super::dispatch::{RawRequest, handle};
use super::state::AppState;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use warp::Filter;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method};

/// The TCP peer of a request, handed from the accept loop to the route filter.
#[derive(Debug, Clone, Copy)]
struct Peer(SocketAddr);

/// Limits on the connections the server keeps.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most connections open at once.
    pub max_connections: usize,
    /// Longest wait for a request's headers, and longest idle time between requests.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(20),
        }
    }
}

/// A server running in the background.
pub struct RunningServer {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _already_stopping = shutdown.send(());
        }
        let _ = self.task.await;
    }

    /// Waits until the server stops (after a signal handled by the caller).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// A handle that stops the server when sent to.
    pub fn take_shutdown(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

/// Serves the API on `listener` until stopped.
pub fn start(state: Arc<AppState>, listener: TcpListener) -> std::io::Result<RunningServer> {
    let addr = listener.local_addr()?;
    let limits = state.settings.connections;
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    let routes = warp::any()
        .and(warp::method())
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<Peer>())
        .and(warp::body::stream())
        .then(
            move |method: Method, path: FullPath, query: String, headers: HeaderMap, peer: Option<Peer>, body| {
                let state = state.clone();
                async move {
                    handle(
                        state,
                        RawRequest {
                            method,
                            path: path.as_str().to_owned(),
                            query,
                            headers,
                            peer: peer.map(|Peer(addr)| addr),
                            body,
                        },
                    )
                    .await
                }
            },
        );
    let service = warp::service(routes);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(accept_loop(listener, service, limits, stopped));
    Ok(RunningServer {
        addr,
        shutdown: Some(shutdown),
        task,
    })
}

async fn accept_loop<S>(listener: TcpListener, service: S, limits: ConnectionLimits, stopped: oneshot::Receiver<()>)
where
    S: tower_service::Service<
            warp::http::Request<Incoming>,
            Response = warp::reply::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = &mut stopped => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // Out of file descriptors or a reset before accept: back off briefly
                // instead of spinning on the error.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = service.clone();
        let per_request = hyper::service::service_fn(move |mut request: warp::http::Request<Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            // warp's service is a cheap clone of the route filter and always ready.
            service.clone().call(request)
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(true);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), per_request));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
