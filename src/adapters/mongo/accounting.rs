//! Counters shared by every replica (pyos kept them per process): `deskplane.accounting`,
//! one `{_id: "<category>/<name>", category, name, value}` document per counter.
//!
//! Increments are added up in memory and written every [`FLUSH_EVERY`] as one `$inc` per
//! counter, so a login does not pay a MongoDB round trip per counter; a snapshot writes
//! what is pending first, so it always includes this replica's own increments. A crash
//! loses at most one interval of counts.

use super::MongoStores;
use super::documents::number;
use crate::ports::StoreError;
use crate::ports::accounting::{Accounting, CounterSnapshot};
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How often pending increments are written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// Increments not yet written, by (category, name).
#[derive(Default)]
pub struct PendingCounts(Mutex<HashMap<(String, String), u64>>);

impl PendingCounts {
    fn add(&self, category: &str, name: &str, by: u64) {
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *pending.entry((category.to_owned(), name.to_owned())).or_default() += by;
    }

    fn take(&self) -> HashMap<(String, String), u64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl MongoStores {
    /// Writes the pending increments; what cannot be written stays pending.
    pub(super) async fn flush_counts(&self) -> Result<(), StoreError> {
        let pending = self.pending_counts.take();
        let mut failure = None;
        for ((category, name), by) in pending {
            if failure.is_some() {
                self.pending_counts.add(&category, &name, by);
                continue;
            }
            if let Err(error) = self.add_to_counter(&category, &name, by).await {
                self.pending_counts.add(&category, &name, by);
                failure = Some(error);
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// An update, else the first insert (which only one writer can win on `_id`), else
    /// the update again: no upsert, whose races SecantusDB gets wrong.
    async fn add_to_counter(&self, category: &str, name: &str, by: u64) -> Result<(), StoreError> {
        let counters = self.collection("deskplane", "accounting");
        let id = format!("{category}/{name}");
        let by = i64::try_from(by).unwrap_or(i64::MAX);
        for _ in 0..5 {
            let updated = self
                .deadline(counters.update_one(doc! {"_id": &id}, doc! {"$inc": {"value": by}}))
                .await?;
            if updated.matched_count == 1 {
                return Ok(());
            }
            let first = doc! {"_id": &id, "category": category, "name": name, "value": by};
            match self.attempt(counters.insert_one(first)).await {
                Ok(_) => return Ok(()),
                Err(failure) if failure.is_duplicate_key() => continue,
                Err(failure) => return Err(failure.into_store_error()),
            }
        }
        Err(StoreError::Unexpected(anyhow::anyhow!(
            "mongodb: a counter kept changing under us"
        )))
    }
}

/// Writes `stores`' pending increments every [`FLUSH_EVERY`] for as long as the process runs.
pub fn spawn_flusher(stores: Arc<MongoStores>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        loop {
            ticks.tick().await;
            if let Err(error) = stores.flush_counts().await {
                tracing::warn!(%error, "counters not written yet; retrying");
            }
        }
    });
}

#[async_trait]
impl Accounting for MongoStores {
    async fn increment(&self, category: &str, name: &str) -> Result<(), StoreError> {
        self.pending_counts.add(category, name, 1);
        Ok(())
    }

    async fn snapshot(&self) -> Result<CounterSnapshot, StoreError> {
        self.flush_counts().await?;
        let counters = self.collection("deskplane", "accounting");
        let documents: Vec<Document> = self
            .deadline(async { counters.find(doc! {}).await?.try_collect().await })
            .await?;
        let mut snapshot = CounterSnapshot::new();
        for document in documents {
            let (Ok(category), Ok(name)) = (document.get_str("category"), document.get_str("name")) else {
                continue;
            };
            let value = document.get("value").and_then(number).unwrap_or(0);
            snapshot
                .entry(category.to_owned())
                .or_default()
                .insert(name.to_owned(), u64::try_from(value).unwrap_or(0));
        }
        Ok(snapshot)
    }
}
