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

#[tokio::test]
async fn users_without_a_desktop_are_forgotten_past_the_cap_oldest_first() {
    let simulation = MemoryOrchestrator::new(SimulationSettings {
        max_secret_owners: 3,
        ..SimulationSettings::default()
    });
    let account = |uid: &str| {
        vec![crate::domain::desktop::UserSecret {
            files: Default::default(),
            kind: "posixaccount".into(),
            data: std::collections::BTreeMap::from([("uid".to_owned(), uid.to_owned())]),
        }]
    };
    use crate::ports::{DesktopOrchestrator, UserSecretStore};
    // The oldest user has a desktop: it is kept, the next oldest goes.
    simulation
        .prepare_user_resources(&contract::owner("a"), &account("a"))
        .await
        .unwrap();
    simulation
        .create_desktop(&contract::spec("a"), contract::progress())
        .await
        .unwrap();
    for user in ["b", "c", "d"] {
        simulation
            .prepare_user_resources(&contract::owner(user), &account(user))
            .await
            .unwrap();
    }
    let kept = |user: &'static str| {
        let simulation = &simulation;
        async move {
            simulation
                .read_user_secret(&contract::owner(user), "posixaccount")
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(kept("a").await, "a user with a desktop keeps the session");
    assert!(!kept("b").await, "the oldest user without a desktop is forgotten");
    assert!(kept("c").await && kept("d").await);
}
