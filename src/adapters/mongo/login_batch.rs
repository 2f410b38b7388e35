//! The shared login history is written in batches: a login queues its record, and one
//! `insert_many` every [`BATCH_EVERY`] (or at [`BATCH_MAX`] queued records) writes them all,
//! so a login pays no MongoDB round trip and the server one insert per batch instead of
//! one per login. Reading a user's history writes what is queued first, so a replica always
//! reads its own logins. Records carry their `_id` from the start: a batch retried after a
//! failure that half-wrote it cannot write a record twice. A crash loses at most one
//! interval of records (login history was already best effort: a failed insert never
//! failed the login), and a MongoDB outage keeps at most [`PENDING_MAX`] of them.

use super::{Failure, MongoStores};
use crate::ports::StoreError;
use mongodb::bson::{Document, oid::ObjectId};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How often queued records are written.
pub const BATCH_EVERY: Duration = Duration::from_millis(50);
/// Queued records that trigger a write at once.
pub const BATCH_MAX: usize = 1_000;
/// Records kept while MongoDB cannot be written; past it the oldest are dropped (logged).
pub const PENDING_MAX: usize = 50_000;

/// Records not yet written.
#[derive(Default)]
pub struct PendingLogins(Mutex<Vec<Document>>);

impl PendingLogins {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Document>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a record; returns how many are queued.
    fn push(&self, mut record: Document) -> usize {
        record.insert("_id", ObjectId::new());
        let mut pending = self.lock();
        pending.push(record);
        pending.len()
    }

    fn take(&self) -> Vec<Document> {
        std::mem::take(&mut *self.lock())
    }

    /// Puts a batch that could not be written back in front of newer records.
    fn put_back(&self, mut batch: Vec<Document>) {
        let mut pending = self.lock();
        batch.append(&mut pending);
        if batch.len() > PENDING_MAX {
            let dropped = batch.len() - PENDING_MAX;
            tracing::warn!(
                dropped,
                "mongodb unwritable for long: oldest login history records dropped"
            );
            batch.drain(..dropped);
        }
        *pending = batch;
    }
}

/// Whether an `insert_many` failed only on records already written (duplicate `_id`).
fn only_duplicates(failure: &Failure) -> bool {
    use mongodb::error::ErrorKind;
    let Failure::Driver(error) = failure else { return false };
    match &*error.kind {
        ErrorKind::InsertMany(insert) => {
            insert.write_concern_error.is_none()
                && insert
                    .write_errors
                    .as_ref()
                    .is_some_and(|errors| errors.iter().all(|e| e.code == 11000))
        }
        _ => failure.is_duplicate_key(),
    }
}

impl MongoStores {
    /// Queues a login record of the shared history, writing the queue when it is full.
    pub(super) async fn queue_login(&self, record: Document) -> Result<(), StoreError> {
        if self.pending_logins.push(record) >= BATCH_MAX {
            self.flush_logins().await?;
        }
        Ok(())
    }

    /// Writes the queued records; what cannot be written stays queued.
    pub(super) async fn flush_logins(&self) -> Result<(), StoreError> {
        let batch = self.pending_logins.take();
        if batch.is_empty() {
            return Ok(());
        }
        let written = self
            .attempt(self.shared_logins().insert_many(&batch).ordered(false))
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(failure) if only_duplicates(&failure) => Ok(()),
            Err(failure) => {
                self.pending_logins.put_back(batch);
                Err(failure.into_store_error())
            }
        }
    }
}

/// Writes `stores`' queued login records every [`BATCH_EVERY`] for as long as the process runs.
pub fn spawn_login_writer(stores: Arc<MongoStores>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(BATCH_EVERY);
        loop {
            ticks.tick().await;
            if let Err(error) = stores.flush_logins().await {
                tracing::warn!(%error, "login history not written yet; retrying");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    #[test]
    fn a_failed_batch_goes_back_in_front_and_the_queue_is_bounded() {
        let pending = PendingLogins::default();
        pending.push(doc! {"n": 1});
        let batch = pending.take();
        pending.push(doc! {"n": 2});
        pending.put_back(batch);
        let order: Vec<i32> = pending.take().iter().map(|d| d.get_i32("n").unwrap()).collect();
        assert_eq!(order, [1, 2]);
        let many: Vec<Document> = (0..PENDING_MAX + 5).map(|_| doc! {}).collect();
        pending.put_back(many);
        assert_eq!(pending.take().len(), PENDING_MAX);
    }
}
