//! `fail2ban.ipaddr` and `fail2ban.login`: `{id, date, count}` documents. Each failure is
//! one atomic update whose pipeline restarts the count when the record's window has passed
//! (pyos's update never matched, so its counts stayed at 1).

use super::MongoStores;
use super::documents::{bson_date, date_of, number};
use crate::ports::StoreError;
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use crate::ports::clock::UnixSeconds;
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;

impl MongoStores {
    pub(super) fn bans(&self, collection: BanCollection) -> mongodb::Collection<Document> {
        self.collection("fail2ban", collection.as_str())
    }
}

/// The record a fail2ban document holds (`None` without an `id`).
pub(super) fn ban_record(document: &Document) -> Option<BanRecord> {
    Some(BanRecord {
        id: document.get_str("id").ok()?.to_owned(),
        count: number(document.get("count")?).map_or(0, |n| u32::try_from(n.max(0)).unwrap_or(u32::MAX)),
        date: date_of(document, "date").unwrap_or(0),
    })
}

/// A document's key (`_id`) as text, the same for the document and for the key a delete
/// event carries.
pub(super) fn ban_record_id(document: &Document) -> Option<String> {
    document.get("_id").map(ToString::to_string)
}

#[async_trait]
impl BanStore for MongoStores {
    async fn add_failures(
        &self,
        collection: BanCollection,
        id: &str,
        by: u32,
        now: UnixSeconds,
        expire_after: i64,
    ) -> Result<BanRecord, StoreError> {
        let cutoff = bson_date(now.saturating_sub(expire_after));
        let still_counting = doc! {"$and": [
            {"$eq": [{"$type": "$date"}, "date"]},
            {"$gt": ["$date", cutoff]},
            {"$isNumber": "$count"},
        ]};
        let update = vec![doc! {"$set": {
            "count": {"$cond": [still_counting, {"$add": ["$count", i64::from(by)]}, i64::from(by)]},
            "date": bson_date(now),
        }}];
        let bans = self.bans(collection);
        // No upsert: an update of the existing record, else an insert that the unique id
        // index lets only one first failure win; the loser goes back to the update. (An
        // upsert does the same on MongoDB, but SecantusDB's upserts race: some report
        // nothing after applying the update, which would count a failure twice.)
        for _ in 0..5 {
            let updated = self
                .deadline(
                    bans.find_one_and_update(doc! {"id": id}, update.clone())
                        .return_document(ReturnDocument::After),
                )
                .await?;
            if let Some(document) = updated {
                return ban_record(&document)
                    .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("mongodb: a ban record without id")));
            }
            let first = BanRecord {
                id: id.to_owned(),
                count: by,
                date: now,
            };
            let inserted = self
                .attempt(bans.insert_one(doc! {"id": id, "date": bson_date(now), "count": i64::from(by)}))
                .await;
            match inserted {
                Ok(_) => return Ok(first),
                Err(failure) if failure.is_duplicate_key() => continue,
                Err(failure) => return Err(failure.into_store_error()),
            }
        }
        Err(StoreError::Unexpected(anyhow::anyhow!(
            "mongodb: a ban record kept changing under us"
        )))
    }

    async fn find(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError> {
        let found = self.deadline(self.bans(collection).find_one(doc! {"id": id})).await?;
        Ok(found.as_ref().and_then(ban_record))
    }

    async fn list(&self, collection: BanCollection) -> Result<Vec<BanRecord>, StoreError> {
        let bans = self.bans(collection);
        let documents: Vec<Document> = self
            .deadline(async { bans.find(doc! {}).await?.try_collect().await })
            .await?;
        Ok(documents.iter().filter_map(ban_record).collect())
    }

    async fn remove(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .deadline(self.bans(collection).delete_many(doc! {"id": id}))
            .await?;
        Ok(deleted.deleted_count > 0)
    }

    async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError> {
        let deleted = self.deadline(self.bans(collection).delete_many(doc! {})).await?;
        Ok(deleted.deleted_count)
    }
}
