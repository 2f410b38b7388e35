//! `authorizedkeys.keys`: one `{_id: <provider/userid>, key}` document per owner, so every
//! replica lists the keys of every certificate login (pyos kept them per process).

use super::MongoStores;
use crate::ports::StoreError;
use crate::ports::authorized_key_store::AuthorizedKeyStore;
use async_trait::async_trait;
use futures::TryStreamExt as _;
use mongodb::bson::{Document, doc};

impl MongoStores {
    fn authorized_keys(&self) -> mongodb::Collection<Document> {
        self.collection("authorizedkeys", "keys")
    }
}

#[async_trait]
impl AuthorizedKeyStore for MongoStores {
    async fn record(&self, owner: &str, key: &str, max_owners: usize) -> Result<bool, StoreError> {
        let keys = self.authorized_keys();
        let replaced = self
            .deadline(keys.update_one(doc! {"_id": owner}, doc! {"$set": {"key": key}}))
            .await?;
        if replaced.matched_count == 1 {
            return Ok(true);
        }
        // A new owner: counted first, so the cap holds but for owners that other replicas
        // add between the count and the write (the port allows that much).
        let held = self.deadline(keys.estimated_document_count()).await?;
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_owners {
            return Ok(false);
        }
        self.deadline(
            keys.update_one(doc! {"_id": owner}, doc! {"$set": {"key": key}})
                .upsert(true),
        )
        .await?;
        Ok(true)
    }

    async fn list(&self) -> Result<Vec<(String, String)>, StoreError> {
        let keys = self.authorized_keys();
        let documents: Vec<Document> = self
            .deadline(async { keys.find(doc! {}).sort(doc! {"_id": 1}).await?.try_collect().await })
            .await?;
        Ok(documents
            .into_iter()
            .filter_map(|document| {
                let owner = document.get_str("_id").ok()?.to_owned();
                let key = document.get_str("key").ok()?.to_owned();
                Some((owner, key))
            })
            .collect())
    }
}
