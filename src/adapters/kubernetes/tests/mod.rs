//! Tests of the Kubernetes adapter: the golden manifest, scripted-verifier tests of the
//! exact API calls, and behaviour against the API double.

mod credentials;
mod double;
mod golden;
mod homes;
mod network;
mod notices;
mod replicas;
mod rule_volumes;
mod verifier;
mod volumes;

use super::*;
use crate::adapters::contract;
use crate::domain::desktop::{DesktopOwner, DesktopSpec, PosixAccount};
use deskplane_kube_double::{self as kube_double, DoubleSettings};
use std::time::Duration;

/// The pod settings of the shipped Kubernetes example config.
pub(super) fn shipped_settings(namespace: &str) -> KubernetesSettings {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml")).unwrap();
    let config = crate::config::load_str(&text, "kubernetes.toml", Vec::new())
        .unwrap()
        .config;
    KubernetesSettings {
        namespace: namespace.into(),
        create_pod_timeout: Duration::from_secs(10),
        ..crate::app::kubernetes_settings(&config)
    }
}

pub(super) fn fry_spec() -> DesktopSpec {
    let mut spec = contract::spec("fry");
    spec.owner = DesktopOwner {
        name: "Philip J. Fry".into(),
        ..spec.owner
    };
    spec.name = crate::domain::owner_names::DesktopName::from_existing("fry-1f2e3");
    spec.labels.insert("ship-crew".into(), "true".into());
    spec.posix = PosixAccount {
        uid: "fry".into(),
        gid: "ship_crew".into(),
        uid_number: 1003,
        gid_number: 1002,
        home_directory: "/home/fry".into(),
        login_shell: "/bin/bash".into(),
        gecos: "Philip J. Fry".into(),
        groups: vec![crate::domain::desktop::PosixGroup {
            cn: "planet_express".into(),
            gid_number: 21478,
            members: vec!["fry".into(), "bender".into()],
        }],
    };
    spec
}

pub(super) async fn against_double(settings: DoubleSettings) -> (KubernetesOrchestrator, kube_double::DoubleServer) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let double = kube_double::start(settings, listener).unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&double.kubeconfig("abcdesktop")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    (
        KubernetesOrchestrator::new(client, shipped_settings("abcdesktop")),
        double,
    )
}

pub(super) fn contract_localaccount() -> crate::domain::desktop::UserSecret {
    crate::domain::desktop::UserSecret {
        files: Default::default(),
        kind: "localaccount".into(),
        data: [("uid".to_owned(), "fry".to_owned())].into(),
    }
}

pub(super) async fn client_for(double: &kube_double::DoubleServer) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&double.kubeconfig("abcdesktop")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// Metrics nobody reads.
pub(super) fn no_metrics() -> std::sync::Arc<dyn crate::ports::Metrics> {
    std::sync::Arc::new(crate::adapters::prometheus::PrometheusMetrics::default())
}

/// Fry's desktop created on a fresh double with `pod` settings.
pub(super) async fn fry_desktop_on_double(
    pod: PodSettings,
) -> (
    KubernetesOrchestrator,
    kube_double::DoubleServer,
    crate::domain::desktop::Desktop,
) {
    let (orchestrator, double, desktop, _) = fry_desktop_with(DoubleSettings::default(), pod).await;
    (orchestrator, double, desktop)
}

/// Fry's desktop created on a fresh double of `double` settings with `pod` settings, and
/// the progress its creation published.
pub(super) async fn fry_desktop_with(
    double: DoubleSettings,
    pod: PodSettings,
) -> (
    KubernetesOrchestrator,
    kube_double::DoubleServer,
    crate::domain::desktop::Desktop,
    std::sync::Arc<contract::RecordedProgress>,
) {
    use crate::ports::{DesktopOrchestrator, UserSecretStore};
    let (mut orchestrator, double) = against_double(double).await;
    orchestrator.settings.pod = pod;
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = contract::progress();
    let desktop = orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    (orchestrator, double, desktop, progress)
}

/// Fry's launch of the 2048 application pod or ephemeral container.
pub(super) fn fry_2048(engine: crate::domain::apps::Engine) -> crate::domain::apps::AppLaunchSpec {
    let image = serde_json::json!({"RepoTags": ["abcdesktopio/2048.d:3.0"], "Id": "sha256:2",
        "Config": {"Labels": {"oc.launch": "2048", "oc.name": "2048", "oc.icon": "2048.svg"}}});
    crate::domain::apps::AppLaunchSpec {
        name: "fry-2048-00001".into(),
        app: crate::domain::apps::App::from_image(&image, "abcdesktop").unwrap(),
        env: vec![],
        engine,
        posix: fry_spec().posix,
    }
}

/// Compares `manifest` with `tests/golden/<file>` (`UPDATE_GOLDEN=1` writes it anew) and
/// returns it read as a Pod, which it must be.
pub(super) fn assert_golden(manifest: &serde_json::Value, file: &str) -> k8s_openapi::api::core::v1::Pod {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(manifest).unwrap() + "\n").unwrap();
    }
    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        manifest, &golden,
        "{file}: regenerate with UPDATE_GOLDEN=1 after checking the difference"
    );
    serde_json::from_value(manifest.clone()).expect("a valid Pod")
}

/// Polls `check` every 20 ms for up to `seconds`; returns whether it became true.
pub(super) async fn within<F: std::future::Future<Output = bool>>(seconds: u64, mut check: impl FnMut() -> F) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
