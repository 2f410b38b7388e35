//! `auth/logmein` and `auth/authorizedkeys`, black-box: a TLS proxy (here, the test on
//! loopback) forwards a client certificate; its subject names the user, its public key is
//! listed as an OpenSSH key. Only the configured proxies may call it, by TCP peer.

mod common;

use base64::Engine as _;
use common::{TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::Value;

fn config(networks: &[&str]) -> deskplane::config::Config {
    let mut config = shipped_config();
    config.logmein.enable = true;
    config.logmein.network_list = networks.iter().map(|n| (*n).to_owned()).collect();
    config.logmein.http_attribut = Some("X-Client-Cert".into());
    config
}

/// A certificate for `cn` (ECDSA P-256) as nginx's `$ssl_client_escaped_cert` sends it,
/// and its raw public key.
fn certificate(cn: &str) -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let pem = params.self_signed(&key).unwrap().pem();
    let escaped: String = pem
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (escaped, key.public_key_raw().to_vec())
}

async fn logmein(server: &TestServer, query: &str, cert: Option<&str>, accept: &str) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(server.url(&format!("/auth/logmein?{query}")))
        .header("Accept", accept);
    if let Some(cert) = cert {
        request = request.header("X-Client-Cert", cert);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_forwarded_certificate_logs_its_user_in_and_lists_its_key() {
    let server = TestServer::with(config(&["127.0.0.0/8"])).await;
    let (cert, public_key) = certificate("fry");
    let answer = logmein(&server, "provider=anonymous", Some(&cert), "application/json").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["cache-control"], "no-cache, private");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["message"], "login success");
    let token = body["result"]["jwt_user_token"].as_str().unwrap();
    let whoami: Value = server
        .post_json("/user/whoami", Some(token), serde_json::json!({}), StatusCode::OK)
        .await;
    assert_eq!(whoami["userid"], "fry", "the certificate's CN is the user id: {whoami}");

    let listed = server.get("/auth/authorizedkeys").await;
    assert_eq!(listed.headers()["content-type"], "text/text;charset=ascii");
    let listed = listed.text().await.unwrap();
    let line = listed.lines().next().unwrap();
    let blob = base64::engine::general_purpose::STANDARD
        .decode(line.strip_prefix("ecdsa-sha2-nistp256 ").unwrap())
        .unwrap();
    assert!(
        blob.ends_with(&public_key),
        "the OpenSSH key is the certificate's public key"
    );

    let plain = logmein(&server, "provider=anonymous", Some(&cert), "text/plain").await;
    assert_eq!(plain.headers()["content-type"], "text/text;charset=utf-8");
    assert!(plain.text().await.unwrap().starts_with("ey"));
    let page = logmein(&server, "provider=anonymous", Some(&cert), "text/html").await;
    assert!(page.text().await.unwrap().contains("var jwt_user_token="));
}

#[tokio::test]
async fn a_query_userid_needs_permit_querystring_and_bad_certificates_are_refused() {
    let server = TestServer::with(config(&["127.0.0.0/8"])).await;
    let query_only = logmein(&server, "provider=anonymous&userid=bender", None, "application/json").await;
    assert_eq!(query_only.status(), StatusCode::BAD_REQUEST, "pyos took it anyway");
    let body: Value = query_only.json().await.unwrap();
    assert!(body.to_string().contains("logmein invalid user parameter"), "{body}");
    let garbage = logmein(
        &server,
        "provider=anonymous",
        Some("not%20a%20cert"),
        "application/json",
    )
    .await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    let mut permissive = config(&["127.0.0.0/8"]);
    permissive.logmein.permit_querystring = true;
    let server = TestServer::with(permissive).await;
    let answer = logmein(&server, "provider=anonymous&userid=bender", None, "application/json").await;
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_the_configured_proxies_may_call_it_whatever_they_forward() {
    let server = TestServer::with(config(&["10.0.0.0/8"])).await;
    let (cert, _) = certificate("fry");
    let refused = reqwest::Client::new()
        .get(server.url("/auth/logmein?provider=anonymous"))
        .header("X-Client-Cert", cert)
        .header("X-Forwarded-For", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("invalid network source"), "{body}");

    let disabled = TestServer::start().await;
    let answer = logmein(&disabled, "provider=anonymous", None, "application/json").await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_user_id_under_two_providers_keeps_two_keys() {
    let mut config = config(&["127.0.0.0/8"]);
    let second: serde_json::Value = serde_json::json!({"uid": "anonymous", "username": "Second"});
    config.authmanagers.get_mut("implicit").unwrap()["providers"]["second"] = second;
    let server = TestServer::with(config).await;
    let (first_cert, _) = certificate("fry");
    let (second_cert, _) = certificate("fry");
    for (provider, cert) in [("anonymous", &first_cert), ("second", &second_cert)] {
        let answer = logmein(&server, &format!("provider={provider}"), Some(cert), "application/json").await;
        assert_eq!(answer.status(), StatusCode::OK, "{provider}");
    }
    let listed = server.get("/auth/authorizedkeys").await.text().await.unwrap();
    assert_eq!(
        listed.lines().count(),
        2,
        "neither fry replaced the other's key: {listed}"
    );
}

/// Two replicas on MongoDB: the key a certificate login leaves on one is listed by the
/// other, so a bastion may ask any replica (pyos kept the keys per process).
#[tokio::test]
async fn every_replica_lists_the_keys_of_every_certificate_login() {
    let prefix = common::unique_prefix("keys");
    let replica = || {
        let mut config = common::mongodb_config(&prefix);
        config.logmein.enable = true;
        config.logmein.network_list = vec!["127.0.0.0/8".into()];
        config.logmein.http_attribut = Some("X-Client-Cert".into());
        config
    };
    let (first, second) = (TestServer::with(replica()).await, TestServer::with(replica()).await);
    let (cert, public_key) = certificate("hermes");
    let answer = logmein(&first, "provider=anonymous", Some(&cert), "application/json").await;
    assert_eq!(answer.status(), StatusCode::OK);
    let listed = second.get("/auth/authorizedkeys").await.text().await.unwrap();
    let line = listed
        .lines()
        .next()
        .unwrap_or_else(|| panic!("nothing listed: {listed:?}"));
    let blob = base64::engine::general_purpose::STANDARD
        .decode(line.split_whitespace().nth(1).unwrap())
        .unwrap();
    assert!(blob.ends_with(&public_key), "{line}");
    assert_eq!(listed.lines().count(), 1, "{listed}");
}
