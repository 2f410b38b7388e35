//! The mirrored ban store against the MongoDB-wire server `scripts/services.sh` starts:
//! the ban store contract from its copy, changes made elsewhere reaching it, and the
//! fall-back to queries when the copy cannot hold a collection.

use super::{BanView, MirroredBans};
use crate::adapters::contract;
use crate::adapters::mongo::MongoStores;
use crate::adapters::mongo::tests::settings;
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use mongodb::bson::{DateTime, doc};
use std::time::{Duration, Instant};

async fn stores() -> MongoStores {
    MongoStores::connect(settings(contract::service_url("MONGODB_URL")))
        .await
        .unwrap()
}

async fn following(mirrored: &MirroredBans) {
    let started = Instant::now();
    while !(mirrored.is_following(BanCollection::IpAddr) && mirrored.is_following(BanCollection::Login)) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the copy never started following"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits (at most a second) until `find` on `store` answers `expected`.
async fn until_found(store: &MirroredBans, id: &str, expected: Option<u32>) -> Duration {
    let started = Instant::now();
    loop {
        let found = store.find(BanCollection::IpAddr, id).await.unwrap().map(|r| r.count);
        if found == expected {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{id}: {found:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn the_copy_honours_the_ban_store_contract() {
    let mirrored = MirroredBans::follow(stores().await);
    following(&mirrored).await;
    contract::ban_store_contract(&mirrored).await;
    contract::ban_store_concurrency_contract(&mirrored).await;
    assert!(mirrored.is_following(BanCollection::IpAddr), "answered by the copy");
}

/// Another replica's failures, its unban and a record pyos writes straight into MongoDB
/// reach this replica's copy, which answers without asking MongoDB.
#[tokio::test]
async fn changes_made_elsewhere_reach_the_copy_within_a_second() {
    let here = MirroredBans::follow(stores().await);
    // Same databases (the settings carry the prefix), another client: another replica.
    let elsewhere = MirroredBans::follow(MongoStores::connect(here.stores.settings.clone()).await.unwrap());
    following(&here).await;
    following(&elsewhere).await;
    let now = super::now_seconds();

    for _ in 0..5 {
        elsewhere
            .add_failures(BanCollection::IpAddr, "203.0.113.7", 1, now, 600)
            .await
            .unwrap();
    }
    let took = until_found(&here, "203.0.113.7", Some(5)).await;
    assert!(here.is_following(BanCollection::IpAddr));
    assert!(elsewhere.remove(BanCollection::IpAddr, "203.0.113.7").await.unwrap());
    until_found(&here, "203.0.113.7", None).await;

    here.stores
        .bans(BanCollection::IpAddr)
        .insert_one(doc! {"id": "203.0.113.8", "date": DateTime::now(), "count": 9.0})
        .await
        .unwrap();
    until_found(&here, "203.0.113.8", Some(9)).await;
    eprintln!("a failure on one replica reached the other's copy in {took:?}");
}

/// A collection larger than the copy holds is not copied: lookups query MongoDB and
/// still see every record.
#[tokio::test]
async fn an_oversized_collection_is_queried_instead() {
    let stores = stores().await;
    let mirrored = MirroredBans::follow_up_to(stores.clone(), 3);
    following(&mirrored).await;
    let now = super::now_seconds();
    for n in 0..5 {
        mirrored
            .add_failures(BanCollection::IpAddr, &format!("192.0.2.{n}"), 1, now, 600)
            .await
            .unwrap();
    }
    let started = Instant::now();
    while mirrored.is_following(BanCollection::IpAddr) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "still copying 5 records past 3"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stores
        .bans(BanCollection::IpAddr)
        .update_one(doc! {"id": "192.0.2.4"}, doc! {"$set": {"count": 7}})
        .await
        .unwrap();
    let found = mirrored.find(BanCollection::IpAddr, "192.0.2.4").await.unwrap();
    assert_eq!(found.map(|r| r.count), Some(7), "answered by MongoDB");
    assert!(
        mirrored.is_following(BanCollection::Login),
        "the other collection is still copied"
    );
}

fn record(count: u32, date: i64) -> BanRecord {
    BanRecord {
        id: "192.0.2.1".into(),
        count,
        date,
    }
}

/// An event read before this replica's own later write does not undo it; a higher count
/// with an earlier date (a request that began before the last one) is later; a new
/// window (a date a whole window later) replaces a higher count.
#[test]
fn a_stale_state_never_replaces_a_later_one() {
    let view = BanView::holding(10, 600);
    view.following.store(true, std::sync::atomic::Ordering::Release);
    view.apply(Some("k1".into()), record(17, 1_001), 600);
    view.apply(Some("k1".into()), record(18, 1_000), 600);
    assert_eq!(view.lookup("192.0.2.1"), Some(Some(record(18, 1_000))));
    view.apply(Some("k1".into()), record(20, 1_001), 600);
    view.apply(Some("k1".into()), record(19, 1_001), 600);
    assert_eq!(view.lookup("192.0.2.1"), Some(Some(record(20, 1_001))));
    view.apply(None, record(1, 1_500), 600);
    assert_eq!(
        view.lookup("192.0.2.1"),
        Some(Some(record(20, 1_001))),
        "not a window later"
    );
    view.apply(None, record(1, 1_601), 600);
    assert_eq!(view.lookup("192.0.2.1"), Some(Some(record(1, 1_601))));
}

/// A late delete of an old document does not remove the record of a new document that
/// has taken its id (unban, then a new failure).
#[test]
fn a_late_delete_spares_the_new_document_of_the_same_id() {
    let view = BanView::holding(10, 600);
    view.following.store(true, std::sync::atomic::Ordering::Release);
    view.apply(Some("old".into()), record(5, 1_000), 600);
    view.forget("192.0.2.1");
    view.apply(Some("new".into()), record(1, 1_001), 600);
    view.forget_key("old");
    assert_eq!(view.lookup("192.0.2.1"), Some(Some(record(1, 1_001))));
    view.forget_key("new");
    assert_eq!(view.lookup("192.0.2.1"), Some(None));
}

/// Not following: the copy does not answer.
#[test]
fn a_copy_that_does_not_follow_defers_to_mongodb() {
    let view = BanView::holding(10, 600);
    view.apply(Some("k".into()), record(5, 1_000), 600);
    assert_eq!(view.lookup("192.0.2.1"), None);
}
