//! A replica's copy of the fail2ban records, fed by a change stream on each collection, so
//! the ban check every login makes is a memory lookup instead of a MongoDB round trip.
//!
//! Writes still go to MongoDB first, atomically (bans.rs), and this replica applies their
//! result at once; other replicas learn of them from their change stream, a few
//! milliseconds later. Until a stream is open and its collection loaded, and whenever it
//! breaks or the collection holds more records than [`MIRROR_CAPACITY`], lookups go to
//! MongoDB as before: the copy answers only while it follows the server.

use super::MongoStores;
use super::bans::{ban_record, ban_record_id};
use crate::ports::StoreError;
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use crate::ports::clock::UnixSeconds;
use async_trait::async_trait;
use futures::{StreamExt as _, TryStreamExt as _};
use mongodb::bson::{Document, doc};
use mongodb::change_stream::event::{ChangeStreamEvent, OperationType};
use mongodb::options::FullDocumentType;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Most records one collection's copy holds; beyond it (an attack from very many
/// addresses) lookups go to MongoDB until the collection shrinks again.
pub const MIRROR_CAPACITY: usize = 200_000;
/// Waits between two attempts to reopen a stream: doubling from the first, up to the last.
const REOPEN_DELAYS: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));
/// How long an oversized collection is left alone before it is counted again.
const OVERSIZED_PAUSE: Duration = Duration::from_secs(30);
/// How often records past their window are dropped from the copy (MongoDB's TTL monitor
/// deletes them on its own schedule; the domain already ignores them).
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The ban store of `config/mongodb.toml`: MongoDB, with lookups answered by the copy.
pub struct MirroredBans {
    stores: MongoStores,
    ipaddr: Arc<BanView>,
    login: Arc<BanView>,
}

impl MirroredBans {
    /// Starts following both fail2ban collections; lookups use MongoDB until each is loaded.
    pub fn follow(stores: MongoStores) -> Self {
        Self::follow_up_to(stores, MIRROR_CAPACITY)
    }

    /// Like [`Self::follow`], copying at most `capacity` records of a collection.
    pub fn follow_up_to(stores: MongoStores, capacity: usize) -> Self {
        let expire_after = i64::try_from(stores.settings.ban_expire_after.as_secs()).unwrap_or(i64::MAX);
        let view = || Arc::new(BanView::holding(capacity, expire_after));
        let mirrored = Self {
            ipaddr: view(),
            login: view(),
            stores,
        };
        for collection in [BanCollection::IpAddr, BanCollection::Login] {
            tokio::spawn(follow_collection(
                mirrored.stores.clone(),
                collection,
                mirrored.view(collection).clone(),
            ));
        }
        mirrored
    }

    fn view(&self, collection: BanCollection) -> &Arc<BanView> {
        match collection {
            BanCollection::IpAddr => &self.ipaddr,
            BanCollection::Login => &self.login,
        }
    }

    /// Whether lookups in `collection` are answered by the copy (for tests).
    pub fn is_following(&self, collection: BanCollection) -> bool {
        self.view(collection).following.load(Ordering::Acquire)
    }
}

#[async_trait]
impl BanStore for MirroredBans {
    async fn add_failures(
        &self,
        collection: BanCollection,
        id: &str,
        by: u32,
        now: UnixSeconds,
        expire_after: i64,
    ) -> Result<BanRecord, StoreError> {
        let record = self.stores.add_failures(collection, id, by, now, expire_after).await?;
        self.view(collection).apply(None, record.clone(), expire_after);
        Ok(record)
    }

