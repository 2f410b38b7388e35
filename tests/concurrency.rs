//! Many users launching at once each get exactly one desktop.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_users_each_get_exactly_one_desktop() {
    // Desktops take 200 ms to start, so each user's two launches overlap: only the launch
    // lock keeps the second from creating too (the simulation would adopt, hiding it, so
    // the creations are counted).
    let mut config = common::shipped_config();
    config.memory.start_delay_ms = 200;
    let server = Arc::new(TestServer::with(config).await);
    let users = 40;
    let mut tasks = Vec::new();
    for _ in 0..users {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let token = server.login_anonymous().await;
            // Each user also launches twice at the same time.
            let (a, b) = tokio::join!(
                server.post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK),
                server.post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK),
            );
            assert_eq!(
                a["result"]["vncpassword"], b["result"]["vncpassword"],
                "both launches reached the same desktop"
            );
            a["result"]["vncpassword"].as_str().unwrap().to_owned()
        }));
    }
    let mut passwords = HashSet::new();
    for task in tasks {
        passwords.insert(task.await.unwrap());
    }
    assert_eq!(passwords.len(), users, "every user has a desktop of their own");
    let desktops: Value = server.get_json("/manager/desktop").await;
    let desktops = desktops.as_array().unwrap();
    assert_eq!(desktops.len(), users);
    let owners: HashSet<&str> = desktops.iter().map(|d| d["userid"].as_str().unwrap()).collect();
    assert_eq!(owners.len(), users, "no user has two desktops");
    let addresses: HashSet<&str> = desktops.iter().map(|d| d["ipAddr"].as_str().unwrap()).collect();
    assert_eq!(addresses.len(), users);
    let counters = server.get_json("/accounting/metrics?format=json").await;
    assert_eq!(counters["desktop"]["createsuccess"], users, "one creation per user");
    assert_eq!(counters["desktop"]["resumed"], users, "the other launch resumed it");
}
