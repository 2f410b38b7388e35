//! The ban policy and the client-address rules, seen from outside.

mod common;

use common::{TestServer, assert_http_error, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn strict_bans() -> deskplane::config::Config {
    let mut config = shipped_config();
    config.fail2ban.enable = true;
    config.fail2ban.failsbeforeban = 3;
    config
}

#[tokio::test]
async fn repeated_bad_tokens_ban_the_address_before_any_login() {
    let server = TestServer::with(strict_bans()).await;
    for _ in 0..3 {
        let response = server.post("/core/getmessageinfo", Some("forged"), json!({})).await;
        assert_http_error(response, StatusCode::UNAUTHORIZED, "user is not authenticated").await;
    }
    let banned = server
        .post("/auth/auth", None, json!({"manager": null, "provider": "anonymous"}))
        .await;
    assert_http_error(banned, StatusCode::UNAUTHORIZED, "ip address is banned").await;
    let status: Value = server.get_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(status["count"], 3, "pyos never counted past 1");
    assert_eq!(status["isban"], true);
    let list: Value = server.get_json("/manager/ban/ipaddr").await;
    assert_eq!(list[0]["id"], "127.0.0.1");
    let lifted: Value = server.delete_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(lifted["n"], 1);
    let again = server
        .post("/auth/auth", None, json!({"manager": null, "provider": "anonymous"}))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn operators_ban_logins_and_the_user_is_refused() {
    let server = TestServer::with(strict_bans()).await;
    let token = server.login_anonymous().await;
    let me: Value = server
        .post_json("/user/whoami", Some(&token), json!({}), StatusCode::OK)
        .await;
    let userid = me["userid"].as_str().unwrap().to_owned();
    let banned: Value = server.post_empty_json(&format!("/manager/ban/login/{userid}")).await;
    assert_eq!(banned["ok"], 1.0);
    let refused = server.post("/composer/launchdesktop", Some(&token), json!({})).await;
    assert_http_error(refused, StatusCode::UNAUTHORIZED, "user is banned").await;
    let v6 = server
        .client
        .post(server.url("/manager/ban/ipaddr/2001:db8::1"))
        .header("Content-Length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        v6.status(),
        StatusCode::OK,
        "IPv6 addresses can be banned (pyos refused them)"
    );
    let cleared = server
        .client
        .delete(server.url("/manager/ban/ipaddr"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn forwarded_headers_only_count_through_a_trusted_proxy() {
    // No trusted proxies: the peer (127.0.0.1) is the client whatever the headers say.
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let response = server
        .client
        .post(server.url("/auth/labels"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .header("X-Forwarded-For", "10.9.9.9")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let labels: Value = response.json().await.unwrap();
    assert_eq!(labels["result"]["ipsource"], "127.0.0.1");
    let spoofed_login = server
        .post_with(
            "/auth/auth",
            &[("X-Forwarded-For", "10.9.9.9")],
            json!({"provider": "anonymous"}),
        )
        .await;
    let body: Value = spoofed_login.json().await.unwrap();
    let claims = decode_payload(body["result"]["jwt_user_token"].as_str().unwrap());
    assert!(
        claims["auth"]["data"]["labels"].get("tennetwork").is_none(),
        "a forged header cannot earn the 10.0.0.0/8 label"
    );
    server.stop().await;

    // Loopback is a trusted proxy: its forwarded client counts, and a forged chain is refused.
    let mut config = strict_bans();
    config.trusted_proxy_cidr = vec!["127.0.0.0/8".into()];
    let server = TestServer::with(config).await;
    let through_proxy = server
        .post_with(
            "/auth/auth",
            &[("X-Forwarded-For", "10.9.9.9")],
            json!({"provider": "anonymous"}),
        )
        .await;
    let body: Value = through_proxy.json().await.unwrap();
    let claims = decode_payload(body["result"]["jwt_user_token"].as_str().unwrap());
    assert_eq!(claims["auth"]["data"]["labels"]["tennetwork"], "true");
    assert_eq!(claims["auth"]["data"]["labels"]["ipsource"], "10.9.9.9");
    let forged = server
        .post_with(
            "/auth/auth",
            &[("X-Forwarded-For", "1.2.3.4, 10.9.9.9")],
            json!({"provider": "anonymous"}),
        )
        .await;
    assert_http_error(
        forged,
        StatusCode::UNAUTHORIZED,
        "spoofed X-Forwarded-For header detected",
    )
    .await;
    let status: Value = server.get_json("/manager/ban/ipaddr/10.9.9.9").await;
    assert_eq!(
        status["count"], 1,
        "the failure counts against the real client, not the forged 1.2.3.4"
    );
    let token = server.login_anonymous().await;
    let description = server
        .post_with(
            "/composer/getdesktopdescription",
            &[
                ("ABCAuthorization", &format!("Bearer {token}")),
                ("X-Forwarded-For", "1.2.3.4, 10.9.9.9"),
            ],
            json!({}),
        )
        .await;
    assert_http_error(
        description,
        StatusCode::UNAUTHORIZED,
        "spoofed X-Forwarded-For header detected",
    )
    .await;
    let status = server.get_json("/manager/ban/ipaddr/10.9.9.9").await;
    assert_eq!(status["count"], 2, "one spoofed request counts one failure");
    server.stop().await;
}

fn decode_payload(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
