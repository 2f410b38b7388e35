//! deskplane on the Kubernetes orchestrator, against the API double, over HTTP.

mod common;

use common::TestServer;
use common::kube::{double_get, pods, setup};
use deskplane_kube_double::DoubleSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) -> bool {
    for _ in 0..200 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn token_settings() -> DoubleSettings {
    DoubleSettings {
        token: Some("journey-token".into()),
        ..DoubleSettings::default()
    }
}

#[tokio::test]
async fn the_journey_creates_and_removes_real_pod_objects() {
    let setup = setup(token_settings()).await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    let secrets = double_get(&setup, "/api/v1/namespaces/abcdesktop/secrets").await;
    assert!(
        secrets["items"].as_array().unwrap().len() >= 3,
        "login wrote the user's secrets"
    );

    server.register_app("firefox.d.3.0.json").await;
    let launch = server
        .post_json(
            "/composer/launchdesktop",
            Some(&token),
            json!({"width": 1440, "height": 819}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(launch["status"], 200, "{launch}");
    let desktops = pods(&setup, "type=x11server").await;
    assert_eq!(desktops.len(), 1);
    let pod = &desktops[0];
    let pod_ip = pod["status"]["podIP"].as_str().unwrap();
    assert_eq!(
        launch["result"]["target_ip"], pod_ip,
        "bridge routing falls back to the pod IP"
    );
    assert_eq!(pod["metadata"]["labels"]["access_provider"], "anonymous");
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(containers, ["x-graphical", "s-sound", "f-filer"]);
    let env: Vec<&str> = pod["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(env.contains(&"ABCDESKTOP_WEBCLIENT_SOURCEIPADDR"));

    let run = server
        .post_json(
            "/composer/ocrun",
            Some(&token),
            json!({"image": "abcdesktopio/firefox.d:3.0"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(run["result"]["type"], "ephemeral_container");
    let name = pod["metadata"]["name"].as_str().unwrap().to_owned();
    let with_app = double_get(&setup, &format!("/api/v1/namespaces/abcdesktop/pods/{name}")).await;
    assert_eq!(
        with_app["spec"]["ephemeralContainers"][0]["image"],
        "abcdesktopio/firefox.d:3.0"
    );
    assert_eq!(
        with_app["spec"]["ephemeralContainers"][0]["targetContainerName"],
        "x-graphical"
    );
    let listed = server
        .post_json("/composer/listcontainer", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(listed["result"][0]["id"], run["result"]["container_id"]);

    let logout = server
        .post_json("/auth/logout", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(logout["message"], "ok");
    assert!(
        eventually(|| async { pods(&setup, "type=x11server").await.is_empty() }).await,
        "the pod is gone"
    );
    let secrets = double_get(&setup, "/api/v1/namespaces/abcdesktop/secrets").await;
    assert_eq!(secrets["items"], json!([]), "the user's secrets are gone");
    server.stop().await;
}

#[tokio::test]
async fn a_never_pulling_image_fails_launchdesktop_quickly() {
    let mut setup = setup(token_settings()).await;
    setup.config.desktop.pod["graphical"]["image"] = json!("registry.example/never-pulls:1");
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    let started = Instant::now();
    let launch = server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(launch["status"], 500);
    assert!(launch["error"].as_str().unwrap().contains("ErrImagePull"), "{launch}");
    let progress = server
        .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(progress["message"], "stopinfo");
    server.stop().await;
}

#[tokio::test]
async fn the_garbage_collector_keeps_connected_desktops_and_removes_idle_ones() {
    // The double's connectcount.sh answers "1": someone is connected.
    let settings = DoubleSettings {
        exec_scripts: vec![("/composer/connectcount.sh".into(), 0, "1\n".into())],
        ..token_settings()
    };
    let setup = setup(settings).await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let kept = server.get_json("/manager/garbagecollector?expirein=0").await;
    assert_eq!(kept, json!([]), "a connected desktop is kept, counted through exec");
    let removed = server.get_json("/manager/garbagecollector?expirein=0&force=true").await;
    assert_eq!(removed.as_array().unwrap().len(), 1);
    assert!(eventually(|| async { pods(&setup, "type=x11server").await.is_empty() }).await);
    server.stop().await;

    let setup = self::setup(token_settings()).await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let kept = server.get_json("/manager/garbagecollector?expirein=900").await;
    assert_eq!(kept, json!([]), "not idle long enough");
    let removed = server.get_json("/manager/garbagecollector?expirein=0").await;
    assert_eq!(
        removed.as_array().unwrap().len(),
        1,
        "nobody connected and idle past expirein"
    );
    server.stop().await;
}

#[tokio::test]
async fn two_instances_launching_for_one_user_make_one_pod() {
    let setup = setup(token_settings()).await;
    let first = TestServer::with(setup.config.clone()).await;
    let second = TestServer::with(setup.config.clone()).await;
    let token = first.login_anonymous().await;
    let body = json!({"width": 1280});
    let (a, b) = tokio::join!(
        first.post_json("/composer/launchdesktop", Some(&token), body.clone(), StatusCode::OK),
        second.post_json("/composer/launchdesktop", Some(&token), body, StatusCode::OK),
    );
    assert_eq!(a["status"], 200, "{a}");
    assert_eq!(b["status"], 200, "{b}");
    assert_eq!(
        pods(&setup, "type=x11server").await.len(),
        1,
        "one pod for one user across replicas"
    );
    assert_eq!(a["result"]["target_ip"], b["result"]["target_ip"]);
    assert_eq!(
        a["result"]["vncpassword"], b["result"]["vncpassword"],
        "the replica that lost the race did not overwrite the password"
    );
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn the_scheduled_garbage_collector_removes_idle_desktops_on_its_own() {
    let mut setup = setup(token_settings()).await;
    setup.config.garbage_collector.interval_seconds = 1;
    setup.config.garbage_collector.expirein_seconds = 0;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let mut removed = false;
    for _ in 0..200 {
        if pods(&setup, "type=x11server").await.is_empty() {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(removed, "the leader's scheduled run removed the idle desktop");
    let lease = double_get(
        &setup,
        "/apis/coordination.k8s.io/v1/namespaces/abcdesktop/leases/deskplane-garbage-collector",
    )
    .await;
    assert!(lease["spec"]["holderIdentity"].is_string(), "{lease}");
    server.stop().await;
}

#[tokio::test]
async fn a_launch_with_a_token_that_outlived_its_session_answers_at_once() {
    // Review F11: logout deletes the user's secrets but the token stays valid; the next
    // launch used to create a pod that waited for the deleted secrets until the timeout.
    let setup = setup(token_settings()).await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    server.post("/auth/logout", Some(&token), json!({})).await;
    assert!(eventually(|| async { pods(&setup, "type=x11server").await.is_empty() }).await);
    let started = Instant::now();
    let again = server.post("/composer/launchdesktop", Some(&token), json!({})).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["message"], "user session has ended, please log in again");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(
        pods(&setup, "type=x11server").await.is_empty(),
        "no pod waits for missing secrets"
    );
    server.stop().await;
}

/// `manager/dry_run_desktop` answers the pod manifest a launch would create for the
/// caller, and creates nothing: no pod, no Secret.
#[tokio::test]
async fn a_dry_run_describes_the_pod_and_creates_nothing() {
    let setup = setup(token_settings()).await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    let response = server
        .client
        .get(server.url("/manager/dry_run_desktop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a user's token is needed");
    let pod: Value = server
        .client
        .get(server.url("/manager/dry_run_desktop"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pod["kind"], "Pod", "{pod}");
    assert_eq!(pod["metadata"]["labels"]["type"], "x11server");
    assert_eq!(pod["spec"]["containers"][0]["name"], "x-graphical");
    let parsed: Result<k8s_openapi::api::core::v1::Pod, _> = serde_json::from_value(pod);
    assert!(parsed.is_ok(), "a valid Pod: {parsed:?}");
    assert!(pods(&setup, "type=x11server").await.is_empty(), "nothing was created");
    let secrets = double_get(&setup, "/api/v1/namespaces/abcdesktop/secrets").await;
    assert!(
        !secrets["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "abcdesktop/vnc"),
        "no VNC secret either: {secrets}"
    );
    server.stop().await;
}

/// Two deskplane processes over one MongoDB, one Redis and the double: a user logged in
/// through one launching on both at once gets one pod, and the launch progress is in the
/// shared cache (tests/backends.rs reads one replica's progress through the other).
#[tokio::test]
async fn two_replicas_on_mongodb_and_redis_make_one_pod_and_share_progress() {
    let setup = setup(token_settings()).await;
    let mut config = setup.config.clone();
    let required = |variable: &str| {
        std::env::var(variable).unwrap_or_else(|_| panic!("{variable} is not set: run scripts/test.sh"))
    };
    let prefix = format!("kube{}_", std::process::id());
    config.backends.datastore = "mongodb".into();
    config.mongodburl = Some(required("MONGODB_URL"));
    config.mongodb.database_prefix = prefix.clone();
    config.backends.cache = "redis".into();
    config.redisurl = Some(required("REDIS_URL"));
    config.cache.key_prefix = prefix;
    let first = TestServer::with(config.clone()).await;
    let second = TestServer::with(config).await;
    let token = second.login_anonymous().await;
    let body = json!({"width": 1280});
    let (a, b) = tokio::join!(
        first.post_json("/composer/launchdesktop", Some(&token), body.clone(), StatusCode::OK),
        second.post_json("/composer/launchdesktop", Some(&token), body, StatusCode::OK),
    );
    assert_eq!(
        (a["status"].clone(), b["status"].clone()),
        (json!(200), json!(200)),
        "{a} {b}"
    );
    assert_eq!(pods(&setup, "type=x11server").await.len(), 1);
    let progress = first
        .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(progress["message"], "stopinfo", "{progress}");
    first.stop().await;
    second.stop().await;
}

/// Network webhooks on the Kubernetes orchestrator: the create command gets the pod's
/// address and name from the double, and the destroy command runs once the logout has
/// removed the pod.
#[tokio::test]
async fn webhooks_run_with_the_pods_address_and_after_its_removal() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().display().to_string();
    let setup = setup(token_settings()).await;
    let mut config = setup.config.clone();
    config.desktop.policies.rules = json!({"network": {"default": {"webhook": {
        "create": format!("touch '{folder}/{{{{ id }}}}@{{{{ ipAddr }}}}'"),
        "destroy": format!("rm '{folder}/{{{{ id }}}}@{{{{ ipAddr }}}}'"),
    }}}});
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let pod = pods(&setup, "type=x11server").await.remove(0);
    let marker = dir.path().join(format!(
        "{}@{}",
        pod["metadata"]["name"].as_str().unwrap(),
        pod["status"]["podIP"].as_str().unwrap()
    ));
    assert!(
        eventually(|| async { marker.exists() }).await,
        "the create webhook ran with the pod's name and address: {}",
        marker.display()
    );
    server
        .post_json("/auth/logout", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert!(
        eventually(|| async { !marker.exists() }).await,
        "the destroy webhook ran"
    );

    // A desktop deleted outside deskplane (here with the API directly, as kubectl would)
    // runs its destroy webhook too, seen by the pod watcher.
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let pod = pods(&setup, "type=x11server").await.remove(0);
    let name = pod["metadata"]["name"].as_str().unwrap().to_owned();
    let marker = dir
        .path()
        .join(format!("{name}@{}", pod["status"]["podIP"].as_str().unwrap()));
    assert!(eventually(|| async { marker.exists() }).await);
    let deleted = common::kube::double_client(&setup.double)
        .delete(format!(
            "{}/api/v1/namespaces/abcdesktop/pods/{name}?gracePeriodSeconds=0",
            setup.double.url()
        ))
        .bearer_auth("journey-token")
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert!(
        eventually(|| async { !marker.exists() }).await,
        "the watcher ran the destroy webhook of a pod deleted elsewhere"
    );
    server.stop().await;
}

/// `PUT manager/image` adds the application and pre-pulls its image: one pull pod per node
/// (here the double's one node), `pulling: true` in the answer; the pod watcher deletes a
/// pull pod once it has ended. A node name that is not an object name is refused.
#[tokio::test]
async fn put_image_prepulls_on_the_nodes_and_the_pull_pods_go_when_done() {
    let setup = setup(token_settings()).await;
    let server = TestServer::with(setup.config.clone()).await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/apps/firefox.d.3.0.json"
    );
    let image: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let answer: Value = server
        .client
        .put(server.url("/manager/image"))
        .json(&image)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer[0]["pulling"], true, "{answer}");
    let pulls = pods(&setup, "type=pod_application_pull").await;
    assert_eq!(pulls.len(), 1, "one pull pod for the one node");
    let pull = &pulls[0];
    assert_eq!(pull["spec"]["containers"][0]["image"], answer[0]["id"]);
    assert_eq!(pull["spec"]["containers"][0]["imagePullPolicy"], "Always");
    assert_eq!(pull["spec"]["nodeName"], setup.double.cluster.settings.node.as_str());
    assert_eq!(pull["spec"]["restartPolicy"], "Never");
    let listed = server.get_json("/manager/images").await;
    assert!(
        listed
            .as_object()
            .unwrap()
            .contains_key(answer[0]["id"].as_str().unwrap())
    );

    let name = pull["metadata"]["name"].as_str().unwrap().to_owned();
    let ended = common::kube::double_client(&setup.double)
        .patch(format!(
            "{}/api/v1/namespaces/abcdesktop/pods/{name}/status",
            setup.double.url()
        ))
        .bearer_auth("journey-token")
        .header("Content-Type", "application/merge-patch+json")
        .body(json!({"status": {"phase": "Succeeded"}}).to_string())
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    assert!(
        eventually(|| async { pods(&setup, "type=pod_application_pull").await.is_empty() }).await,
        "the watcher deleted the ended pull pod"
    );
    let refused = server
        .client
        .put(server.url("/manager/image?node=../etc"))
        .json(&image)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    server.stop().await;
}
