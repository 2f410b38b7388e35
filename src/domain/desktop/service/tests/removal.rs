//! Removal: logout (with and without a desktop) and the garbage collector.

use super::*;

#[tokio::test]
async fn logout_removes_the_desktop_and_having_none_is_fine() {
    let orchestrator = memory_orchestrator();
    // The orchestrator keeps the secrets too, as Kubernetes does: logout removes both.
    let kit = desktop_kit_with(orchestrator.clone(), orchestrator.clone());
    let fry = kit.sign_in("fry").await;
    assert!(!kit.service.remove_for(&fry, &facts()).await.unwrap());
    // Without a desktop, the logout still ends the session: the login's secrets are gone.
    assert!(matches!(
        kit.service.launch(&fry, &facts(), &LaunchRequest::default()).await,
        Err(DesktopError::SessionEnded)
    ));
    let fry = kit.sign_in("fry").await;
    kit.service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    assert!(kit.service.remove_for(&fry, &facts()).await.unwrap());
    assert!(orchestrator.list_desktops().await.unwrap().is_empty());
    assert!(matches!(
        kit.service.refresh_token(&fry).await,
        Err(DesktopError::TokenUnreachable)
    ));
    // The token outlives the session: a launch with it is told at once to log in again
    // (on Kubernetes the pod would wait for the deleted secrets until the start timeout).
    assert!(matches!(
        kit.service.launch(&fry, &facts(), &LaunchRequest::default()).await,
        Err(DesktopError::SessionEnded)
    ));
    assert!(
        orchestrator.list_desktops().await.unwrap().is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn the_garbage_collector_removes_idle_desktops_only() {
    let orchestrator = memory_orchestrator();
    let kit = desktop_kit(orchestrator.clone());
    kit.sign_in("fry").await;
    kit.sign_in("leela").await;
    kit.service
        .launch(&identity("fry"), &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    let fry_desktop = orchestrator
        .find_desktop(&identity("fry").owner())
        .await
        .unwrap()
        .unwrap()
        .name;
    kit.clock.set(10_800);
    kit.service
        .launch(&identity("leela"), &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    kit.clock.set(11_000);
    let request = GcRequest {
        expire_in: 900,
        node: None,
        force: false,
    };
    let removed = kit.service.collect_garbage(&request, &facts()).await.unwrap();
    assert_eq!(removed, [fry_desktop], "only fry's desktop is 1000 s idle");
    let stop = kit
        .history
        .list_for(&identity("fry").userid)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((stop.eventtype, stop.isgarbaged), (DesktopEventType::Stop, Some(true)));
    let everything = GcRequest {
        expire_in: 0,
        node: None,
        force: true,
    };
    assert_eq!(
        kit.service.collect_garbage(&everything, &facts()).await.unwrap().len(),
        1
    );
    assert!(orchestrator.list_desktops().await.unwrap().is_empty());
}
