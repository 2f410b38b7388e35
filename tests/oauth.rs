//! The external manager end to end against oauth2-mock-server (`scripts/services.sh`
//! starts it; `OIDC_ISSUER` says where): `getauthconfig` hands out an authorization URL
//! with a fresh state and a PKCE challenge, the provider sends the browser back with a
//! code, and the callback logs the user in once; replayed, forged, missing or another
//! provider's states are refused.

mod common;

use common::{Captured, TestServer, shipped_file};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn server() -> TestServer {
    let issuer = std::env::var("OIDC_ISSUER").expect("OIDC_ISSUER is not set: run scripts/test.sh");
    let config = shipped_file(
        "oauth.toml",
        vec![(
            "DESKPLANE__authmanagers__external__providers__mock__issuer".into(),
            issuer,
        )],
    );
    TestServer::with(config).await
}

/// What the login page and the browser do: read `dialog_url`, follow it, and come back
/// with the provider's redirect, rewritten to this test server. Returns the callback path.
async fn authorize(server: &TestServer, login: &str) -> String {
    let config = server
        .post_json("/auth/getauthconfig", None, json!({}), StatusCode::OK)
        .await;
    let external = config["managers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "external")
        .unwrap();
    let mock = &external["providers"][0];
    let dialog = mock["dialog_url"].as_str().unwrap();
    for part in [
        "state=",
        "code_challenge=",
        "code_challenge_method=S256",
        "client_id=deskplane",
    ] {
        assert!(dialog.contains(part), "{part} in {dialog}");
    }
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = browser
        .get(format!("{dialog}&login_hint={login}"))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::FOUND);
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let query = location
        .strip_prefix("http://localhost:8000/API/auth/oauth?")
        .unwrap_or_else(|| panic!("{location}"));
    assert!(query.contains(&format!("state={}", mock["state"].as_str().unwrap())));
    format!("/auth/oauth?{query}")
}

