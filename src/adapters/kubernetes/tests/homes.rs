//! Homes (orchestration.md §5.3): a claim shared by every user is mounted by each user's
//! own folder (`subPath`), memory folders sit under the home wherever it is mounted, and
//! what Kubernetes refuses (a `subPath` in an ephemeral container) is refused first with
//! a clear error. Held by a golden manifest and checked against the API double.

use super::*;
use crate::domain::owner_names::home_folder;
use serde_json::{Value, json};

/// The shipped settings with homes on the shared claim `homes`, `.cache` and
/// `.local/share` in memory.
fn shared_claim_settings() -> PodSettings {
    let mut settings = shipped_settings("abcdesktop").pod;
    settings.home_directory_type = Some("persistentVolumeClaim".into());
    settings.home_claim = Some(json!("homes"));
    settings.home.memory_dirs = vec![".cache".into(), ".local/share".into()];
    settings.home.memory_volume = super::super::default_memory_volume();
    settings
}

fn mounts_of(container: &Value) -> Vec<(&str, &str, Option<&str>)> {
    container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
                m["subPath"].as_str(),
            )
        })
        .collect()
}

#[test]
fn a_shared_claim_home_matches_the_golden_manifest() {
    let manifest = desktop_pod(&shared_claim_settings(), &fry_spec(), "abcdesktop").unwrap();
    assert_golden(&manifest, "desktop-pod-fry-shared-home.json");

    let spec = fry_spec();
    let folder = home_folder(&spec.owner);
    let graphical = &manifest["spec"]["containers"][0];
    let mounts = mounts_of(graphical);
    assert!(
        mounts.contains(&("home", "/home/fry", Some(folder.as_str()))),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&("memory-cache", "/home/fry/.cache", None)),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&("memory-local-share", "/home/fry/.local/share", None)),
        "{mounts:?}"
    );
    let filer = manifest["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "f-filer")
        .unwrap();
    assert!(
        mounts_of(filer).contains(&("memory-cache", "/home/fry/.cache", None)),
        "the filer lists home: it gets the memory folders too"
    );
    let volumes = manifest["spec"]["volumes"].as_array().unwrap();
    let memory = volumes.iter().find(|v| v["name"] == "memory-cache").unwrap();
    assert_eq!(memory["emptyDir"]["medium"], "Memory");
    let home = volumes.iter().find(|v| v["name"] == "home").unwrap();
    assert_eq!(home["persistentVolumeClaim"]["claimName"], "homes");
}

/// Two users whose ids differ only where names are normalised share the claim but never
/// a folder of it.
#[test]
fn users_of_a_shared_claim_never_share_a_folder() {
    let settings = shared_claim_settings();
    let subpath = |userid: &str, provider: &str| {
        let mut spec = fry_spec();
        spec.owner.userid = crate::domain::identity::UserId::parse(userid).unwrap();
        spec.owner.provider = provider.into();
        let manifest = desktop_pod(&settings, &spec, "abcdesktop").unwrap();
        mounts_of(&manifest["spec"]["containers"][0])
            .into_iter()
            .find(|(name, ..)| *name == "home")
            .and_then(|(_, _, sub)| sub.map(str::to_owned))
            .unwrap()
    };
    let folders = [
        subpath("fry", "planet"),
        subpath("Fry", "planet"),
        subpath("fry", "other"),
        subpath("f.ry", "planet"),
        subpath("f ry", "planet"),
    ];
    for (i, a) in folders.iter().enumerate() {
        for b in &folders[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn per_user_claims_take_a_sub_path_only_when_asked() {
    let mut settings = shared_claim_settings();
    settings.home_claim = Some(json!({"metadata": {"name": "x"}, "spec": {}}));
    let spec = fry_spec();
    let home_mount = |settings: &PodSettings| {
        let manifest = desktop_pod(settings, &spec, "abcdesktop").unwrap();
        mounts_of(&manifest["spec"]["containers"][0])
            .into_iter()
            .find(|(name, ..)| *name == "home")
            .map(|(_, path, sub)| (path.to_owned(), sub.map(str::to_owned)))
            .unwrap()
    };
    assert_eq!(home_mount(&settings), ("/home/fry".to_owned(), None));
    settings.home.sub_path = true;
    settings.home.mount_suffix = "Documents/".into();
    assert_eq!(
        home_mount(&settings),
        ("/home/fry/Documents".to_owned(), Some(home_folder(&spec.owner)))
    );
}

/// On the double: the desktop with its shared-claim home is accepted; a pod application
/// mounts the same folder; an ephemeral container is refused before any API call, since
/// Kubernetes forbids its `subPath`.
#[tokio::test]
async fn applications_mount_the_same_folder_or_are_refused_clearly() {
    use crate::domain::apps::Engine;
    use crate::ports::{ApplicationRuntime, DesktopOrchestrator, OrchestratorError};
    let (orchestrator, _double, desktop) = fry_desktop_on_double(shared_claim_settings()).await;
    let spec = fry_spec();
    let refused = orchestrator
        .launch_application(&desktop, &fry_2048(Engine::EphemeralContainer))
        .await;
    match refused {
        Err(OrchestratorError::Rejected(message)) => assert!(message.contains("pod_application"), "{message}"),
        other => panic!("{other:?}"),
    }
    orchestrator
        .launch_application(&desktop, &fry_2048(Engine::PodApplication))
        .await
        .expect("the API server accepts the application pod");
    let pod = orchestrator.describe_desktop("fry-2048-00001").await.unwrap().unwrap();
    let mounts = mounts_of(&pod["spec"]["containers"][0]);
    let folder = home_folder(&spec.owner);
    assert!(
        mounts.contains(&("home", "/home/fry", Some(folder.as_str()))),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&("memory-cache", "/home/fry/.cache", None)),
        "{mounts:?}"
    );
}
