//! The persistence contracts against the MongoDB-wire server `scripts/services.sh` starts,
//! each run in databases of its own, and pyos-shaped documents read through deskplane.

use super::{MongoSettings, MongoStores};
use crate::adapters::contract;
use crate::ports::StoreError;
use std::time::Duration;

pub(super) fn settings(url: String) -> MongoSettings {
    MongoSettings {
        url,
        param: String::new(),
        database_prefix: contract::unique_prefix(),
        server_selection_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(3),
        operation_timeout: Duration::from_secs(5),
        ban_expire_after: Duration::from_secs(1800),
        pyos_profiles_provider: Some("planet".into()),
        shared_login_history: false,
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

/// Two replicas: the keys one records, the other lists.
#[tokio::test]
async fn mongodb_authorized_keys_are_shared_by_replicas() {
    let writer = stores().await;
    let reader = MongoStores::connect(writer.settings.clone()).await.unwrap();
    contract::authorized_key_store_contract(&writer, &reader).await;
}

#[tokio::test]
async fn mongodb_datastore_browser() {
    contract::datastore_browser_contract(&stores().await).await;
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

/// The shared layout honours the contract, and a user's pyos records (a collection of
/// their own) come first in the one history.
#[tokio::test]
async fn the_shared_login_history_reads_pyos_records_too() {
    use crate::domain::identity::UserId;
    use crate::ports::LoginHistory;
    use mongodb::bson::{DateTime, doc};
    let mut shared = settings(contract::service_url("MONGODB_URL"));
    shared.shared_login_history = true;
    let stores = MongoStores::connect(shared).await.unwrap();
    contract::history_contract(&stores, &stores).await;
    stores
        .collection("loginHistory", "amy")
        .insert_one(
            doc! {"userid": "amy", "name": "Amy Wong", "provider": "planet", "providertype": "ldap",
            "date": DateTime::from_millis(1_600_000_000_000), "ipaddr": "192.0.2.2", "type": "login"},
        )
        .await
        .unwrap();
    let mut record = contract::login_record("amy");
    record.date = 1_700_000_000;
    stores.append(&record).await.unwrap();
    let mut other = contract::login_record("history");
    other.date = 1_650_000_000;
    stores.append(&other).await.unwrap();
    let amy = stores.list_for(&UserId::parse("amy").unwrap()).await.unwrap();
    let dates: Vec<i64> = amy.iter().map(|r| r.date).collect();
    assert_eq!(
        dates,
        [1_600_000_000, 1_700_000_000],
        "pyos's, then deskplane's, and no one else's"
    );
    let names: Vec<_> = stores
        .client
        .database(&format!("{}loginHistory", stores.settings.database_prefix))
        .list_collection_names()
        .await
        .unwrap();
    assert_eq!(names, ["amy"], "no collection per user for new records");
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
