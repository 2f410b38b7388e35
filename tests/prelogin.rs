//! Prelogin (auth.md §5.8), black-box: the page with a one-time session id, the login that
//! must carry it, and the refusals. Sessions are single-use here (pyos let them be
//! replayed until they expired) and the page escapes what it shows (pyos did not).

mod common;

use common::{TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TEMPLATE: &str = "<form><input name=\"loginsessionid\" value=\"{{loginsessionid}}\">\
<p>{{cuid}}</p><a href=\"{{base_url}}\">{{refresh_timeout}}</a></form>";

/// The shipped config with a memory `planet` provider (fry/fry) and prelogin on `networks`.
fn config(dir: &tempfile::TempDir, networks: &[&str]) -> deskplane::config::Config {
    let template = dir.path().join("prelogin.html");
    std::fs::write(&template, TEMPLATE).unwrap();
    let mut config = shipped_config();
    config.authmanagers.insert(
        "explicit".into(),
        json!({"providers": {"planet": {
            "directory": "memory",
            "users": [{"login": "fry", "password": "fry", "dn": "cn=fry,dc=planetexpress,dc=com",
                       "attributes": {"uid": "fry", "cn": "Philip J. Fry"}}],
            "policies": {"acl": {"permit": ["all"]}}
        }}}),
    );
    config.prelogin.enable = true;
    config.prelogin.url = Some(template.to_str().unwrap().to_owned());
    config.prelogin.network_list = networks.iter().map(|n| (*n).to_owned()).collect();
    config.prelogin.http_attribut_to_force_auth_prelogin = Some("X-Force-Prelogin".into());
    config
}

fn session_of(page: &str) -> String {
    let start = page.find("value=\"").unwrap() + 7;
    page[start..start + 36].to_owned()
}

fn fry(session: Option<&str>) -> Value {
    json!({"manager": "explicit", "provider": "planet", "userid": "fry", "password": "fry", "loginsessionid": session})
}

#[tokio::test]
async fn a_login_from_a_prelogin_network_needs_its_own_session_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::with(config(&dir, &["127.0.0.0/8"])).await;
    let without = server.post("/auth/auth", None, fry(None)).await;
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);

    let page = server.get("/auth/prelogin?userid=FRY").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-cache, private");
    let page = page.text().await.unwrap();
    assert!(
        page.contains("<p>FRY</p>") && page.contains("href=\"../..\">115<"),
        "{page}"
    );
    let session = session_of(&page);
    let login = server
        .post_json("/auth/auth", None, fry(Some(&session)), StatusCode::OK)
        .await;
    assert_eq!(login["result"]["userid"], "fry", "user ids compare without case");
    let replayed = server.post("/auth/auth", None, fry(Some(&session))).await;
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "a session serves one login"
    );

    let benders = session_of(&server.get("/auth/prelogin?userid=bender").await.text().await.unwrap());
    let foreign = server.post("/auth/auth", None, fry(Some(&benders))).await;
    assert_eq!(foreign.status(), StatusCode::UNAUTHORIZED, "another user's session");
}

#[tokio::test]
async fn the_page_escapes_the_user_id_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::with(config(&dir, &["127.0.0.0/8"])).await;
    let page = server
        .get("/auth/prelogin?userid=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
}

#[tokio::test]
async fn prelogin_elsewhere_is_denied_and_counted_unless_the_force_header_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::with(config(&dir, &["10.0.0.0/8"])).await;
    let denied = server.get("/auth/prelogin?userid=fry").await;
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
    let ban: Value = server.get_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(ban["count"], 1, "{ban}");
    let login = server.post_json("/auth/auth", None, fry(None), StatusCode::OK).await;
    assert_eq!(
        login["result"]["userid"], "fry",
        "outside the networks no session is needed"
    );

    let forced = reqwest::Client::new()
        .get(server.url("/auth/prelogin?userid=fry"))
        .header("X-Force-Prelogin", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(forced.status(), StatusCode::OK);
    let empty = reqwest::Client::new()
        .get(server.url("/auth/prelogin?userid="))
        .header("X-Force-Prelogin", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn prelogin_is_disabled_by_default() {
    let server = TestServer::start().await;
    let disabled = server.get("/auth/prelogin?userid=fry").await;
    assert_eq!(disabled.status(), StatusCode::BAD_REQUEST);
    let body: Value = disabled.json().await.unwrap();
    assert!(body.to_string().contains("prelogin service is disabled"), "{body}");
}
