//! The persistence contracts against the MongoDB-wire server `scripts/services.sh` starts,
//! each run in databases of its own, and pyos-shaped documents read through deskplane.

use super::{MongoSettings, MongoStores};
use crate::adapters::contract;
use crate::ports::StoreError;
use std::time::Duration;

fn settings(url: String) -> MongoSettings {
    MongoSettings {
        url,
        param: String::new(),
        database_prefix: contract::unique_prefix(),
        server_selection_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(3),
        operation_timeout: Duration::from_secs(5),
        ban_expire_after: Duration::from_secs(1800),
        pyos_profiles_provider: Some("planet".into()),
    }
}

async fn stores() -> MongoStores {
    MongoStores::connect(settings(contract::service_url("MONGODB_URL")))
        .await
        .unwrap()
}

#[tokio::test]
async fn mongodb_ban_store() {
    let stores = stores().await;
    contract::ban_store_contract(&stores).await;
    contract::ban_store_concurrency_contract(&stores).await;
}

#[tokio::test]
async fn mongodb_catalog_store() {
    contract::catalog_store_contract(&stores().await).await;
}

/// A change made through one client (another replica) reaches a watcher on another.
#[tokio::test]
async fn mongodb_catalog_changes_reach_other_replicas() {
    let writer = stores().await;
    // Same databases (the settings carry the prefix), another client.
    let reader = MongoStores::connect(writer.settings.clone()).await.unwrap();
    contract::catalog_changes_contract(&writer, &reader).await;
}

#[tokio::test]
async fn mongodb_profile_store() {
    let stores = stores().await;
    contract::profile_store_contract(&stores).await;
    contract::profile_store_concurrency_contract(&stores).await;
}

#[tokio::test]
async fn mongodb_histories() {
    let stores = stores().await;
    contract::history_contract(&stores, &stores).await;
}

#[tokio::test]
async fn mongodb_accounting() {
    contract::accounting_contract(&stores().await).await;
}

/// A pyos database: bans, profiles and login history as pyos wrote them are read
/// through deskplane's ports.
#[tokio::test]
async fn pyos_documents_are_read() {
    use crate::domain::identity::UserId;
    use crate::ports::{BanCollection, BanStore, LoginHistory, ProfileStore};
    use mongodb::bson::{DateTime, doc};
    let stores = stores().await;
    let now = crate::ports::Clock::now(&crate::adapters::system::SystemClock);
    stores
        .collection("fail2ban", "ipaddr")
        .insert_one(doc! {"id": "203.0.113.7", "date": DateTime::from_millis(now * 1000), "count": 4.0})
        .await
        .unwrap();
    stores
        .collection("profiles", "fry")
        .insert_one(doc! {"kind": "color", "color": "#6EC6F0"})
        .await
        .unwrap();
    stores
        .collection("loginHistory", "fry")
        .insert_one(doc! {
            "userid": "fry", "name": "Philip J. Fry", "provider": "planet", "providertype": "ldap",
            "labels": {"shipcrew": "true"}, "date": DateTime::from_millis(1_700_000_000_000),
            "useragent": "Mozilla/5.0", "ipaddr": "192.0.2.1", "type": "login", "mail": "fry@planetexpress.com",
        })
        .await
        .unwrap();

    let ban = stores
        .find(BanCollection::IpAddr, "203.0.113.7")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ban.count, ban.date), (4, now));
    let counted = stores
        .add_failures(BanCollection::IpAddr, "203.0.113.7", 1, now + 1, 1800)
        .await
        .unwrap();
    assert_eq!(counted.count, 5, "pyos's float count goes on counting");

    let mut fry = contract::owner("fry");
    fry.provider = "planet".into();
    assert_eq!(
        stores.get(&fry, "color").await.unwrap(),
        Some(serde_json::json!("#6EC6F0"))
    );
    let mut namesake = fry.clone();
    namesake.provider = "anonymous".into();
    assert_eq!(
        stores.get(&namesake, "color").await.unwrap(),
        None,
        "pyos's documents belong to the configured provider only"
    );
    let logins = stores.list_for(&UserId::parse("fry").unwrap()).await.unwrap();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].date, 1_700_000_000);
    assert_eq!(logins[0].labels.get("shipcrew").map(String::as_str), Some("true"));
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_within_the_timeout() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = settings(format!("mongodb://127.0.0.1:{port}"));
    settings.server_selection_timeout = Duration::from_millis(500);
    settings.operation_timeout = Duration::from_millis(800);
    let started = std::time::Instant::now();
    let outcome = MongoStores::connect(settings).await;
    assert!(matches!(outcome, Err(StoreError::Unavailable(_))));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn the_parameters_join_the_url_as_pyos_joined_them() {
    use super::connection_string;
    assert_eq!(connection_string("mongodb://h:27017", ""), "mongodb://h:27017");
    assert_eq!(
        connection_string("mongodb://h:27017", "replicaSet=rs0"),
        "mongodb://h:27017/?replicaSet=rs0"
    );
    assert_eq!(
        connection_string("mongodb://h:27017/admin", "replicaSet=rs0"),
        "mongodb://h:27017/admin?replicaSet=rs0"
    );
    assert_eq!(
        connection_string("mongodb://h/?tls=true", "replicaSet=rs0"),
        "mongodb://h/?tls=true&replicaSet=rs0"
    );
}
