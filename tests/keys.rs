//! `GET /API/key/key` (RSA key offers) and `GET /API/manager/pyosendpoints` (the replicas),
//! black-box.

mod common;

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use common::{TestServer, keys_dir, shipped_config, shipped_file, unique_prefix};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The DER inside a PEM text.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

/// The claims of an offer, verified with the desktop signing key; `exp` is checked too.
fn verified_offer(jwt: &str) -> Value {
    let public = std::fs::read(keys_dir().join("abcdesktop_jwt_desktop_signing_public_key.pem")).unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(&public).unwrap();
    let validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("an offer signed with the desktop key, not expired")
        .claims
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// On redis, where another service can read it, the private key of an offer waits under
/// `priv.<name>` and matches the offer's public key.
#[tokio::test]
async fn an_offer_signs_the_public_key_and_keeps_the_private_one_in_the_shared_cache() {
    let service = |name: &str| (name.to_owned(), std::env::var(name).expect("run scripts/test.sh"));
    let prefix = unique_prefix("keyoffer");
    let server = TestServer::with(shipped_file(
        "redis.toml",
        vec![
            service("MONGODB_URL"),
            service("MEMCACHESERVER"),
            service("REDIS_URL"),
            ("DESKPLANE__mongodb__database_prefix".to_owned(), prefix.clone()),
            ("DESKPLANE__cache__key_prefix".to_owned(), prefix.clone()),
        ],
    ))
    .await;
    let response = server.get("/key/key?format=rsa&length=1024").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/jwt");
    assert_eq!(response.headers()["cache-control"], "no-cache, private");
    let claims = verified_offer(&response.text().await.unwrap());
    // pyos's `exp` was the lifetime (180), a date in 1970: born expired.
    // The shipped desktop token lives 240 s, and so does the offer.
    let exp = claims["exp"].as_i64().unwrap();
    assert!((now() + 230..=now() + 250).contains(&exp), "exp {exp} is now + 240 s");
    let name = claims["name"].as_str().unwrap();
    assert_eq!(name.len(), 36, "a uuid: {name}");
    let public_der = pem_der(claims["publickey"].as_str().unwrap());

    let redis = redis::Client::open(std::env::var("REDIS_URL").unwrap()).unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{prefix}priv.{name}");
    let private: String = redis::cmd("GET").arg(&key).query_async(&mut connection).await.unwrap();
    let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut connection).await.unwrap();
    assert!((230..=240).contains(&ttl), "kept as long as the offer lives: {ttl}");
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&pem_der(&private)).unwrap();
    assert_eq!(
        pair.public_modulus_len() * 8,
        2048,
        "1024 bits are asked, 2048 are made"
    );
    let derived: PublicKeyX509Der<'_> = pair.public_key().as_der().unwrap();
    assert_eq!(
        derived.as_ref(),
        public_der.as_slice(),
        "the kept key is the offered key's pair"
    );

    let bigger = server.get("/key/key?length=3000").await.text().await.unwrap();
    let bigger = verified_offer(&bigger);
    assert_ne!(bigger["name"], claims["name"]);
    let still: String = redis::cmd("GET").arg(&key).query_async(&mut connection).await.unwrap();
    assert_eq!(still, private, "a second offer leaves the first key alone");
    server.stop().await;
}

/// pyos converted `length` with `int()` before anything else: a 500 for any caller.
#[tokio::test]
async fn a_length_that_is_no_integer_or_out_of_range_is_a_400() {
    let server = TestServer::start().await;
    for query in [
        "length=abc",
        "length=",
        "length=1e3",
        "length=99999999999999999999",
        "length=512",
        "length=8192",
    ] {
        let response = server.get(&format!("/key/key?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 400, "{query}: {body}");
        assert!(body["message"].as_str().unwrap().contains("length"), "{query}: {body}");
    }
    let default = server.get("/key/key").await;
    assert_eq!(default.status(), StatusCode::OK, "length defaults to 1024");
    verified_offer(&default.text().await.unwrap());
    server.stop().await;
}

/// The key route is gated like the operator API (pyos left it open to anyone).
#[tokio::test]
async fn the_key_route_is_gated_by_its_controller() {
    let mut config = shipped_config();
    config
        .controllers
        .get_mut("KeyController")
        .expect("a default gate")
        .apikey = Some(vec!["sesame".into()]);
    let server = TestServer::with(config).await;
    assert_eq!(server.get("/key/key").await.status(), StatusCode::FORBIDDEN);
    let allowed = server
        .client
        .get(server.url("/key/key?length=2048"))
        .header("X-API-Key", "sesame")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    server.stop().await;
}

/// On the memory backends this process is the only replica.
#[tokio::test]
async fn pyosendpoints_lists_this_process_on_memory_backends() {
    let server = TestServer::start().await;
    let port: u16 = server
        .base
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/API")
        .parse()
        .unwrap();
    assert_eq!(
        server.get_json("/manager/pyosendpoints").await,
        json!([{"address": "127.0.0.1", "port": port, "url": format!("http://127.0.0.1:{port}/API")}])
    );
    server.stop().await;
}
