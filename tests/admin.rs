//! `deskplane admin` against a running server: the catalog from the fixture folder, a
//! desktop, bans, the collector, JSON output that parses, and the exit codes that say
//! what happened (0 done, 1 refused or failed, 2 usage).

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_deskplane");

/// Runs `deskplane admin --url <server> args…` off the runtime the server answers on.
async fn admin(url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BINARY);
    command.args(["admin", "--url", url]).args(args);
    command.env_remove("DESKPLANE_API_KEY");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[tokio::test]
async fn an_operator_manages_the_catalog_desktops_and_bans() {
    let server = TestServer::start().await;
    let url = server.base.trim_end_matches("/API").to_owned();
    let health = admin(&url, &["health"]).await;
    assert_eq!(stdout(&health), "ok\n");

    let apps = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/apps");
    let added = admin(&url, &["images", "add", apps]).await;
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert_eq!(stdout(&added), "added 6 image(s)\n");
    assert!(
        String::from_utf8_lossy(&added.stderr).contains("[6/6]"),
        "progress shown"
    );
    let images = json_of(&admin(&url, &["--json", "images", "list"]).await);
    assert_eq!(images.as_object().map(|apps| apps.len()), Some(6), "{images}");
    let table = stdout(&admin(&url, &["images", "list"]).await);
    assert!(
        table.starts_with("ID") && table.contains("abcdesktopio/xterm.d:3.0"),
        "{table}"
    );
    let removed = admin(&url, &["images", "rm", "abcdesktopio/xterm.d:3.0"]).await;
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let images = json_of(&admin(&url, &["--json", "images", "list"]).await);
    assert_eq!(images.as_object().map(|apps| apps.len()), Some(5));

    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let desktops = json_of(&admin(&url, &["--json", "desktops", "list"]).await);
    let name = desktops[0]["name"].as_str().unwrap().to_owned();
    let table = stdout(&admin(&url, &["desktops", "list"]).await);
    assert!(table.contains(&name) && table.contains("Running"), "{table}");

    assert!(admin(&url, &["bans", "add", "login", "mallory"]).await.status.success());
    let bans = json_of(&admin(&url, &["--json", "bans", "list", "login"]).await);
    assert!(
        bans.as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "mallory" && b["isban"] == true),
        "{bans}"
    );
    assert!(admin(&url, &["bans", "rm", "login", "mallory"]).await.status.success());

    let collected = admin(&url, &["gc", "--force", "--expirein", "0"]).await;
    assert!(
        collected.status.success(),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    assert_eq!(json_of(&admin(&url, &["--json", "desktops", "list"]).await), json!([]));

    let userid = desktops[0]["userid"].as_str().unwrap().to_owned();
    let history = json_of(&admin(&url, &["--json", "users", "show", &userid]).await);
    assert_eq!(history["logins"].as_array().map(Vec::len), Some(1), "{history}");
    let events: Vec<&str> = history["desktops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["eventtype"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["start", "stop"], "{history}");
    let tables = stdout(&admin(&url, &["users", "show", &userid, "--provider", "anonymous"]).await);
    assert!(
        tables.contains(&format!("logins of {userid}")) && tables.contains(&name),
        "{tables}"
    );
    let elsewhere = json_of(&admin(&url, &["--json", "users", "show", &userid, "--provider", "planet"]).await);
    assert_eq!(elsewhere["logins"], json!([]), "another provider's user of that id");
    let refused = admin(&url, &["users", "show", &userid, "--limit", "0"]).await;
    assert_eq!(refused.status.code(), Some(1));

    let missing = admin(&url, &["desktops", "rm", "nobody-here"]).await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("404"),
        "the server's answer is shown"
    );
    server.stop().await;
}

#[tokio::test]
async fn refusals_unreachable_servers_and_usage_errors_say_so() {
    let mut config = common::shipped_config();
    config.controllers.get_mut("ManagerController").unwrap().apikey = Some(vec!["right-key".into()]);
    let server = TestServer::with(config).await;
    let url = server.base.trim_end_matches("/API").to_owned();
    let refused = admin(&url, &["health"]).await;
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("refused") && message.contains("--api-key"),
        "{message}"
    );
    let keyed = admin(&url, &["--api-key", "right-key", "health"]).await;
    assert!(keyed.status.success(), "{}", String::from_utf8_lossy(&keyed.stderr));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = admin(&format!("http://127.0.0.1:{closed}"), &["health"]).await;
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("cannot reach"));

    assert_eq!(admin(&url, &["no-such-command"]).await.status.code(), Some(2));
    assert_eq!(admin(&url, &["bans", "list", "nope"]).await.status.code(), Some(2));
    server.stop().await;
}
