//! `/API/manager/datastore`, black-box: the databases pyos lists, documents put by kind,
//! read with date filters and pages, deleted and dropped; `database_acl` grants each method
//! (a denial is pyos's 400); a database outside `mongodblist` stays closed; on MongoDB the
//! route shows what deskplane itself stored (a login's history).

mod common;

use common::{TestServer, mongodb_config, shipped_config, unique_prefix};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(server: &TestServer, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = server
        .client
        .request(method, server.url(&format!("/manager/datastore{path}")));
    request = match body {
        Some(body) => request.json(&body),
        None => request.header("Content-Length", "0"),
    };
    let answer = request.send().await.unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn granting(acl: &[&str]) -> deskplane::config::Config {
    let mut config = shipped_config();
    config.controllers.get_mut("ManagerController").unwrap().database_acl =
        acl.iter().map(|a| (*a).to_owned()).collect();
    config
}

#[tokio::test]
async fn documents_are_put_read_filtered_paged_and_removed() {
    let server = TestServer::with(granting(&["read", "write", "delete"])).await;
    let (status, databases) = call(&server, Method::GET, "", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        databases,
        json!([
            "image",
            "fail2ban",
            "loginHistory",
            "applications",
            "profiles",
            "desktop"
        ])
    );
    for (kind, date) in [
        ("a", "2026-11-20 08:00:00"),
        ("b", "2026-11-21 08:00:00"),
        ("c", "2026-11-22 08:00:00"),
    ] {
        let (status, stored) = call(
            &server,
            Method::PUT,
            &format!("/loginHistory/amy/{kind}"),
            Some(json!({"date": date, "type": "login"})),
        )
        .await;
        assert_eq!((status, stored), (StatusCode::OK, json!(true)));
    }
    assert_eq!(
        call(&server, Method::GET, "/loginHistory", None).await.1,
        json!(["amy"])
    );
    let kinds = |documents: &Value| -> Vec<String> {
        documents
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = call(&server, Method::GET, "/loginHistory/amy", None).await;
    assert_eq!(kinds(&all), ["a", "b", "c"]);
    assert_eq!(all[0]["date"], "2026-11-20 08:00:00");
    let (_, range) = call(
        &server,
        Method::GET,
        "/loginHistory/amy/after/2026-11-20%2012:00:00/before/2026-11-22%2008:00:00",
        None,
    )
    .await;
    assert_eq!(kinds(&range), ["b"]);
    let (_, page) = call(&server, Method::GET, "/loginHistory/amy?skip=1&limit=1", None).await;
    assert_eq!(kinds(&page), ["b"]);
    let (_, one) = call(&server, Method::GET, "/loginHistory/amy/c", None).await;
    assert_eq!(kinds(&one), ["c"]);

    for bad in [
        "/loginHistory/amy/after/yesterday",
        "/loginHistory/amy/after",
        "/loginHistory/amy/a/b/c",
        "/loginHistory/amy?limit=many",
        "/loginHistory/amy?limit=10001",
        "/deskplane/accounting",
    ] {
        let (status, body) = call(&server, Method::GET, bad, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["message"].is_string(), "{bad}: {body}");
    }
    let (status, _) = call(&server, Method::PUT, "/loginHistory/amy/d", None).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a PUT needs a JSON body");

    assert_eq!(
        call(&server, Method::DELETE, "/loginHistory/amy/a", None).await.1,
        json!(true)
    );
    assert_eq!(
        call(&server, Method::DELETE, "/loginHistory/amy/a", None).await.1,
        json!(false)
    );
    assert_eq!(
        call(&server, Method::DELETE, "/loginHistory/amy", None).await.1,
        json!(true)
    );
    assert_eq!(call(&server, Method::GET, "/loginHistory/amy", None).await.1, json!([]));
    // pyos answered the other methods `null`; they are a 405, as the OpenAPI document says.
    assert_eq!(
        call(&server, Method::PATCH, "/loginHistory/amy", Some(json!({})))
            .await
            .0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    server.stop().await;
}

#[tokio::test]
async fn each_method_needs_its_database_acl_grant() {
    let server = TestServer::with(granting(&["get"])).await;
    assert_eq!(call(&server, Method::GET, "/profiles", None).await.0, StatusCode::OK);
    for (method, path, body) in [
        (Method::PUT, "/profiles/fry/color", Some(json!("#fff"))),
        (Method::DELETE, "/profiles/fry", None),
    ] {
        let (status, answer) = call(&server, method.clone(), path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert!(answer["message"].as_str().unwrap().contains("database_acl"), "{answer}");
    }
    server.stop().await;
    let closed = TestServer::with(granting(&[])).await;
    assert_eq!(call(&closed, Method::GET, "", None).await.0, StatusCode::BAD_REQUEST);
    closed.stop().await;
}

/// On MongoDB the route reads what deskplane stored: a user's profile value.
#[tokio::test]
async fn on_mongodb_the_route_shows_what_deskplane_stored() {
    let mut config = mongodb_config(&unique_prefix("ds"));
    config.controllers.get_mut("ManagerController").unwrap().database_acl = vec!["read".into()];
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    server
        .post_json(
            "/store/set",
            Some(&token),
            json!({"key": "color", "value": "#6EC6F0"}),
            StatusCode::OK,
        )
        .await;
    let (_, collections) = call(&server, Method::GET, "/profiles", None).await;
    let collection = collections[0]
        .as_str()
        .unwrap_or_else(|| panic!("{collections}"))
        .to_owned();
    let (status, documents) = call(&server, Method::GET, &format!("/profiles/{collection}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let color = documents
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "color")
        .unwrap_or_else(|| panic!("{documents}"));
    assert_eq!(
        (color["value"].clone(), color["provider"].clone()),
        (json!("#6EC6F0"), json!("anonymous"))
    );
    assert!(color["_id"].is_string(), "{color}");
    for refused in ["/profiles/a%24b", "/profiles/system.users"] {
        let (status, body) = call(&server, Method::GET, refused, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}: {body}");
    }
    server.stop().await;
}
