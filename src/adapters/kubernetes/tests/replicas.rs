//! Replicas and the watch: the lease, the pod watcher's recovery and resync, cleanup of
//! finished application pods, against the API double.

use super::*;
use crate::ports::{DesktopOrchestrator, UserSecretStore};
use serde_json::json;

#[tokio::test]
async fn one_replica_holds_the_lease_until_it_stops_renewing() {
    use crate::ports::LeaderElection;
    let (_orchestrator, double) = against_double(DoubleSettings::default()).await;
    let first = LeaseElection::new(
        client_for(&double).await,
        "abcdesktop",
        "gc",
        "replica-a",
        Duration::from_secs(1),
    );
    let second = LeaseElection::new(
        client_for(&double).await,
        "abcdesktop",
        "gc",
        "replica-b",
        Duration::from_secs(1),
    );
    assert!(first.hold().await.unwrap());
    assert!(!second.hold().await.unwrap(), "the lease is held");
    assert!(first.hold().await.unwrap(), "the holder renews");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(second.hold().await.unwrap(), "an expired lease is taken over");
    assert!(!first.hold().await.unwrap(), "the old holder is now a follower");
    // Both replicas race for the expired lease: the holder renewing, the other taking
    // over. The resource version makes the later write fail, so exactly one leads; a
    // replace without it would let both win.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(2_100)).await;
        let (a, b) = tokio::join!(first.hold(), second.hold());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a ^ b, "exactly one leader after a simultaneous takeover: {a} {b}");
    }
}

