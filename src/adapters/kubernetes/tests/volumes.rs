//! Per-user persistent volumes from a template (orchestration.md §5.5), on the double: the
//! volume is made before the claim and the claim names it; a volume left `Released` by
//! the user's earlier claim is freed and bound again; `removepersistentvolume` deletes
//! it with the claim; a volume of that name that is not the user's is never taken.

use super::double::with_claim_template;
use super::*;
use crate::domain::desktop::RemovalScope;
use crate::ports::{DesktopOrchestrator, OrchestratorError, UserSecretStore};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde_json::json;

fn with_volume_template(orchestrator: &mut KubernetesOrchestrator, remove: bool) {
    with_claim_template(orchestrator, "manual");
    orchestrator.settings.pod.home_volume = Some(json!({
        "metadata": {"annotations": {"nfs.io/export": "/export/{{ uid }}"}},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Retain", "nfs": {"server": "nfs.example", "path": "/export/{{ uid }}"}}
    }));
    orchestrator.settings.pod.remove_home_volume = remove;
}

fn phase(volume: &PersistentVolume) -> Option<String> {
    volume.status.as_ref().and_then(|s| s.phase.clone())
}

async fn launch(orchestrator: &KubernetesOrchestrator) -> Result<crate::domain::desktop::Desktop, OrchestratorError> {
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    orchestrator.create_desktop(&spec, contract::progress()).await
}

#[tokio::test]
async fn the_users_volume_is_made_bound_released_and_bound_again() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    with_volume_template(&mut orchestrator, false);
    let client = client_for(&double).await;
    let volumes: kube::Api<PersistentVolume> = kube::Api::all(client.clone());
    let claims: kube::Api<PersistentVolumeClaim> = kube::Api::namespaced(client, "abcdesktop");
    let claim_name = crate::domain::owner_names::home_claim_name(&fry_spec().owner);
    let volume_name = format!("abcdesktop-{claim_name}");

    let desktop = launch(&orchestrator).await.unwrap();
    let volume = volumes.get(&volume_name).await.unwrap();
    assert_eq!(
        volume.metadata.annotations.as_ref().unwrap()["deskplane.io/userid"],
        "fry"
    );
    assert_eq!(volume.spec.as_ref().unwrap().nfs.as_ref().unwrap().path, "/export/fry");
    let claim = claims.get(&claim_name).await.unwrap();
    assert_eq!(claim.spec.unwrap().volume_name.as_deref(), Some(volume_name.as_str()));
    assert_eq!(phase(&volume).as_deref(), Some("Bound"));

    orchestrator
        .remove_desktop(&desktop, RemovalScope::Everything)
        .await
        .unwrap();
    assert!(claims.get_opt(&claim_name).await.unwrap().is_none());
    let kept = volumes.get(&volume_name).await.unwrap();
    assert_eq!(
        phase(&kept).as_deref(),
        Some("Released"),
        "the volume keeps the user's files"
    );

    launch(&orchestrator).await.unwrap();
    let reused = volumes.get(&volume_name).await.unwrap();
    assert_eq!(
        reused.metadata.uid, volume.metadata.uid,
        "the same volume, not a new one"
    );
    assert_eq!(phase(&reused).as_deref(), Some("Bound"));
    assert_eq!(
        reused.spec.unwrap().claim_ref.unwrap().name.as_deref(),
        Some(claim_name.as_str())
    );
}

#[tokio::test]
async fn removepersistentvolume_deletes_it_with_the_claim() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    with_volume_template(&mut orchestrator, true);
    let desktop = launch(&orchestrator).await.unwrap();
    orchestrator
        .remove_desktop(&desktop, RemovalScope::Everything)
        .await
        .unwrap();
    let volumes: kube::Api<PersistentVolume> = kube::Api::all(client_for(&double).await);
    let claim_name = crate::domain::owner_names::home_claim_name(&fry_spec().owner);
    assert!(
        volumes
            .get_opt(&format!("abcdesktop-{claim_name}"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_volume_that_is_not_the_users_is_never_taken() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    with_volume_template(&mut orchestrator, true);
    let claim_name = crate::domain::owner_names::home_claim_name(&fry_spec().owner);
    let volume_name = format!("abcdesktop-{claim_name}");
    let volumes: kube::Api<PersistentVolume> = kube::Api::all(client_for(&double).await);
    let foreign: PersistentVolume = serde_json::from_value(json!({
        "metadata": {"name": volume_name, "annotations": {"deskplane.io/userid": "leela", "deskplane.io/provider": "planet"}},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data/leela"}}
    }))
    .unwrap();
    volumes.create(&Default::default(), &foreign).await.unwrap();
    let refused = launch(&orchestrator).await;
    assert!(
        matches!(refused, Err(OrchestratorError::OwnerMismatch(_))),
        "{refused:?}"
    );
    let untouched = volumes.get(&volume_name).await.unwrap();
    assert!(
        untouched.spec.unwrap().claim_ref.is_none(),
        "never bound to fry's claim"
    );
}
