//! Slow and idle sockets cannot exhaust the server: header-read and idle timeouts, a
//! body deadline, and a connection cap.

mod common;

use common::{TestServer, shipped_config};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn tight_limits() -> deskplane::config::Config {
    let mut config = shipped_config();
    config.server.header_read_timeout_seconds = 1;
    config.server.body_read_timeout_seconds = 1;
    config.server.max_connections = 4;
    config
}

fn address(server: &TestServer) -> String {
    server
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/API")
        .to_owned()
}

/// Reads until the server closes the socket; returns what it sent and how long it took.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server never closed the socket");
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

#[tokio::test]
async fn idle_and_slow_header_sockets_are_closed() {
    let server = TestServer::with(tight_limits()).await;
    let mut idle = TcpStream::connect(address(&server)).await.unwrap();
    let mut slow = TcpStream::connect(address(&server)).await.unwrap();
    slow.write_all(b"GET /API/healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, idle_for) = until_closed(&mut idle).await;
    let (_, slow_for) = until_closed(&mut slow).await;
    assert!(idle_for < Duration::from_secs(5), "{idle_for:?}");
    assert!(slow_for < Duration::from_secs(5), "{slow_for:?}");
    // A kept-alive connection that goes quiet after a request is closed too.
    let mut kept = TcpStream::connect(address(&server)).await.unwrap();
    kept.write_all(b"GET /API/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let server = TestServer::with(tight_limits()).await;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    stream
        .write_all(b"POST /API/auth/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"provider\"")
        .await
        .unwrap();
    let (answer, _) = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Request body timeout"), "a JSON envelope: {answer}");
    server.stop().await;
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

#[tokio::test]
async fn the_connection_cap_holds_and_the_server_keeps_serving() {
    let server = TestServer::with(tight_limits()).await;
    let before = open_descriptors();
    let mut idle = Vec::new();
    for _ in 0..24 {
        idle.push(TcpStream::connect(address(&server)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let grown = open_descriptors() - before;
    // 24 client sockets are ours; the server may hold at most 4 more (an uncapped one
    // would hold 24; tests share one descriptor table, so other tests add a little noise).
    assert!(
        grown < 24 + 16,
        "the server accepted beyond its cap: {grown} new descriptors"
    );
    // The idle sockets time out one slot at a time; a real request is then served.
    let started = Instant::now();
    let health = reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(idle);
    server.stop().await;
}
