//! The adapter against the Kubernetes API double, over HTTP.

use super::*;
use crate::domain::desktop::RemovalScope;
use crate::ports::{DesktopOrchestrator, UserSecretStore};
use serde_json::json;

#[tokio::test]
async fn the_adapter_honours_the_orchestrator_contract_against_the_double() {
    let settings = DoubleSettings {
        token: Some("contract-token".into()),
        ..DoubleSettings::default()
    };
    let (orchestrator, _double) = against_double(settings).await;
    tokio::time::timeout(Duration::from_secs(30), contract::orchestrator_contract(&orchestrator))
        .await
        .expect("the contract finishes");
}

#[tokio::test]
async fn the_adapter_never_hands_a_desktop_to_another_owner_on_the_double() {
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    tokio::time::timeout(
        Duration::from_secs(30),
        contract::owner_collision_contract(&orchestrator),
    )
    .await
    .expect("the contract finishes");
}

#[tokio::test]
async fn a_secret_of_that_name_held_by_another_owner_is_never_read_or_patched() {
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let victim = contract::owner("victim");
    let intruder = contract::owner("intruder");
    // Someone (a hand-made object, a future name bug) holds the intruder's secret name.
    let name = crate::domain::owner_names::SecretName::new("vnc", &intruder).to_string();
    let foreign = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name,
        "annotations": {"deskplane.io/userid": "victim", "deskplane.io/provider": "planet"}},
        "data": {"password": "dmljdGltcGFzcw=="}});
    let foreign: k8s_openapi::api::core::v1::Secret = serde_json::from_value(foreign).unwrap();
    orchestrator
        .secrets()
        .create(&Default::default(), &foreign)
        .await
        .unwrap();
    assert!(matches!(
        orchestrator.read_user_secret(&intruder, "vnc").await,
        Err(crate::ports::OrchestratorError::OwnerMismatch(_))
    ));
    let write = vec![crate::domain::desktop::UserSecret {
        files: Default::default(),
        kind: "vnc".into(),
        data: std::collections::BTreeMap::from([("password".to_owned(), "intruderpass".to_owned())]),
    }];
    assert!(matches!(
        orchestrator.prepare_user_resources(&intruder, &write).await,
        Err(crate::ports::OrchestratorError::OwnerMismatch(_))
    ));
    let stored = orchestrator.secrets().get(&name).await.unwrap();
    assert_eq!(stored.data, foreign.data, "not patched");
    assert!(orchestrator.read_user_secret(&victim, "vnc").await.unwrap().is_none());
}

#[tokio::test]
async fn a_never_pulling_image_fails_fast_with_a_clear_message() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    orchestrator.settings.pod.pod["graphical"]["image"] = json!("registry.example/never-pulls:1");
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = orchestrator
        .create_desktop(&spec, contract::progress())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "failed fast, not after the timeout"
    );
    assert!(error.to_string().contains("ErrImagePull"), "{error}");
    drop(double);
}

#[tokio::test]
async fn an_unschedulable_desktop_fails_fast() {
    let (mut orchestrator, _double) = against_double(DoubleSettings::default()).await;
    orchestrator.settings.pod.node_selector = [("gpu".to_owned(), json!("yes"))].into_iter().collect();
    orchestrator
        .prepare_user_resources(&fry_spec().owner, &[contract_localaccount()])
        .await
        .unwrap();
    let error = orchestrator
        .create_desktop(&fry_spec(), contract::progress())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("can not be scheduled"), "{error}");
}

#[tokio::test]
async fn a_desktop_waits_for_its_secrets_and_then_starts() {
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let spec = fry_spec();
    let owner = spec.owner.clone();
    let progress = contract::progress();
    let creating = orchestrator.create_desktop(&spec, progress.clone());
    let late_secret = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        orchestrator
            .prepare_user_resources(&owner, &[contract_localaccount()])
            .await
            .unwrap();
    };
    let (created, ()) = tokio::join!(creating, late_secret);
    let desktop = created.expect("the desktop starts once its local account secret exists");
    assert_eq!(desktop.phase, crate::domain::desktop::DesktopPhase::Running);
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(messages.contains("MountVolume.SetUp failed"), "{messages}");
}

#[tokio::test]
async fn desktops_report_readiness_and_connections_through_exec() {
    let settings = DoubleSettings {
        exec_scripts: vec![("/composer/connectcount.sh".into(), 0, "3\n".into())],
        ..DoubleSettings::default()
    };
    let (orchestrator, _double) = against_double(settings).await;
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = contract::progress();
    let desktop = orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains("c.Waiting for desktop graphical service 1/42"),
        "{messages}"
    );
    assert!(
        messages.contains("c.Desktop services are running after 1 s"),
        "{messages}"
    );
    assert_eq!(orchestrator.count_connections(&desktop).await.unwrap(), 3);
}

