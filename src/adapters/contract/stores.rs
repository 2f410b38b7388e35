//! The contracts of the persistence, cache and directory ports.

use super::{app, owner};
use crate::domain::history::{DesktopEvent, DesktopEventType, LoginRecord};
use crate::domain::identity::UserId;
use crate::domain::secret::Secret;
use crate::ports::accounting::Accounting;
use crate::ports::ban_store::{BanCollection, BanStore};
use crate::ports::cache::Cache;
use crate::ports::catalog_store::CatalogStore;
use crate::ports::history::{DesktopHistory, LoginHistory};
use crate::ports::profile_store::ProfileStore;
use std::time::Duration;

/// The cache contract: set/get, overwrite, delete, take, expiry.
pub async fn cache_contract(cache: &dyn Cache) {
    cache.set("contract/a", "1", Duration::from_secs(60)).await.unwrap();
    cache.set("contract/a", "2", Duration::from_secs(60)).await.unwrap();
    assert_eq!(cache.get("contract/a").await.unwrap().as_deref(), Some("2"));
    assert_eq!(cache.take("contract/a").await.unwrap().as_deref(), Some("2"));
    assert_eq!(cache.get("contract/a").await.unwrap(), None);
    cache.set("contract/b", "x", Duration::from_secs(1)).await.unwrap();
    cache.delete("contract/b").await.unwrap();
    cache.delete("contract/b").await.unwrap();
    assert_eq!(cache.get("contract/b").await.unwrap(), None);
    cache.set("contract/c", "x", Duration::from_secs(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(cache.get("contract/c").await.unwrap(), None, "expired");
}

/// The cache contract under concurrency and with awkward keys: of many parallel `take`s
/// of one key exactly one gets the value; keys with spaces, control characters, non-ASCII
/// text or 1,000 bytes work and stay distinct (the user id is part of some keys).
pub async fn cache_concurrency_contract(cache: &dyn Cache) {
    for round in 0..5 {
        let key = format!("contract/take/{round}");
        cache.set(&key, "once", Duration::from_secs(60)).await.unwrap();
        let takes = (0..8).map(|_| cache.take(&key));
        let winners = futures::future::join_all(takes)
            .await
            .into_iter()
            .filter(|taken| taken.as_ref().unwrap().is_some())
            .count();
        assert_eq!(winners, 1, "round {round}: one take wins");
    }
    let long = "x".repeat(1_000);
    let longer = format!("{long}y");
    let keys = [
        "a key with spaces",
        "tab\tand\nnewline",
        "ünïcödé/用户",
        long.as_str(),
        longer.as_str(),
        "",
    ];
    for (index, key) in keys.iter().enumerate() {
        cache
            .set(key, &format!("value {index}"), Duration::from_secs(60))
            .await
            .unwrap();
    }
    for (index, key) in keys.iter().enumerate() {
        assert_eq!(
            cache.get(key).await.unwrap(),
            Some(format!("value {index}")),
            "key {index} keeps its own value"
        );
    }
    cache.set("contract/empty", "", Duration::from_secs(60)).await.unwrap();
    assert_eq!(
        cache.get("contract/empty").await.unwrap().as_deref(),
        Some(""),
        "an empty value is a value"
    );
}

/// Parallel failures on one id are all counted, whatever the backend (no lost update).
pub async fn ban_store_concurrency_contract(store: &dyn BanStore) {
    let failures = (0..50).map(|_| store.add_failures(BanCollection::IpAddr, "198.51.100.9", 1, 1_000, 600));
    for result in futures::future::join_all(failures).await {
        result.unwrap();
    }
    assert_eq!(
        store
            .find(BanCollection::IpAddr, "198.51.100.9")
            .await
            .unwrap()
            .map(|r| r.count),
        Some(50)
    );
}

/// The history contract: appended records come back per user, oldest first, and another
/// user's records never show.
pub async fn history_contract(desktops: &dyn DesktopHistory, logins: &dyn LoginHistory) {
    let fry = UserId::parse("fry").unwrap();
    let leela = UserId::parse("leela").unwrap();
    for (date, userid) in [(300, "fry"), (100, "leela"), (200, "fry")] {
        let mut record = login_record(userid);
        record.date = date;
        logins.append(&record).await.unwrap();
        let mut event = desktop_event(userid);
        event.date = date;
        desktops.append(&event).await.unwrap();
    }
    let dates: Vec<_> = logins.list_for(&fry).await.unwrap().iter().map(|r| r.date).collect();
    assert_eq!(dates, vec![200, 300]);
    let listed = logins.list_for(&leela).await.unwrap();
    assert_eq!(
        listed,
        vec![{
            let mut record = login_record("leela");
            record.date = 100;
            record
        }]
    );
    let dates: Vec<_> = desktops.list_for(&fry).await.unwrap().iter().map(|e| e.date).collect();
    assert_eq!(dates, vec![200, 300]);
    assert!(
        desktops
            .list_for(&UserId::parse("nobody").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A login record of `userid` at date 0.
pub fn login_record(userid: &str) -> LoginRecord {
    LoginRecord {
        userid: userid.into(),
        name: format!("{userid} name"),
        provider: "planet".into(),
        providertype: "ldap".into(),
        labels: Default::default(),
        date: 0,
        useragent: Some("contract".into()),
        ipaddr: "192.0.2.5".into(),
    }
}

fn desktop_event(userid: &str) -> DesktopEvent {
    DesktopEvent {
        userid: userid.into(),
        name: format!("{userid} name"),
        provider: "planet".into(),
        providertype: "ldap".into(),
        labels: Default::default(),
        eventtype: DesktopEventType::Start,
        isgarbaged: None,
        desktop_id: format!("{userid}-desktop"),
        node: Some("node-1".into()),
        date: 0,
        useragent: None,
        ipaddr: "192.0.2.5".into(),
    }
}

/// The accounting contract: increments add up, also in parallel.
pub async fn accounting_contract(accounting: &dyn Accounting) {
    let increments = (0..20).map(|_| accounting.increment("login", "success"));
    for result in futures::future::join_all(increments).await {
        result.unwrap();
    }
    accounting.increment("desktop", "new").await.unwrap();
    let snapshot = accounting.snapshot().await.unwrap();
    assert_eq!(snapshot["login"]["success"], 20);
    assert_eq!(snapshot["desktop"]["new"], 1);
}

/// The ban store contract: counting, window reset, list, remove, clear.
pub async fn ban_store_contract(store: &dyn BanStore) {
    let ip = BanCollection::IpAddr;
    assert_eq!(store.add_failures(ip, "192.0.2.1", 1, 100, 60).await.unwrap().count, 1);
    assert_eq!(store.add_failures(ip, "192.0.2.1", 1, 150, 60).await.unwrap().count, 2);
    let reset = store.add_failures(ip, "192.0.2.1", 1, 300, 60).await.unwrap();
    assert_eq!((reset.count, reset.date), (1, 300), "an expired record starts over");
    store
        .add_failures(BanCollection::Login, "192.0.2.1", 5, 300, 60)
        .await
        .unwrap();
    assert_eq!(
        store.find(ip, "192.0.2.1").await.unwrap().map(|r| r.count),
        Some(1),
        "collections are separate"
    );
    assert_eq!(store.list(ip).await.unwrap().len(), 1);
    assert!(store.remove(ip, "192.0.2.1").await.unwrap());
    assert!(!store.remove(ip, "192.0.2.1").await.unwrap());
    assert_eq!(store.clear(BanCollection::Login).await.unwrap(), 1);
    assert!(store.list(BanCollection::Login).await.unwrap().is_empty());
}

/// A catalog change reaches a reader of `changes` within seconds.
pub async fn catalog_changes_contract(writer: &dyn CatalogStore, reader: &dyn CatalogStore) {
    use futures::StreamExt as _;
    let mut changes = reader.changes();
    // Give a backend that watches a server time to open its watch.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut changed = app();
    changed.id = "contract/changes:1.0".into();
    writer.upsert(&changed).await.unwrap();
    let signal = tokio::time::timeout(Duration::from_secs(5), changes.next()).await;
    assert_eq!(signal, Ok(Some(())), "a change is signalled");
    while tokio::time::timeout(Duration::from_millis(300), changes.next())
        .await
        .is_ok()
    {}
    writer.remove(&changed.id).await.unwrap();
    let signal = tokio::time::timeout(Duration::from_secs(5), changes.next()).await;
    assert_eq!(signal, Ok(Some(())), "a removal is signalled");
}

/// The catalog store contract: upsert replaces by id, remove.
pub async fn catalog_store_contract(store: &dyn CatalogStore) {
    let mut first = app();
    store.upsert(&first).await.unwrap();
    first.displayname = "XTerm".into();
    store.upsert(&first).await.unwrap();
    let all = store.all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].displayname, "XTerm");
    assert!(store.remove(&first.id).await.unwrap());
    assert!(store.all().await.unwrap().is_empty());
}

/// The profile store contract: per-owner keys (the same user id under another provider
/// is another owner) and the key cap.
pub async fn profile_store_contract(store: &dyn ProfileStore) {
    let fry = owner("fry");
    let leela = owner("leela");
    let mut namesake = owner("fry");
    namesake.provider = "corp".into();
    assert!(
        store
            .set(&fry, "color", &serde_json::json!("#6EC6F0"), 2)
            .await
            .unwrap()
    );
    assert!(
        store
            .set(&fry, "dock", &serde_json::json!({"apps": [1, 2]}), 2)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get(&fry, "color").await.unwrap(),
        Some(serde_json::json!("#6EC6F0"))
    );
    assert_eq!(
        store.get(&fry, "dock").await.unwrap(),
        Some(serde_json::json!({"apps": [1, 2]}))
    );
    assert_eq!(store.get(&leela, "color").await.unwrap(), None);
    assert_eq!(
        store.get(&namesake, "color").await.unwrap(),
        None,
        "owners, not user ids"
    );
    assert!(
        !store.set(&fry, "third", &serde_json::json!(1), 2).await.unwrap(),
        "a new key past the cap is refused"
    );
    assert!(
        store
            .set(&fry, "color", &serde_json::json!("#000000"), 2)
            .await
            .unwrap(),
        "an existing key can still change"
    );
    assert_eq!(store.get(&fry, "third").await.unwrap(), None);
}

/// The key cap holds under parallel writers: of ten new keys written at once under a cap
/// of three, exactly three are stored.
pub async fn profile_store_concurrency_contract(store: &dyn ProfileStore) {
    let owner = owner("bender");
    let keys: Vec<String> = (0..10).map(|n| format!("key{n}")).collect();
    let one = serde_json::json!(1);
    let writes = keys.iter().map(|key| store.set(&owner, key, &one, 3));
    let stored = futures::future::join_all(writes)
        .await
        .into_iter()
        .filter(|stored| *stored.as_ref().unwrap())
        .count();
    assert_eq!(stored, 3);
    let mut readable = 0;
    for key in &keys {
        readable += usize::from(store.get(&owner, key).await.unwrap().is_some());
    }
    assert_eq!(readable, 3, "only the stored keys can be read");
}

/// The authorized-keys contract: one key per owner, replaced in place; a new owner past
/// the cap is refused while known owners still change keys; `reader` (another replica's
/// store, or the same one) lists what `writer` recorded, in owner order.
pub async fn authorized_key_store_contract(
    writer: &dyn crate::ports::AuthorizedKeyStore,
    reader: &dyn crate::ports::AuthorizedKeyStore,
) {
    assert!(writer.record("ldap/zoidberg", "ssh-rsa Z", 3).await.unwrap());
    assert!(writer.record("cert/fry", "ssh-rsa A", 3).await.unwrap());
    assert!(writer.record("cert/fry", "ssh-rsa B", 3).await.unwrap());
    assert!(writer.record("ldap/fry", "ssh-ed25519 C", 3).await.unwrap());
    assert!(
        !writer.record("cert/leela", "ssh-rsa L", 3).await.unwrap(),
        "past the cap"
    );
    assert!(writer.record("ldap/zoidberg", "ssh-rsa Y", 3).await.unwrap());
    let pairs = |list: Vec<(String, String)>| list.iter().map(|(o, k)| format!("{o} {k}")).collect::<Vec<_>>();
    assert_eq!(
        pairs(reader.list().await.unwrap()),
        [
            "cert/fry ssh-rsa B",
            "ldap/fry ssh-ed25519 C",
            "ldap/zoidberg ssh-rsa Y"
        ]
    );
}

/// The directory contract: a user binds with their password and only with it, an unknown
/// user is refused like a wrong password, an empty password never reaches the server, the
/// service lookup finds the user, and group membership answers both ways.
pub async fn directory_contract(
    directory: &dyn crate::ports::Directory,
    (login, password): (&str, &str),
    member_of: &str,
    not_member_of: &str,
) {
    use crate::ports::DirectoryError;
    let entry = directory.authenticate(login, &Secret::new(password)).await.unwrap();
    assert!(!entry.dn.is_empty());
    for (who, secret) in [(login, "wrong password"), ("nobody at all", password)] {
        let refused = directory.authenticate(who, &Secret::new(secret)).await;
        assert!(
            matches!(refused, Err(DirectoryError::InvalidCredentials)),
            "{who}: {refused:?}"
        );
    }
    let empty = directory.authenticate(login, &Secret::new("")).await;
    assert!(matches!(empty, Err(DirectoryError::Rejected(_))), "{empty:?}");
    assert_eq!(
        directory.find_user(login).await.unwrap().map(|e| e.dn),
        Some(entry.dn.clone())
    );
    assert_eq!(directory.find_user("nobody at all").await.unwrap(), None);
    assert!(directory.is_member_of(&entry, member_of).await.unwrap());
    assert!(!directory.is_member_of(&entry, not_member_of).await.unwrap());
}
