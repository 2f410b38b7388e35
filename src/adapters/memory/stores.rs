//! Stores kept in maps: bans, histories, catalog, profiles, counters.

use crate::domain::apps::App;
use crate::domain::desktop::DesktopOwner;
use crate::domain::history::{DesktopEvent, LoginRecord};
use crate::domain::identity::UserId;
use crate::domain::owner_names::cache_key;
use crate::ports::StoreError;
use crate::ports::accounting::{Accounting, CounterSnapshot};
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use crate::ports::catalog_store::CatalogStore;
use crate::ports::clock::UnixSeconds;
use crate::ports::history::{DesktopHistory, LoginHistory};
use crate::ports::profile_store::ProfileStore;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Ban records. Expired records are swept every [`SWEEP_EVERY`] failures, so every
/// address and login that ever failed once is not kept for ever.
#[derive(Default)]
pub struct MemoryBanStore {
    records: Mutex<HashMap<(BanCollection, String), BanRecord>>,
    writes: std::sync::atomic::AtomicUsize,
}

/// How many failures are counted between two sweeps of expired ban records.
const SWEEP_EVERY: usize = 1024;

impl MemoryBanStore {
    /// How many records (live or expired) are kept.
    pub fn len(&self) -> usize {
        lock(&self.records).len()
    }

    /// True when no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl BanStore for MemoryBanStore {
    async fn add_failures(
        &self,
        collection: BanCollection,
        id: &str,
        by: u32,
        now: UnixSeconds,
        expire_after: i64,
    ) -> Result<BanRecord, StoreError> {
        let mut records = lock(&self.records);
        if self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            records.retain(|_, record| now - record.date < expire_after);
        }
        let record = records.entry((collection, id.to_owned())).or_insert_with(|| BanRecord {
            id: id.to_owned(),
            count: 0,
            date: now,
        });
        if now - record.date >= expire_after {
            record.count = 0;
        }
        record.count = record.count.saturating_add(by);
        record.date = now;
        Ok(record.clone())
    }

    async fn find(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError> {
        Ok(lock(&self.records).get(&(collection, id.to_owned())).cloned())
    }

    async fn list(&self, collection: BanCollection) -> Result<Vec<BanRecord>, StoreError> {
        Ok(lock(&self.records)
            .iter()
            .filter(|((c, _), _)| *c == collection)
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn remove(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.records).remove(&(collection, id.to_owned())).is_some())
    }

    async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError> {
        let mut records = lock(&self.records);
        let before = records.len();
        records.retain(|(c, _), _| *c != collection);
        Ok((before - records.len()) as u64)
    }
}

/// Desktop and login histories. The memory backend keeps the last `PER_USER` entries of
/// each kind per user, so a long-running quick start does not grow without bound.
#[derive(Default)]
pub struct MemoryHistory {
    desktops: Mutex<HashMap<String, VecDeque<DesktopEvent>>>,
    logins: Mutex<HashMap<String, VecDeque<LoginRecord>>>,
}

const PER_USER: usize = 1000;
/// Users whose history is kept; past it, some other user's history is dropped, so
/// anonymous logins from many addresses cannot grow the quick start without bound.
const USERS: usize = 50_000;

fn push_bounded<T>(map: &Mutex<HashMap<String, VecDeque<T>>>, userid: &str, item: T) {
    let mut map = lock(map);
    if map.len() >= USERS && !map.contains_key(userid) {
        let evicted = map.keys().next().cloned();
        if let Some(evicted) = evicted {
            map.remove(&evicted);
        }
    }
    let entries = map.entry(userid.to_owned()).or_default();
    if entries.len() == PER_USER {
        entries.pop_front();
    }
    entries.push_back(item);
}

#[async_trait]
impl DesktopHistory for MemoryHistory {
    async fn append(&self, event: &DesktopEvent) -> Result<(), StoreError> {
        push_bounded(&self.desktops, &event.userid, event.clone());
        Ok(())
    }

    async fn list_for(&self, userid: &UserId) -> Result<Vec<DesktopEvent>, StoreError> {
        Ok(lock(&self.desktops)
            .get(userid.as_str())
            .map(|e| oldest_first(e.iter().cloned().collect(), |r| r.date))
            .unwrap_or_default())
    }
}

#[async_trait]
impl LoginHistory for MemoryHistory {
    async fn append(&self, record: &LoginRecord) -> Result<(), StoreError> {
        push_bounded(&self.logins, &record.userid, record.clone());
        Ok(())
    }

    async fn list_for(&self, userid: &UserId) -> Result<Vec<LoginRecord>, StoreError> {
        Ok(lock(&self.logins)
            .get(userid.as_str())
            .map(|e| oldest_first(e.iter().cloned().collect(), |r| r.date))
            .unwrap_or_default())
    }
}

