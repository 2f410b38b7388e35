//! Binding, serving and stopping.

use super::dispatch::{RawRequest, handle};
use super::state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use warp::Filter;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method};

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
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    let routes = warp::any()
        .and(warp::method())
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(warp::addr::remote())
        .and(warp::body::stream())
        .then(
            move |method: Method, path: FullPath, query: String, headers: HeaderMap, peer: Option<SocketAddr>, body| {
                let state = state.clone();
                async move {
                    handle(
                        state,
                        RawRequest {
                            method,
                            path: path.as_str().to_owned(),
                            query,
                            headers,
                            peer,
                            body,
                        },
                    )
                    .await
                }
            },
        );
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        warp::serve(routes)
            .incoming(listener)
            .graceful(async move {
                let _ = stopped.await;
            })
            .run()
            .await;
    });
    Ok(RunningServer {
        addr,
        shutdown: Some(shutdown),
        task,
    })
}
