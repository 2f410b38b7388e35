//! Binding, serving and stopping. The accept loop is ours rather than warp's so that the
//! connections it keeps are bounded: a connection cap (accepting waits for a free slot,
//! the kernel backlog holds the rest), and a header-read timeout that also ends idle
//! keep-alive connections, so slow or idle sockets cannot exhaust file descriptors.

use super::dispatch::{RawRequest, handle};
use super::state::AppState;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use warp::http::Request;
use warp::reply::Response;

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
    // The single-process replica directory answers this address (port 0 made real).
    let _already_set = state.listening.set(addr);
    let limits = state.settings.connections;
    // Each request goes straight to the dispatcher, its parts moved in (warp's filter
    // chain cloned the header map and polled a dozen combinators per request: a third of
    // what a healthz answer cost).
    let write_behind = state.write_behind.clone();
    let handler = move |request: Request<Incoming>, peer: SocketAddr| {
        let state = state.clone();
        async move {
            let (parts, body) = request.into_parts();
            let raw = RawRequest {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or_default().to_owned(),
                headers: parts.headers,
                peer: Some(peer),
                body: http_body_util::BodyDataStream::new(body),
            };
            Ok::<_, Infallible>(handle(state, raw).await)
        }
    };
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        accept_loop(listener, handler, limits, stopped).await;
        // The requests are answered: what they queued (login history, counters) is
        // written before the process may exit, so a restart loses none of it.
        for backend in write_behind {
            if let Err(error) = backend.flush().await {
                tracing::warn!(%error, backend = backend.backend(), "queued writes lost at shutdown");
            }
        }
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(shutdown),
        task,
    })
}

async fn accept_loop<H, F>(listener: TcpListener, handler: H, limits: ConnectionLimits, stopped: oneshot::Receiver<()>)
where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Clone + Send + 'static,
    F: Future<Output = Result<Response, Infallible>> + Send + 'static,
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
        let handler = handler.clone();
        let per_request = hyper::service::service_fn(move |request: Request<Incoming>| handler(request, peer));
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