/// Records sorted by date, ties in insertion order.
fn oldest_first<T>(mut records: Vec<T>, date: impl Fn(&T) -> UnixSeconds) -> Vec<T> {
    records.sort_by_key(|record| date(record));
    records
}

/// The catalog, in insertion order.
pub struct MemoryCatalogStore {
    apps: Mutex<Vec<App>>,
    changed: tokio::sync::broadcast::Sender<()>,
}

impl Default for MemoryCatalogStore {
    fn default() -> Self {
        Self {
            apps: Mutex::default(),
            changed: tokio::sync::broadcast::channel(16).0,
        }
    }
}

/// A broadcast receiver as a stream of change signals; a reader that fell behind gets one
/// signal for all it missed (it reloads everything anyway).
pub(crate) fn change_signals(
    receiver: tokio::sync::broadcast::Receiver<()>,
) -> futures::stream::BoxStream<'static, ()> {
    use tokio::sync::broadcast::error::RecvError;
    Box::pin(futures::stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(()) | Err(RecvError::Lagged(_)) => Some(((), receiver)),
            Err(RecvError::Closed) => None,
        }
    }))
}

#[async_trait]
impl CatalogStore for MemoryCatalogStore {
    async fn upsert(&self, app: &App) -> Result<(), StoreError> {
        let mut apps = lock(&self.apps);
        match apps.iter_mut().find(|a| a.id == app.id) {
            Some(existing) => *existing = app.clone(),
            None => apps.push(app.clone()),
        }
        drop(apps);
        // No receiver is not an error: nobody follows the catalog.
        let _ = self.changed.send(());
        Ok(())
    }

    async fn all(&self) -> Result<Vec<App>, StoreError> {
        Ok(lock(&self.apps).clone())
    }

    async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        let mut apps = lock(&self.apps);
        let before = apps.len();
        apps.retain(|a| a.id != id);
        let removed = apps.len() != before;
        drop(apps);
        if removed {
            let _ = self.changed.send(());
        }
        Ok(removed)
    }

    fn changes(&self) -> futures::stream::BoxStream<'static, ()> {
        change_signals(self.changed.subscribe())
    }
}

/// Per-user settings, per owner (keyed by the owner digest).
#[derive(Default)]
pub struct MemoryProfileStore {
    values: Mutex<HashMap<String, HashMap<String, Value>>>,
}

#[async_trait]
impl ProfileStore for MemoryProfileStore {
    async fn set(&self, owner: &DesktopOwner, key: &str, value: &Value, max_keys: usize) -> Result<bool, StoreError> {
        let mut values = lock(&self.values);
        let mine = values.entry(cache_key(owner)).or_default();
        if !mine.contains_key(key) && mine.len() >= max_keys {
            return Ok(false);
        }
        mine.insert(key.to_owned(), value.clone());
        Ok(true)
    }

    async fn get(&self, owner: &DesktopOwner, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(lock(&self.values)
            .get(&cache_key(owner))
            .and_then(|mine| mine.get(key))
            .cloned())
    }
}

/// Per-process counters, pre-seeded with pyos's categories.
pub struct MemoryAccounting {
    counters: Mutex<CounterSnapshot>,
}

impl Default for MemoryAccounting {
    fn default() -> Self {
        let seed: [(&str, &[&str]); 5] = [
            (
                "api",
                &[
                    "bad_parameters",
                    "env_container_app",
                    "stop_container_app",
                    "log_container_app",
                    "list_container_app",
                ],
            ),
            ("login", &["success", "failed", "anonymous"]),
            (
                "desktop",
                &[
                    "new",
                    "resumed",
                    "current",
                    "createfailed",
                    "remove",
                    "createsuccess",
                    "deletesuccess",
                    "deletefailed",
                ],
            ),
            ("applist", &["installed", "cached", "build"]),
            ("container", &["current", "reused", "error", "accessdenied"]),
        ];
        let counters = seed
            .iter()
            .map(|(category, names)| {
                (
                    (*category).to_owned(),
                    names.iter().map(|n| ((*n).to_owned(), 0)).collect(),
                )
            })
            .collect();
        Self {
            counters: Mutex::new(counters),
        }
    }
}

#[async_trait]
impl Accounting for MemoryAccounting {
    async fn increment(&self, category: &str, name: &str) -> Result<(), StoreError> {
        *lock(&self.counters)
            .entry(category.to_owned())
            .or_default()
            .entry(name.to_owned())
            .or_default() += 1;
        Ok(())
    }

    async fn snapshot(&self) -> Result<CounterSnapshot, StoreError> {
        Ok(lock(&self.counters).clone())
    }
}