#[tokio::test]
async fn a_user_logs_in_through_the_provider_once() {
    let server = server().await;
    let callback = authorize(&server, "bob").await;
    let page = server.get(&callback).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html;charset=utf-8");
    assert!(page.headers()["refresh"].to_str().unwrap().starts_with("5; url="));
    let html = page.text().await.unwrap();
    let token = html
        .split("var jwt_user_token=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let me: Value = server
        .post_json("/user/whoami", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(
        (me["userid"].clone(), me["provider"].clone()),
        (json!("bob"), json!("mock"))
    );
    let launched = server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(launched["status"], 200);

    let replayed = server.get(&callback).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED, "a state is used once");
    server.stop().await;
}

/// Nothing of the OAuth flow reaches a log line at TRACE level: not the state, the code,
/// the client secret, nor any JWT (the provider's id_token and the user token both start
/// `eyJ`, which no log line of this binary may hold).
#[tokio::test]
async fn the_oauth_flow_logs_no_secret() {
    let logs = Captured::everything();
    let server = server().await;
    let callback = authorize(&server, "carol").await;
    let page = server.get(&callback).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("var jwt_user_token=\"eyJ"), "{html}");
    assert_eq!(server.get(&callback).await.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
    let query: Vec<(String, String)> = form_urlencoded::parse(callback.split_once('?').unwrap().1.as_bytes())
        .into_owned()
        .collect();
    let value = |name: &str| query.iter().find(|(key, _)| key == name).unwrap().1.clone();
    let text = logs.text();
    assert!(text.contains("/API/auth/oauth"), "the callback was not logged at all");
    for (what, secret) in [
        ("state", value("state")),
        ("code", value("code")),
        ("client secret", "not-checked-by-the-mock".to_owned()),
        ("a JWT", "eyJ".to_owned()),
    ] {
        assert!(!text.contains(&secret), "{what} reached the logs");
    }
}

#[tokio::test]
async fn forged_missing_and_foreign_states_are_refused() {
    let server = server().await;
    let callback = authorize(&server, "alice").await;
    let forged = callback.replace("state=", "state=forged");
    let missing: String = callback
        .split('&')
        .filter(|part| !part.starts_with("state="))
        .collect::<Vec<_>>()
        .join("&");
    let foreign = callback.replace("provider=mock", "provider=other");
    for (what, path) in [("forged", forged), ("missing", missing), ("foreign", foreign)] {
        let refused = server.get(&path).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{what}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(
            body["message"], "invalid or expired state, please log in again",
            "{what}"
        );
    }
    let refused_by_provider = server.get("/auth/oauth?error=access_denied&state=x").await;
    assert_eq!(refused_by_provider.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

/// `getauthconfig` stores a state per OAuth provider in the shared cache and needs no
/// credentials: one address gets `rate_limit.oauth_states_per_minute` of them a minute,
/// then 429 with `Retry-After`; other addresses are not affected.
#[tokio::test]
async fn getauthconfig_is_rate_limited_per_address() {
    let issuer = std::env::var("OIDC_ISSUER").expect("OIDC_ISSUER is not set: run scripts/test.sh");
    let mut config = shipped_file(
        "oauth.toml",
        vec![(
            "DESKPLANE__authmanagers__external__providers__mock__issuer".into(),
            issuer,
        )],
    );
    config.rate_limit.oauth_states_per_minute = 3;
    config.trusted_proxy_cidr = vec!["127.0.0.1/32".into()];
    let server = TestServer::with(config).await;
    let ask = |address: &'static str| {
        server
            .client
            .post(server.url("/auth/getauthconfig"))
            .header("X-Forwarded-For", address)
            .json(&json!({}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(ask("203.0.113.7").await.unwrap().status(), StatusCode::OK);
    }
    let limited = ask("203.0.113.7").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["status"], 429, "{body}");
    assert_eq!(ask("203.0.113.8").await.unwrap().status(), StatusCode::OK);
    server.stop().await;
}

/// abcdesktop's front end may put base64 of the desktop features it wants in place of the
/// state (auth.md §5.4): the state then comes from the cookie `getauthconfig` set in the
/// same browser, once; without that cookie, or without `submit` permitted, it is refused.
#[tokio::test]
async fn features_may_replace_the_state_in_the_browser_that_began() {
    use base64::Engine as _;
    let issuer = std::env::var("OIDC_ISSUER").expect("OIDC_ISSUER is not set: run scripts/test.sh");
    let config = |submit: bool| {
        let mut config = shipped_file(
            "oauth.toml",
            vec![(
                "DESKPLANE__authmanagers__external__providers__mock__issuer".into(),
                issuer.clone(),
            )],
        );
        if submit {
            config.desktop.features_permissions = vec!["submit".into()];
        }
        config
    };
    let features = base64::engine::general_purpose::STANDARD.encode(br#"{"executeclassname": "large"}"#);
    for submit in [true, false] {
        let server = TestServer::with(config(submit)).await;
        let answer = server
            .client
            .post(server.url("/auth/getauthconfig"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "the callback is http://localhost: a Secure cookie would never come back: {cookie}"
        );
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let config: Value = answer.json().await.unwrap();
        let mock = config["managers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "external")
            .unwrap()["providers"][0]
            .clone();
        assert_eq!(
            cookie,
            format!("deskplane_oauth_mock={}", mock["state"].as_str().unwrap())
        );
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let back = browser
            .get(format!("{}&login_hint=bob", mock["dialog_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        let location = back.headers()["location"].to_str().unwrap().to_owned();
        let query: Vec<(String, String)> = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .map(|(key, value)| {
                if key == "state" {
                    (key, features.clone())
                } else {
                    (key, value)
                }
            })
            .collect();
        let callback = format!(
            "/auth/oauth?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&query)
                .finish()
        );
        let without_cookie = server.get(&callback).await;
        assert_eq!(without_cookie.status(), StatusCode::UNAUTHORIZED, "no cookie, no login");
        let with_cookie = || {
            server
                .client
                .get(server.url(&callback))
                .header("Cookie", format!("theme=dark; {cookie}"))
                .send()
        };
        let page = with_cookie().await.unwrap();
        if !submit {
            assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
            let body: Value = page.json().await.unwrap();
            assert_eq!(
                body["message"],
                "'submit' is not in desktop.features_permissions, update configuration file"
            );
            server.stop().await;
            continue;
        }
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let token = html
            .split("var jwt_user_token=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let labels = server
            .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
            .await;
        assert_eq!(labels["result"]["executeclassname"], "large", "{labels}");
        let replayed = with_cookie().await.unwrap();
        assert_eq!(
            replayed.status(),
            StatusCode::UNAUTHORIZED,
            "the cookie's state is used once"
        );
        server.stop().await;
    }
}
