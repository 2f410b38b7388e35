//! Spawn limits: launches per user and minute, from whatever addresses, answer 429 with
//! `Retry-After` and the JSON envelope the front end shows.

mod common;

use common::{TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_user_over_the_launch_rate_gets_429_with_retry_after() {
    let mut config = shipped_config();
    config.rate_limit.launches_per_user_per_minute = 2;
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    for _ in 0..2 {
        let launch = server
            .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
            .await;
        assert_eq!(launch["status"], 200, "{launch}");
    }
    let limited = server.post("/composer/launchdesktop", Some(&token), json!({})).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["status"], 429, "{body}");
    assert!(body["message"].as_str().unwrap().contains("retry in"), "{body}");

    let other = server.login_anonymous().await;
    let launch = server
        .post_json("/composer/launchdesktop", Some(&other), json!({}), StatusCode::OK)
        .await;
    assert_eq!(launch["status"], 200, "another user has a count of their own");
}
