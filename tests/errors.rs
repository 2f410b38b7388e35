//! Bad input gets a clear JSON error with the right status, never a 5xx or a panic.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TestServer, assert_http_error, keys_dir, shipped_config};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn body_rules_answer_411_415_413_and_400() {
    let server = TestServer::start().await;
    // reqwest always sends Content-Length; a raw request shows the 411.
    let addr = server
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/API")
        .to_owned();
    let raw = raw_request(
        &addr,
        "POST /API/auth/auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 411"), "{raw}");
    assert!(
        raw.contains(r#"{"status":411,"message":"Client must specify Content-Length"}"#),
        "{raw}"
    );

    let form = server
        .client
        .post(server.url("/auth/auth"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert_http_error(
        form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Expected an entity of content type application/json, text/javascript",
    )
    .await;
    let untyped = server
        .client
        .post(server.url("/auth/auth"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let javascript = server
        .client
        .post(server.url("/auth/getauthconfig"))
        .header("Content-Type", "text/javascript; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(javascript.status(), StatusCode::OK, "text/javascript is accepted");

    for bad in ["{", "", "not json", "{\"a\":1}{"] {
        let response = server
            .client
            .post(server.url("/auth/auth"))
            .header("Content-Type", "application/json")
            .header("Content-Length", bad.len().to_string())
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_http_error(response, StatusCode::BAD_REQUEST, "Invalid JSON document").await;
    }
    let huge = "x".repeat(3 * 1024 * 1024);
    let response = server
        .client
        .post(server.url("/auth/auth"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    server.stop().await;
}

async fn raw_request(addr: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn routing_answers_404_and_405_with_allow() {
    let server = TestServer::start().await;
    for path in [
        "/nope",
        "/composer/nope",
        "/Composer/LaunchDesktop",
        "/auth/auth/extra",
        "/composer",
    ] {
        let response = server
            .client
            .post(server.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = server.get("/nope").await;
    assert_http_error(response, StatusCode::NOT_FOUND, "The path '/API/nope' was not found.").await;
    let outside = server
        .client
        .get(server.base.replace("/API", "/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);

    let get = server.get("/auth/auth").await;
    assert_eq!(get.headers()["allow"], "POST");
    assert_http_error(
        get,
        StatusCode::METHOD_NOT_ALLOWED,
        "Specified method is invalid for this resource",
    )
    .await;
    let options = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/composer/launchdesktop"))
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), StatusCode::METHOD_NOT_ALLOWED, "no CORS, as pyos");
    let head = server.client.head(server.url("/healthz")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK, "HEAD wherever GET");

    let query = server
        .client
        .post(server.url("/auth/auth?debug=1"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_http_error(
        query,
        StatusCode::NOT_FOUND,
        "Unexpected query string parameters: debug",
    )
    .await;
    let trailing = server
        .client
        .post(server.url("/auth/getauthconfig/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(trailing.status(), StatusCode::OK, "a trailing slash is accepted");
    let punctuation = server
        .client
        .post(server.url("/auth/get-auth.config"))
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(
        punctuation.unwrap().status(),
        StatusCode::NOT_FOUND,
        "punctuation maps to '_', not to nothing"
    );
    server.stop().await;
}

fn sign(claims: &Value) -> String {
    let pem = std::fs::read(keys_dir().join("abcdesktop_jwt_user_signing_private_key.pem")).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

fn claims(exp: i64) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    json!({"exp": now + exp, "nbf": now - 600, "auth": {"provider": "anonymous", "providertype": "anonymous", "data": {"labels": {}}},
           "user": {"name": "Anonymous", "userid": "someone"}, "roles": {}})
}

#[tokio::test]
async fn composer_refuses_missing_bad_expired_and_forged_tokens() {
    let server = TestServer::start().await;
    let valid = sign(&claims(300));
    let ok = server.post("/composer/listsecrets", Some(&valid), json!({})).await;
    assert_eq!(ok.status(), StatusCode::OK, "a token signed by our key is accepted");

    let expired = sign(&claims(-300));
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{header_none}.{}.", URL_SAFE_NO_PAD.encode(claims(300).to_string()));
    let public_pem = std::fs::read(keys_dir().join("abcdesktop_jwt_user_signing_public_key.pem")).unwrap();
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(300),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    let mut tampered = valid.clone();
    tampered.insert(valid.len() / 2, 'A');
    for token in [
        None,
        Some("garbage"),
        Some(expired.as_str()),
        Some(alg_none.as_str()),
        Some(hs256.as_str()),
        Some(tampered.as_str()),
    ] {
        for route in ["/composer/launchdesktop", "/composer/ocrun", "/store/get"] {
            let response = server.post(route, token, json!({})).await;
            assert_http_error(response, StatusCode::UNAUTHORIZED, "Invalid token").await;
        }
    }
    let wrong_prefix = server
        .client
        .post(server.url("/composer/launchdesktop"))
        .header("ABCAuthorization", format!("bearer {valid}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_prefix.status(),
        StatusCode::UNAUTHORIZED,
        "the prefix is exactly 'Bearer '"
    );
    let validated = server.post("/core/getmessageinfo", Some(&expired), json!({})).await;
    assert_http_error(validated, StatusCode::UNAUTHORIZED, "user is not authenticated").await;
    server.stop().await;
}

#[tokio::test]
async fn the_manager_gate_refuses_other_networks_and_missing_keys() {
    let mut config = shipped_config();
    config.controllers.get_mut("ManagerController").unwrap().permitip = Some(vec!["10.0.0.0/8".into()]);
    let server = TestServer::with(config).await;
    let response = server.get("/manager/healtz").await;
    assert_http_error(response, StatusCode::FORBIDDEN, "403.7 - IP address access denied").await;
    let forged = server
        .client
        .get(server.url("/manager/healtz"))
        .header("X-Forwarded-For", "10.1.1.1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a forwarded header from an untrusted peer is not believed"
    );
    server.stop().await;

    let mut config = shipped_config();
    config.controllers.get_mut("ManagerController").unwrap().apikey = Some(vec!["k3y-one".into(), "k3y-two".into()]);
    let server = TestServer::with(config).await;
    for key in [None, Some("wrong"), Some("")] {
        let mut request = server.client.get(server.url("/manager/images"));
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        assert_http_error(
            request.send().await.unwrap(),
            StatusCode::FORBIDDEN,
            "403.1 - Execute access forbidden",
        )
        .await;
    }
    let keyed = server
        .client
        .get(server.url("/manager/images"))
        .header("X-Api-Key", "k3y-two")
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), StatusCode::OK);
    server.stop().await;

    let mut config = shipped_config();
    let composer = config.controllers.entry("ComposerController".into()).or_default();
    composer.requestsallowed = Some([("getdesktopdescription".to_owned(), false)].into());
    config.controllers.get_mut("ManagerController").unwrap().enable = false;
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    let denied = server
        .post("/composer/getdesktopdescription", Some(&token), json!({}))
        .await;
    assert_http_error(denied, StatusCode::FORBIDDEN, "403.8 - Site access denied").await;
    let disabled = server.get("/manager/healtz").await;
    assert_http_error(disabled, StatusCode::FORBIDDEN, "403.10 - Invalid configuration").await;
    server.stop().await;
}

#[tokio::test]
async fn pyos_500s_for_client_mistakes_are_4xx_or_results_here() {
    let server = TestServer::start().await;
    // pyos: disconnect without a token crashed with HTTP 500.
    let disconnect = server
        .post_json("/auth/disconnect", None, json!({}), StatusCode::OK)
        .await;
    assert_eq!(
        disconnect,
        json!({"status": 500, "result": {"url": "/"}, "error": "invalid user credentials"})
    );
    let logout = server.post_json("/auth/logout", None, json!({}), StatusCode::OK).await;
    assert_eq!(logout["error"], "invalid user credentials");
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    // pyos: non-object body or non-string containerid crashed the serializer with HTTP 500.
    let not_object = server.post("/composer/stopcontainer", Some(&token), json!(["x"])).await;
    assert_http_error(not_object, StatusCode::BAD_REQUEST, "invalid args parameters").await;
    let bad_id = server
        .post(
            "/composer/logcontainer",
            Some(&token),
            json!({"podname": "p", "containerid": 5}),
        )
        .await;
    assert_http_error(bad_id, StatusCode::BAD_REQUEST, "invalid containerid parameters").await;
    // pyos: a `Results` 500 with HTTP 200 for this client mistake.
    let no_pod = server
        .post("/composer/removecontainer", Some(&token), json!({"containerid": "c"}))
        .await;
    assert_http_error(no_pod, StatusCode::BAD_REQUEST, "invalid parameter podname").await;
    // pyos: launchdesktop with a non-object body failed with 500.
    let launch = server.post("/composer/launchdesktop", Some(&token), json!("go")).await;
    assert_http_error(launch, StatusCode::BAD_REQUEST, "invalid parameters").await;
    let auth = server.post("/auth/auth", None, json!([1, 2])).await;
    assert_http_error(auth, StatusCode::UNAUTHORIZED, "invalid parameters").await;
    let no_provider = server.post("/auth/auth", None, json!({"provider": 7})).await;
    assert_eq!(no_provider.status(), StatusCode::UNAUTHORIZED);
    let unknown_app = server
        .post("/composer/ocrun", Some(&token), json!({"image": "nope"}))
        .await;
    assert_http_error(unknown_app, StatusCode::NOT_FOUND, "app nope not found").await;
    let no_image = server.post("/composer/ocrun", Some(&token), json!({"image": ""})).await;
    assert_http_error(no_image, StatusCode::BAD_REQUEST, "invalid image parameters").await;
    let gc = server.get("/manager/garbagecollector?expirein=soon").await;
    assert_eq!(gc.status(), StatusCode::BAD_REQUEST);
    let gc = server.get("/manager/garbagecollector").await;
    assert_eq!(gc.status(), StatusCode::NOT_FOUND, "expirein is required, as in pyos");
    let image = server
        .client
        .post(server.url("/manager/image"))
        .json(&json!({"RepoTags": ["busybox"]}))
        .send()
        .await
        .unwrap();
    assert_http_error(image, StatusCode::BAD_REQUEST, "Invalid parameters Bad Request").await;
    let ban = server
        .client
        .post(server.url("/manager/ban/planet/fry"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_http_error(ban, StatusCode::BAD_REQUEST, "Invalid type parameters Bad Request").await;
    server.stop().await;
}

#[tokio::test]
async fn nothing_stored_is_lost_after_bad_input() {
    let server = TestServer::start().await;
    server.register_app("xterm.d.3.0.json").await;
    let token = server.login_anonymous().await;
    server
        .post_json(
            "/store/set",
            Some(&token),
            json!({"key": "color", "value": "red"}),
            StatusCode::OK,
        )
        .await;
    server
        .client
        .post(server.url("/manager/image"))
        .json(&json!("garbage"))
        .send()
        .await
        .unwrap();
    server
        .client
        .put(server.url("/manager/image"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    server
        .post("/store/set", Some(&token), json!({"value": "no key"}))
        .await;
    server.post("/store/set", Some(&token), json!(42)).await;
    let images: Value = server.get_json("/manager/images").await;
    assert!(images.get("abcdesktopio/xterm.d:3.0").is_some());
    let color = server
        .post_json("/store/get", Some(&token), json!({"key": "color"}), StatusCode::OK)
        .await;
    assert_eq!(color["result"], "red");
    server.stop().await;
}
