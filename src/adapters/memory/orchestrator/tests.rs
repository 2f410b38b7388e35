use super::*;
use crate::adapters::contract;
use crate::ports::DesktopOrchestrator;

#[tokio::test]
async fn the_simulation_honours_the_orchestrator_contract() {
    contract::orchestrator_contract(&MemoryOrchestrator::new(SimulationSettings::default())).await;
}

#[tokio::test]
async fn the_simulation_never_hands_a_desktop_to_another_owner() {
    contract::owner_collision_contract(&MemoryOrchestrator::new(SimulationSettings::default())).await;
}

#[tokio::test]
async fn desktops_get_distinct_addresses() {
    let orchestrator = MemoryOrchestrator::new(SimulationSettings::default());
    let sink = contract::progress();
    let fry = orchestrator
        .create_desktop(&contract::spec("fry"), sink.clone())
        .await
        .unwrap();
    let leela = orchestrator
        .create_desktop(&contract::spec("leela"), sink)
        .await
        .unwrap();
    assert_ne!(fry.ip_addr, leela.ip_addr);
    assert_eq!(fry.ip_addr.as_deref(), Some("10.244.0.10"));
}
