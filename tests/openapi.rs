//! `/API/openapi` tells the truth about the running server: its paths and methods are
//! what the server serves (any other method of a documented path is a 405 whose `Allow`
//! lists the documented ones), and its security and routes follow the running config.
//! `scripts/schemathesis.sh` (run by the test command) fuzzes the same document.

mod common;

use common::{TestServer, shipped_config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

/// A path template with a plausible value in each parameter.
fn concrete(path: &str) -> String {
    let values = [
        ("{name}", "some-desktop"),
        ("{kind}", "pod"),
        ("{id}", "some-app"),
        ("{collection}", "login"),
        ("{value}", "mallory"),
        ("{image}", "some-image"),
        ("{userid}", "fry"),
    ];
    values
        .iter()
        .fold(path.to_owned(), |path, (name, value)| path.replace(name, value))
}

async fn document(server: &TestServer) -> Value {
    let response = server.get("/openapi").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn documented_methods(item: &Value) -> BTreeSet<String> {
    item.as_object()
        .unwrap()
        .keys()
        .map(|method| method.to_uppercase())
        .collect()
}

#[tokio::test]
async fn every_other_method_of_a_documented_path_is_a_405_naming_the_documented_ones() {
    let server = TestServer::start().await;
    let openapi = document(&server).await;
    assert_eq!(openapi["openapi"], "3.1.0");
    let paths = openapi["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        let documented = documented_methods(item);
        for method in METHODS.iter().filter(|m| !documented.contains(**m)) {
            let url = format!("{}{}", server.base.trim_end_matches("/API"), concrete(path));
            let response = server
                .client
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
                .header("Content-Type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let allow: BTreeSet<String> = response.headers()["allow"]
                .to_str()
                .unwrap()
                .split(", ")
                .filter(|m| *m != "HEAD")
                .map(str::to_owned)
                .collect();
            assert_eq!(allow, documented, "Allow of {method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} undocumented methods were tried");
    server.stop().await;
}

#[tokio::test]
async fn the_shipped_config_documents_its_routes_and_security() {
    let server = TestServer::start().await;
    let openapi = document(&server).await;
    let paths = &openapi["paths"];
    // Bodies as the handlers read them.
    let ocrun = &paths["/API/composer/ocrun"]["post"];
    assert_eq!(
        ocrun["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["image"])
    );
    assert_eq!(ocrun["security"], json!([{"abcAuthorization": []}]));
    assert!(ocrun["responses"]["401"].is_object() && ocrun["responses"]["415"].is_object());
    let providers = &paths["/API/auth/auth"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
        ["provider"]["enum"];
    assert!(
        providers.as_array().unwrap().contains(&json!("anonymous")),
        "{providers}"
    );
    // A user token is optional where the route answers anonymous callers too.
    assert_eq!(
        paths["/API/user/whoami"]["post"]["security"],
        json!([{}, {"abcAuthorization": []}])
    );
    // The shipped gate filters networks only: no X-API-Key is asked for (a loopback
    // caller needs none).
    let images = &paths["/API/manager/images"]["get"];
    assert_eq!(images["security"], json!([]));
    assert!(images["responses"]["403"].is_object());
    assert!(images["description"].as_str().unwrap().contains("permitip"));
    // Shapes of the manager routes, each with its own methods.
    assert_eq!(
        documented_methods(&paths["/API/manager/desktop"]),
        BTreeSet::from(["GET".to_owned()])
    );
    assert_eq!(
        documented_methods(&paths["/API/manager/desktop/{name}"]),
        BTreeSet::from(["GET".to_owned(), "DELETE".to_owned()])
    );
    assert!(paths["/API/manager/ban/{collection}/{value}"]["post"].is_object());
    // What the shipped config leaves off is not offered.
    for off in [
        "/API/auth/logmein",
        "/API/auth/prelogin",
        "/API/auth/autologin",
        "/API/auth/oauth",
        "/API/manager/datastore",
    ] {
        assert!(paths.get(off).is_none(), "{off} is off in the shipped config");
    }
    server.stop().await;
}

#[tokio::test]
async fn security_and_routes_follow_the_running_gates() {
    let mut config = shipped_config();
    let manager = config.controllers.get_mut("ManagerController").unwrap();
    manager.apikey = Some(vec!["sesame".into()]);
    manager.requestsallowed = Some([("images".to_owned(), false)].into());
    manager.database_acl = vec!["read".into()];
    let server = TestServer::with(config).await;
    let openapi = document(&server).await;
    let paths = &openapi["paths"];
    assert_eq!(
        paths["/API/manager/desktop"]["get"]["security"],
        json!([{"apiKey": []}])
    );
    assert!(
        paths.get("/API/manager/images").is_none(),
        "a route switched off is not offered"
    );
    assert!(paths["/API/manager/datastore/{database}/{collection}"]["get"].is_object());
    assert!(
        paths["/API/manager/datastore/{database}/{collection}"]
            .get("delete")
            .is_none(),
        "the ACL grants reading only"
    );
    let databases = &paths["/API/manager/datastore/{database}"]["get"]["parameters"][0]["schema"]["enum"];
    assert!(
        databases.as_array().unwrap().contains(&json!("profiles")),
        "{databases}"
    );
    // User routes keep the user token alone.
    assert_eq!(
        paths["/API/composer/ocrun"]["post"]["security"],
        json!([{"abcAuthorization": []}])
    );
    // And the gate does what the document says.
    assert_eq!(server.get("/manager/desktop").await.status(), StatusCode::FORBIDDEN);
    server.stop().await;
}
