//! Network rules on the desktop pod (orchestration.md §4.9): the rule of the user's
//! labels adds its annotations (Multus networks) and its DNS; deskplane's owner
//! annotations stay deskplane's.

use super::*;
use serde_json::json;

fn network_settings() -> PodSettings {
    let mut settings = shipped_settings("abcdesktop").pod;
    settings.network.rules = json!({
        "default": {"annotations": {"k8s.v1.cni.cncf.io/networks": "default-net"}},
        "ship-crew": {
            "annotations": {"k8s.v1.cni.cncf.io/networks": "crew-net", "deskplane.io/userid": "leela"},
            "internal_dns": {"nameservers": ["10.0.0.53"], "searches": ["planetexpress.com"]}
        }
    })
    .as_object()
    .cloned()
    .unwrap();
    settings
}

#[test]
fn the_rule_of_the_labels_sets_annotations_and_dns_but_not_the_owner() {
    let manifest = desktop_pod(&network_settings(), &fry_spec(), "abcdesktop").unwrap();
    assert_golden(&manifest, "desktop-pod-fry-network.json");
    let annotations = &manifest["metadata"]["annotations"];
    assert_eq!(annotations["k8s.v1.cni.cncf.io/networks"], "crew-net");
    assert_eq!(
        annotations["deskplane.io/userid"], "fry",
        "a rule cannot claim another owner"
    );
    assert_eq!(manifest["spec"]["dnsPolicy"], "None");
    assert_eq!(manifest["spec"]["dnsConfig"]["nameservers"], json!(["10.0.0.53"]));

    let mut other = fry_spec();
    other.labels.clear();
    let plain = desktop_pod(&network_settings(), &other, "abcdesktop").unwrap();
    assert_eq!(
        plain["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"],
        "default-net"
    );
    assert_eq!(plain["spec"]["dnsPolicy"], "ClusterFirst");
    assert!(plain["spec"].get("dnsConfig").is_none());
}

/// The double takes the pod with its network annotations and DNS.
#[tokio::test]
async fn the_api_server_takes_the_network_settings() {
    use crate::ports::DesktopOrchestrator;
    let (orchestrator, _double, desktop) = fry_desktop_on_double(network_settings()).await;
    let pod = orchestrator.describe_desktop(&desktop.name).await.unwrap().unwrap();
    assert_eq!(
        pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"],
        "crew-net"
    );
    assert_eq!(pod["spec"]["dnsConfig"]["searches"], json!(["planetexpress.com"]));
}