pub(super) fn with_claim_template(orchestrator: &mut KubernetesOrchestrator, storage_class: &str) {
    let pod = &mut orchestrator.settings.pod;
    pod.home_directory_type = Some("persistentVolumeClaim".into());
    pod.remove_home_claim = true;
    pod.home_claim = Some(
        json!({"metadata": {"name": "{{ provider }}-{{ userid }}", "annotations": {"nfs.io/username": "{{ userid }}"}},
        "spec": {"storageClassName": storage_class, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
    );
}

#[tokio::test]
async fn per_user_home_claims_are_created_bound_mounted_and_removed() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    with_claim_template(&mut orchestrator, "nfs-client");
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = contract::progress();
    let desktop = orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    let claim_name = crate::domain::owner_names::home_claim_name(&spec.owner);
    assert!(claim_name.starts_with("home-fry-"), "named by the owner: {claim_name}");
    assert!(
        messages.contains(&format!(
            "Your persistent volume claim {claim_name} is Bound using storage class nfs-client"
        )),
        "{messages}"
    );
    let claims: kube::Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        kube::Api::namespaced(client_for(&double).await, "abcdesktop");
    let claim = claims.get(&claim_name).await.unwrap();
    assert_eq!(claim.metadata.labels.unwrap()["access_userid"], "fry");
    assert_eq!(claim.metadata.annotations.unwrap()["nfs.io/username"], "fry");
    let pod = orchestrator.describe_desktop(&desktop.name).await.unwrap().unwrap();
    let home = pod["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "home")
        .unwrap()
        .clone();
    assert_eq!(home["persistentVolumeClaim"]["claimName"], claim_name.as_str());
    orchestrator
        .remove_desktop(&desktop, RemovalScope::Everything)
        .await
        .unwrap();
    assert!(
        claims.get_opt(&claim_name).await.unwrap().is_none(),
        "removepersistentvolumeclaim deletes it"
    );
}

#[tokio::test]
async fn a_claim_that_never_binds_is_reported_and_the_desktop_still_starts() {
    let (mut orchestrator, _double) = against_double(DoubleSettings::default()).await;
    with_claim_template(&mut orchestrator, "never-binds");
    orchestrator.settings.bound_claim_timeout = Duration::from_millis(500);
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = contract::progress();
    orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains(&format!(
            "e.Your persistent volume claim {} is not bound",
            crate::domain::owner_names::home_claim_name(&spec.owner)
        )),
        "{messages}"
    );
}

#[tokio::test]
async fn application_pods_declare_what_they_mount_and_stop_by_deletion() {
    use crate::ports::ApplicationRuntime;
    let (orchestrator, _double, desktop) = fry_desktop_on_double(shipped_settings("abcdesktop").pod).await;
    let launch = fry_2048(crate::domain::apps::Engine::PodApplication);
    let launched = orchestrator
        .launch_application(&desktop, &launch)
        .await
        .expect("the API server accepts the pod (its mounts are declared)");
    assert_eq!(launched.kind, "pod_application");
    let pod = orchestrator.describe_desktop("fry-2048-00001").await.unwrap().unwrap();
    let volumes: Vec<&str> = pod["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        volumes.contains(&"home") && volumes.contains(&"extrausers") && volumes.contains(&"tmp"),
        "{volumes:?}"
    );
    let apps = orchestrator.list_applications(&desktop).await.unwrap();
    assert!(
        apps.iter()
            .any(|a| a.podname == "fry-2048-00001" && a.engine == crate::domain::apps::Engine::PodApplication)
    );
    let app_ref = crate::domain::apps::AppRef {
        podname: "fry-2048-00001".into(),
        containerid: "fry-2048-00001".into(),
    };
    assert!(orchestrator.stop_application(&desktop, &app_ref).await.unwrap());
    assert!(
        orchestrator.describe_desktop("fry-2048-00001").await.unwrap().is_none(),
        "stopped by deletion"
    );
    let ephemeral = crate::domain::apps::AppRef {
        podname: desktop.name.clone(),
        containerid: "anything".into(),
    };
    assert!(
        !orchestrator.stop_application(&desktop, &ephemeral).await.unwrap(),
        "ephemeral containers cannot be stopped"
    );
}

#[tokio::test]
async fn users_whose_ids_are_not_label_values_keep_their_desktops_apart() {
    use crate::ports::ApplicationRuntime;
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let mut first = fry_spec();
    first.owner.userid = crate::domain::identity::UserId::parse("a b").unwrap();
    first.name = crate::domain::owner_names::DesktopName::from_existing("ab-00001");
    let mut second = fry_spec();
    second.owner.userid = crate::domain::identity::UserId::parse("a_b").unwrap();
    second.name = crate::domain::owner_names::DesktopName::from_existing("ab-00002");
    for spec in [&first, &second] {
        orchestrator
            .prepare_user_resources(&spec.owner, &[contract_localaccount()])
            .await
            .unwrap();
        orchestrator.create_desktop(spec, contract::progress()).await.unwrap();
    }
    assert_eq!(
        orchestrator.find_desktop(&first.owner).await.unwrap().unwrap().name,
        "ab-00001"
    );
    assert_eq!(
        orchestrator.find_desktop(&second.owner).await.unwrap().unwrap().name,
        "ab-00002"
    );
    assert_eq!(
        orchestrator
            .owner_of("ab-00001")
            .await
            .unwrap()
            .unwrap()
            .userid
            .as_str(),
        "a b",
        "the exact owner comes back"
    );
}
