//! Counters shared by every replica (pyos kept them per process): `deskplane.accounting`,
//! one `{_id: "<category>/<name>", category, name, value}` document per counter.

use super::MongoStores;
use super::documents::number;
use crate::ports::StoreError;
use crate::ports::accounting::{Accounting, CounterSnapshot};
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};

#[async_trait]
impl Accounting for MongoStores {
    async fn increment(&self, category: &str, name: &str) -> Result<(), StoreError> {
        let counters = self.collection("deskplane", "accounting");
        let id = format!("{category}/{name}");
        // An update, else the first insert (which only one writer can win on `_id`),
        // else the update again: no upsert, whose races SecantusDB gets wrong.
        for _ in 0..5 {
            let updated = self
                .deadline(counters.update_one(doc! {"_id": &id}, doc! {"$inc": {"value": 1_i64}}))
                .await?;
            if updated.matched_count == 1 {
                return Ok(());
            }
            let first = doc! {"_id": &id, "category": category, "name": name, "value": 1_i64};
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

    async fn snapshot(&self) -> Result<CounterSnapshot, StoreError> {
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