#[tokio::test]
async fn the_watcher_recovers_from_410_gone_and_keeps_its_cache() {
    let settings = DoubleSettings {
        history_limit: 5,
        watch_max: Some(Duration::from_millis(200)),
        ..DoubleSettings::default()
    };
    let (orchestrator, double) = against_double(settings).await;
    let orchestrator = orchestrator.with_watcher(Duration::from_secs(600), no_metrics(), None);
    orchestrator
        .prepare_user_resources(&fry_spec().owner, &[contract_localaccount()])
        .await
        .unwrap();
    // Churn beyond the kept history while watches reconnect, so a resume gets 410 Gone.
    for round in 0..4 {
        for i in 0..10 {
            let owner = contract::owner(&format!("churn{round}x{i}"));
            orchestrator
                .prepare_user_resources(&owner, &[contract_localaccount()])
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    orchestrator
        .create_desktop(&fry_spec(), contract::progress())
        .await
        .unwrap();
    let seen = within(5, || async {
        orchestrator
            .list_desktops()
            .await
            .unwrap()
            .iter()
            .any(|d| d.name == "fry-1f2e3")
            && orchestrator.watcher.as_ref().unwrap().pods().is_some()
    })
    .await;
    assert!(seen, "the cache shows the new desktop");
    assert!(
        double.cluster.gone_served() >= 1,
        "a resume was refused with 410 and the watcher relisted"
    );
}

#[tokio::test]
async fn the_watcher_deletes_finished_application_pods() {
    let (orchestrator, double) = against_double(DoubleSettings::default()).await;
    let _orchestrator = orchestrator.with_watcher(Duration::from_secs(600), no_metrics(), None);
    let client = client_for(&double).await;
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "abcdesktop");
    let pod = serde_json::from_value(json!({"metadata": {"name": "fry-app-2048-00001", "labels": {"type": "pod_application", "access_userid": "fry"}},
        "spec": {"containers": [{"name": "app", "image": "abcdesktopio/2048.d:3.0"}]}}))
    .unwrap();
    pods.create(&Default::default(), &pod).await.unwrap();
    let running = within(5, || async {
        pods.get("fry-app-2048-00001")
            .await
            .unwrap()
            .status
            .and_then(|s| s.phase)
            .as_deref()
            == Some("Running")
    })
    .await;
    assert!(running, "the application pod runs");
    let finished = json!({"status": {"containerStatuses": [{"name": "app", "image": "abcdesktopio/2048.d:3.0", "ready": false, "restartCount": 0,
        "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    pods.patch(
        "fry-app-2048-00001",
        &Default::default(),
        &kube::api::Patch::Merge(finished),
    )
    .await
    .unwrap();
    let gone = within(5, || async {
        pods.get_opt("fry-app-2048-00001")
            .await
            .unwrap()
            .is_none_or(|p| p.metadata.deletion_timestamp.is_some())
    })
    .await;
    assert!(gone, "the finished application pod was deleted");
}

#[tokio::test]
async fn the_periodic_resync_corrects_a_lost_event() {
    let (orchestrator, double) = against_double(DoubleSettings::default()).await;
    let metrics = std::sync::Arc::new(crate::adapters::prometheus::PrometheusMetrics::default());
    let orchestrator = orchestrator.with_watcher(Duration::from_millis(300), metrics.clone(), None);
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    orchestrator.create_desktop(&spec, contract::progress()).await.unwrap();
    let cached = |orchestrator: &KubernetesOrchestrator| {
        orchestrator
            .watcher
            .as_ref()
            .unwrap()
            .pods()
            .unwrap_or_default()
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("fry-1f2e3"))
    };
    within(2, || async { cached(&orchestrator) }).await;
    assert!(cached(&orchestrator), "the cache has the desktop");
    assert!(
        double
            .cluster
            .remove_silently(&kube_double::PODS, Some("abcdesktop"), "fry-1f2e3")
    );
    let corrected = within(5, || async { !cached(&orchestrator) }).await;
    assert!(
        corrected,
        "the next relist dropped the pod whose deletion was never announced"
    );
    use crate::ports::Metrics as _;
    assert!(
        metrics
            .exposition()
            .contains("deskplane_watch_restarts_total{watch=\"pods\",reason=\"resync\"}"),
        "each resync is counted"
    );
}

#[tokio::test]
async fn concurrent_launches_share_the_watches_instead_of_opening_their_own() {
    let (orchestrator, double) = against_double(DoubleSettings::default()).await;
    let orchestrator = std::sync::Arc::new(orchestrator.with_watcher(Duration::from_secs(600), no_metrics(), None));
    let watcher = orchestrator.watcher.as_ref().unwrap();
    for _ in 0..200 {
        if watcher.is_synced() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(watcher.is_synced());
    let shared = double.cluster.open_watches();
    let mut launches = tokio::task::JoinSet::new();
    for i in 0..50 {
        let orchestrator = orchestrator.clone();
        launches.spawn(async move {
            let spec = contract::spec(&format!("crowd{i}"));
            orchestrator
                .prepare_user_resources(&spec.owner, &[contract_localaccount()])
                .await
                .unwrap();
            orchestrator.create_desktop(&spec, contract::progress()).await
        });
    }
    let mut most = shared;
    let mut started = 0;
    while !launches.is_empty() {
        tokio::select! {
            done = launches.join_next() => {
                let desktop = done.unwrap().unwrap().expect("the desktop starts");
                assert!(desktop.ip_addr.is_some());
                started += 1;
            }
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        most = most.max(double.cluster.open_watches());
    }
    assert_eq!(started, 50);
    assert_eq!(
        most, shared,
        "50 launches at once opened watches of their own (2 each without the shared watch)"
    );
}

#[tokio::test]
async fn the_replicas_are_the_ready_addresses_of_the_services_endpoints() {
    use crate::ports::{ReplicaDirectory, ReplicaEndpoint};
    #[allow(deprecated)]
    use k8s_openapi::api::core::v1::Endpoints;
    let (_orchestrator, double) = against_double(DoubleSettings::default()).await;
    let client = client_for(&double).await;
    let directory = EndpointsDirectory::new(client.clone(), "abcdesktop", "pyos");
    assert!(
        directory.endpoints().await.unwrap().is_empty(),
        "no Endpoints object: no replica is known, and that is not an error"
    );
    let endpoints: Endpoints = serde_json::from_value(json!({
        "metadata": {"name": "pyos"},
        "subsets": [
            {"addresses": [{"ip": "10.1.0.7"}, {"ip": "10.1.0.9"}],
             "notReadyAddresses": [{"ip": "10.1.0.8"}],
             "ports": [{"name": "http", "port": 8000}, {"name": "metrics", "port": 9100}]},
            {"addresses": [{"ip": "10.1.1.3"}], "ports": [{"port": 8080}]},
            {"addresses": [{"ip": "10.1.1.4"}]}
        ]
    }))
    .unwrap();
    kube::Api::<Endpoints>::namespaced(client, "abcdesktop")
        .create(&Default::default(), &endpoints)
        .await
        .unwrap();
    let endpoint = |address: &str, port| ReplicaEndpoint {
        address: address.into(),
        port,
    };
    assert_eq!(
        directory.endpoints().await.unwrap(),
        vec![
            endpoint("10.1.0.7", 8000),
            endpoint("10.1.0.9", 8000),
            endpoint("10.1.1.3", 8080)
        ],
        "ready addresses only, each with its subset's first port; a subset without ports is skipped"
    );
    let elsewhere = EndpointsDirectory::new(client_for(&double).await, "abcdesktop", "deskplane");
    assert!(elsewhere.endpoints().await.unwrap().is_empty());
}
