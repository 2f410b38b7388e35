//! `GET /API/core/progress`: a launch's progress as Server-Sent Events, through the
//! replica that launches or another one, ending after `stopinfo`.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// Reads the `data:` lines of an event stream until it ends (or 20 s pass).
async fn events(mut response: reqwest::Response) -> Vec<String> {
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the stream ends after stopinfo");
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| data.trim().to_owned())
        .collect()
}

async fn open(server: &TestServer, token: &str) -> reqwest::Response {
    server
        .client
        .get(server.url("/core/progress"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_launch_streams_its_progress_and_the_stream_ends() {
    let server = TestServer::start().await;
    let refused = server.client.get(server.url("/core/progress")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "the user's token is needed");

    let token = server.login_anonymous().await;
    let stream = open(&server, &token).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let reading = tokio::spawn(events(stream));
    tokio::time::sleep(Duration::from_millis(150)).await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let seen = reading.await.unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("stopinfo"), "{seen:?}");
    assert!(seen.len() >= 2, "messages before stopinfo: {seen:?}");

    // A launch that ended left stopinfo behind: a new stream waits for the next launch
    // instead of ending at once.
    let again = open(&server, &token).await;
    let reading = tokio::spawn(events(again));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!reading.is_finished(), "an old stopinfo does not end a new stream");
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let seen = reading.await.unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("stopinfo"), "{seen:?}");
    server.stop().await;
}
