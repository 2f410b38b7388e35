//! Volumes granted by labels (orchestration.md §5.4): the user's labels pick rules, each
//! rule a volume mounted in the graphical container and in application pods; a rendered
//! path that could leave its folder is refused. Golden manifest and the API double.

use super::*;
use serde_json::{Value, json};

fn granting_settings() -> PodSettings {
    let mut settings = shipped_settings("abcdesktop").pod;
    settings.rule_volumes = json!({
        "ship-crew": [
            {"type": "nfs", "name": "planet", "server": "nfs.planetexpress.com",
             "path": "/export/homes/{{ uid }}", "mountPath": "/mnt/planet", "readOnly": true},
            {"type": "pvc", "name": "shared", "claimName": "shared-data", "mountPath": "/mnt/shared"},
            {"type": "webdav", "url": "https://dav.example"}
        ],
        "adminstaff": {"type": "hostPath", "name": "logs", "path": "/var/log", "hostPathType": "Directory",
                       "mountPath": "/mnt/logs", "mountPropagation": "HostToContainer"}
    })
    .as_object()
    .cloned()
    .unwrap();
    settings
}

fn mounted(container: &Value) -> Vec<String> {
    container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m["name"].as_str().unwrap(), m["mountPath"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_labels_volumes_match_the_golden_manifest() {
    let manifest = desktop_pod(&granting_settings(), &fry_spec(), "abcdesktop").unwrap();
    assert_golden(&manifest, "desktop-pod-fry-rule-volumes.json");
    let volumes = manifest["spec"]["volumes"].as_array().unwrap();
    let nfs = volumes.iter().find(|v| v["name"] == "rule-nfs-planet").unwrap();
    assert_eq!(
        nfs["nfs"],
        json!({"server": "nfs.planetexpress.com", "path": "/export/homes/fry", "readOnly": true}),
        "rule strings render the user's POSIX fields"
    );
    let mounts = mounted(&manifest["spec"]["containers"][0]);
    for expected in ["rule-nfs-planet /mnt/planet", "rule-pvc-shared /mnt/shared"] {
        assert!(mounts.iter().any(|m| m == expected), "{expected} in {mounts:?}");
    }
    assert!(
        !volumes.iter().any(|v| v["name"] == "rule-hostpath-logs"),
        "fry has no adminstaff label"
    );
}

#[test]
fn another_label_grants_other_volumes_and_no_label_none() {
    let settings = granting_settings();
    let mut admin = fry_spec();
    admin.labels = [("adminstaff".to_owned(), "true".to_owned())].into();
    let manifest = desktop_pod(&settings, &admin, "abcdesktop").unwrap();
    let logs = manifest["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "rule-hostpath-logs")
        .cloned()
        .unwrap();
    assert_eq!(logs["hostPath"], json!({"path": "/var/log", "type": "Directory"}));
    let mount = manifest["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "rule-hostpath-logs")
        .cloned()
        .unwrap();
    assert_eq!(mount["mountPropagation"], "HostToContainer");
    let mut nobody = fry_spec();
    nobody.labels.clear();
    let plain = desktop_pod(&settings, &nobody, "abcdesktop").unwrap();
    assert!(!plain.to_string().contains("rule-"), "no label, no granted volume");
}

/// A uid that would climb out of the export (`../`) is refused, not mounted.
#[test]
fn a_rendered_path_that_leaves_its_folder_is_refused() {
    let mut spec = fry_spec();
    spec.posix.uid = "../../etc".into();
    let refused = desktop_pod(&granting_settings(), &spec, "abcdesktop");
    match refused {
        Err(crate::ports::OrchestratorError::Rejected(message)) => assert!(message.contains("ship-crew"), "{message}"),
        other => panic!("{other:?}"),
    }
}

/// On the double: the desktop with its granted volumes is accepted, and an application
/// pod of the desktop declares and mounts the same volumes.
#[tokio::test]
async fn granted_volumes_reach_the_desktop_and_its_application_pods() {
    use crate::ports::{ApplicationRuntime, DesktopOrchestrator};
    let (orchestrator, _double, desktop) = fry_desktop_on_double(granting_settings()).await;
    let stored = orchestrator.describe_desktop(&desktop.name).await.unwrap().unwrap();
    assert!(mounted(&stored["spec"]["containers"][0]).contains(&"rule-nfs-planet /mnt/planet".to_owned()));
    orchestrator
        .launch_application(&desktop, &fry_2048(crate::domain::apps::Engine::PodApplication))
        .await
        .unwrap();
    let pod = orchestrator.describe_desktop("fry-2048-00001").await.unwrap().unwrap();
    assert!(mounted(&pod["spec"]["containers"][0]).contains(&"rule-pvc-shared /mnt/shared".to_owned()));
    assert!(
        pod["spec"]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["persistentVolumeClaim"]["claimName"] == "shared-data")
    );
}

/// A CIFS rule mounts its share through the `<namespace>/cifs` flexVolume driver, as the
/// user (their uid and gid), with the credential secret their login wrote for it.
#[test]
fn a_cifs_share_mounts_with_the_users_own_secret() {
    let mut settings = shipped_settings("abcdesktop").pod;
    settings.rule_volumes =
        json!({"ship-crew": {"type": "cifs", "volumename": "Homes", "unc": "//files/homes/{{ uid }}",
        "mountPath": "/home/{{ uid }}/H", "mountOptions": "vers=3.0"}})
        .as_object()
        .cloned()
        .unwrap();
    let spec = fry_spec();
    let manifest = desktop_pod(&settings, &spec, "abcdesktop").unwrap();
    let volume = manifest["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "rule-cifs-homes")
        .cloned()
        .unwrap();
    let secret = crate::domain::owner_names::SecretName::new("cifs-homes", &spec.owner).to_string();
    assert_eq!(
        volume["flexVolume"],
        json!({"driver": "abcdesktop/cifs", "fsType": "cifs", "secretRef": {"name": secret},
               "options": {"networkPath": "//files/homes/fry", "mountOptions": "uid=1003,gid=1002,vers=3.0"}})
    );
    assert!(mounted(&manifest["spec"]["containers"][0]).contains(&"rule-cifs-homes /home/fry/H".to_owned()));
}