    async fn find(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError> {
        match self.view(collection).lookup(id) {
            Some(answer) => Ok(answer),
            None => self.stores.find(collection, id).await,
        }
    }

    async fn list(&self, collection: BanCollection) -> Result<Vec<BanRecord>, StoreError> {
        self.stores.list(collection).await
    }

    async fn remove(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError> {
        let removed = self.stores.remove(collection, id).await?;
        self.view(collection).forget(id);
        Ok(removed)
    }

    async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError> {
        let cleared = self.stores.clear(collection).await?;
        self.view(collection).replace(Vec::new());
        Ok(cleared)
    }
}

/// One collection's records by `id`, each with its document key (`_id`) when known, so a
/// delete event, which carries only the key, can be applied.
struct BanView {
    capacity: usize,
    /// A record's window (`fail2ban.banexpireafterseconds`): a new one starts only this
    /// long after the last failure.
    expire_after: i64,
    following: AtomicBool,
    records: RwLock<Records>,
}

#[derive(Default)]
struct Records {
    by_id: HashMap<String, Held>,
    id_of_key: HashMap<String, String>,
}

struct Held {
    key: Option<String>,
    record: BanRecord,
}

impl BanView {
    fn holding(capacity: usize, expire_after: i64) -> Self {
        Self {
            capacity,
            expire_after,
            following: AtomicBool::new(false),
            records: RwLock::default(),
        }
    }

    /// `Some(answer)` while the copy follows MongoDB; `None`: ask MongoDB.
    fn lookup(&self, id: &str) -> Option<Option<BanRecord>> {
        if !self.following.load(Ordering::Acquire) {
            return None;
        }
        Some(self.read().by_id.get(id).map(|held| held.record.clone()))
    }

    /// Keeps `record` unless the copy already holds a later state of it (a stream event
    /// may carry a document read before this replica's own last write). Within a window a
    /// count only grows; a date may go back a little (each failure writes the time its
    /// request began), so only a date a whole window later marks a new window.
    fn apply(&self, key: Option<String>, record: BanRecord, expire_after: i64) {
        let mut records = self.write();
        if let Some(key) = &key {
            records.id_of_key.insert(key.clone(), record.id.clone());
        }
        match records.by_id.get_mut(&record.id) {
            Some(held) => {
                if key.is_some() {
                    held.key = key;
                }
                let new_window = record.date >= held.record.date.saturating_add(expire_after);
                if record.count >= held.record.count || new_window {
                    held.record = record;
                }
            }
            None => {
                records.by_id.insert(record.id.clone(), Held { key, record });
            }
        }
    }

    fn forget(&self, id: &str) {
        let mut records = self.write();
        if let Some(Held { key: Some(key), .. }) = records.by_id.remove(id) {
            records.id_of_key.remove(&key);
        }
    }

    /// Drops the record of a deleted document, unless its id has since been given to a
    /// document of another key.
    fn forget_key(&self, key: &str) {
        let mut records = self.write();
        let Some(id) = records.id_of_key.remove(key) else {
            return;
        };
        if records
            .by_id
            .get(&id)
            .is_some_and(|held| held.key.as_deref() == Some(key))
        {
            records.by_id.remove(&id);
        }
    }

    fn replace(&self, loaded: Vec<(String, BanRecord)>) {
        let mut fresh = Records::default();
        for (key, record) in loaded {
            fresh.id_of_key.insert(key.clone(), record.id.clone());
            fresh.by_id.insert(record.id.clone(), Held { key: Some(key), record });
        }
        *self.write() = fresh;
    }

    fn len(&self) -> usize {
        self.read().by_id.len()
    }

    fn prune(&self, older_than: UnixSeconds) {
        let mut records = self.write();
        records.by_id.retain(|_, held| held.record.date >= older_than);
        let Records { by_id, id_of_key } = &mut *records;
        id_of_key.retain(|_, id| by_id.contains_key(id));
    }

    fn stop_following(&self) {
        self.following.store(false, Ordering::Release);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Records> {
        self.records.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Records> {
        self.records.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why the copy of a collection stopped following it.
enum Lapse {
    /// The stream could not be opened or broke (why): reopen after a back-off.
    Broken(String),
    /// More records than the copy holds: count again later.
    Oversized,
}

/// Opens the stream, loads the collection, applies events until the stream breaks, and
/// starts over; lookups go to MongoDB whenever the copy is not following.
async fn follow_collection(stores: MongoStores, collection: BanCollection, view: Arc<BanView>) {
    let mut delay = REOPEN_DELAYS.0;
    // A MongoDB without change streams (standalone) refuses every attempt: said once,
    // then again only after the copy has followed for a while.
    let mut said = false;
    loop {
        let lapse = follow_once(&stores, collection, &view, &mut delay).await;
        view.stop_following();
        if delay == REOPEN_DELAYS.0 {
            said = false;
        }
        match lapse {
            Lapse::Broken(reason) => {
                if said {
                    tracing::debug!(%reason, collection = collection.as_str(), "ban checks still query MongoDB");
                } else {
                    tracing::warn!(%reason, collection = collection.as_str(), "ban checks query MongoDB until the change stream of fail2ban is back");
                    said = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(REOPEN_DELAYS.1);
            }
            Lapse::Oversized => {
                tracing::warn!(
                    collection = collection.as_str(),
                    capacity = view.capacity,
                    "more fail2ban records than a replica copies; ban checks query MongoDB"
                );
                view.replace(Vec::new());
                tokio::time::sleep(OVERSIZED_PAUSE).await;
            }
        }
    }
}

async fn follow_once(stores: &MongoStores, collection: BanCollection, view: &BanView, delay: &mut Duration) -> Lapse {
    let bans = stores.bans(collection);
    // The stream opens before the load: a change made during the load is in both, and
    // applying it twice leaves the same record.
    let opened = bans.watch().full_document(FullDocumentType::UpdateLookup).await;
    let mut stream = match opened {
        Ok(stream) => stream,
        Err(error) => return Lapse::Broken(format!("cannot open the change stream: {}", error.kind)),
    };
    match load(stores, collection, view.capacity).await {
        Ok(Some(loaded)) => view.replace(loaded),
        Ok(None) => return Lapse::Oversized,
        Err(error) => return Lapse::Broken(format!("cannot load the records: {error}")),
    }
    view.following.store(true, Ordering::Release);
    *delay = REOPEN_DELAYS.0;
    let expire_after = view.expire_after;
    let mut prune = tokio::time::interval(PRUNE_EVERY);
    loop {
        tokio::select! {
            event = stream.next() => match event {
                Some(Ok(event)) => {
                    if !apply_event(view, event) {
                        return Lapse::Broken("the collection was dropped or renamed".into());
                    }
                    if view.len() > view.capacity {
                        return Lapse::Oversized;
                    }
                }
                Some(Err(error)) => return Lapse::Broken(format!("the change stream broke: {}", error.kind)),
                None => return Lapse::Broken("the change stream ended".into()),
            },
            _ = prune.tick() => view.prune(now_seconds().saturating_sub(expire_after)),
        }
    }
}

/// Every record of the collection by document key, or `None` when there are more than the
/// copy holds.
async fn load(
    stores: &MongoStores,
    collection: BanCollection,
    capacity: usize,
) -> Result<Option<Vec<(String, BanRecord)>>, StoreError> {
    let bans = stores.bans(collection);
    let limit = i64::try_from(capacity).unwrap_or(i64::MAX - 1) + 1;
    let documents: Vec<Document> = stores
        .deadline(async { bans.find(doc! {}).limit(limit).await?.try_collect().await })
        .await?;
    if documents.len() > capacity {
        return Ok(None);
    }
    Ok(Some(
        documents
            .iter()
            .filter_map(|document| Some((ban_record_id(document)?, ban_record(document)?)))
            .collect(),
    ))
}

/// Applies one change; `false` when the stream ended for the collection (dropped, renamed,
/// invalidated) and the copy must be loaded again.
fn apply_event(view: &BanView, event: ChangeStreamEvent<Document>) -> bool {
    let key = event.document_key.as_ref().and_then(ban_record_id);
    match event.operation_type {
        OperationType::Insert | OperationType::Update | OperationType::Replace => {
            // No document: it was deleted before the update was read; its delete follows.
            if let Some(record) = event.full_document.as_ref().and_then(ban_record) {
                view.apply(key, record, view.expire_after);
            }
            true
        }
        OperationType::Delete => {
            if let Some(key) = key {
                view.forget_key(&key);
            }
            true
        }
        _ => false,
    }
}

fn now_seconds() -> UnixSeconds {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[path = "ban_mirror_tests.rs"]
mod tests;
