//! An unknown user and a wrong password get the same 401 after the same time (auth.md
//! §12: no user enumeration), against the Planet Express slapd the test command starts.
//! Each refused password is answered after `fail2ban.failed_login_min_ms`; the test checks
//! that floor holds for both and that neither path stands out from the other.

mod common;

use common::{TestServer, ldap_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn timed(server: &TestServer, userid: &str) -> (Duration, Value) {
    let started = Instant::now();
    let answer = server
        .post(
            "/auth/auth",
            None,
            json!({"manager": "explicit", "provider": "planet", "userid": userid, "password": "not-the-password"}),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    (elapsed, answer.json().await.unwrap())
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_answer_alike_after_the_floor() {
    let ldap = std::env::var("LDAP_URL").expect("LDAP_URL is not set: run scripts/test.sh");
    let mut config = ldap_config(&ldap);
    config.fail2ban.enable = false;
    config.fail2ban.failed_login_min_ms = 400;
    let server = TestServer::with(config).await;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for _ in 0..3 {
        let (time, body) = timed(&server, "Nobody Of Planet Express").await;
        unknown.push((time, body));
        let (time, body) = timed(&server, "Philip J. Fry").await;
        wrong.push((time, body));
    }
    assert_eq!(unknown[0].1, wrong[0].1, "one message for both");
    let floor = Duration::from_millis(400);
    for (time, _) in unknown.iter().chain(&wrong) {
        assert!(*time >= floor, "{time:?} is under the floor");
    }
    let fastest = |times: &[(Duration, Value)]| times.iter().map(|(t, _)| *t).min().unwrap();
    let gap = fastest(&unknown).abs_diff(fastest(&wrong));
    assert!(
        gap < Duration::from_millis(150),
        "unknown {:?} vs wrong {:?}",
        fastest(&unknown),
        fastest(&wrong)
    );
}
