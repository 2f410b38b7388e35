//! The accept loop: plain HTTP/1.1 or HTTPS, with upgrades (exec's websocket) and a stop.

use crate::tls::ServingTls;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_service::Service;
use warp::http::Request;
use warp::reply::Response;

/// Serves `service` on every connection `listener` accepts until `stopped` fires.
pub async fn accept_loop<S>(listener: TcpListener, service: S, tls: Option<ServingTls>, stopped: oneshot::Receiver<()>)
where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        let service = service.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(tls) => {
                    // A client that fails the handshake (an untrusted CA, plain HTTP) just
                    // loses its connection, as with a real API server.
                    if let Ok(stream) = tls.acceptor.accept(stream).await {
                        serve_connection(TokioIo::new(stream), service).await;
                    }
                }
                None => serve_connection(TokioIo::new(stream), service).await,
            }
        });
    }
}

async fn serve_connection<S, I>(io: TokioIo<I>, service: S)
where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let per_request = hyper::service::service_fn(move |request| service.clone().call(request));
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, per_request)
        .with_upgrades()
        .await;
}
