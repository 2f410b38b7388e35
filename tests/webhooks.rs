//! Network webhooks, black-box: a rule's `create` command runs once the desktop has
//! started and its `destroy` command when the desktop is removed, each argument handed
//! to the program as it is. The commands here write and remove a file named after the
//! desktop, so the test sees them run.

mod common;

use common::{TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

async fn eventually(check: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn create_runs_after_the_launch_and_destroy_after_the_logout() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().display().to_string();
    let mut config = shipped_config();
    config.desktop.policies.rules = json!({"network": {"default": {"webhook": {
        "create": [format!("touch '{folder}/{{{{ id }}}}'"), "false".to_owned()],
        "destroy": format!("rm '{folder}/{{{{ id }}}}'"),
    }}}});
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let desktops = server.get_json("/manager/desktop").await;
    let name = desktops[0]["name"].as_str().unwrap().to_owned();
    let marker = Path::new(&folder).join(&name);
    assert!(
        eventually(|| marker.exists()).await,
        "the create webhook made {}",
        marker.display()
    );
    // The second create command fails: the user is told so on the progress channel.
    let mut told = Vec::new();
    for _ in 0..20 {
        let info = server
            .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
            .await;
        if let Some(message) = info["message"].as_str().filter(|m| !m.is_empty()) {
            told.push(message.to_owned());
        }
        if told.iter().any(|m| m.starts_with("e.Webhooking updated service error")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        told.iter()
            .any(|m| m.starts_with("e.Webhooking updated service error 1")),
        "{told:?}"
    );
    server
        .post_json("/auth/logout", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert!(eventually(|| !marker.exists()).await, "the destroy webhook removed it");
    server.stop().await;
}
