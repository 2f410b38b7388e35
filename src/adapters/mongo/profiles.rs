//! `profiles.<userid>`: pyos keeps one `{kind: <key>, <key>: <value>}` document per key in
//! a collection named after the user id, whatever the provider. deskplane writes
//! `{_id: {provider, kind}, provider, kind, value}` in the same collection, so the same
//! user id under two providers keeps two profiles, and reads pyos's documents only for the
//! provider the operator names as their owner.
//!
//! The key cap is one conditional update of a per-owner key list, so replicas cannot
//! squeeze past it together.

use super::MongoStores;
use super::documents::{to_bson, to_json};
use super::names::user_collection;
use crate::domain::desktop::DesktopOwner;
use crate::ports::StoreError;
use crate::ports::profile_store::ProfileStore;
use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use serde_json::Value;

impl MongoStores {
    fn profile(&self, owner: &DesktopOwner) -> mongodb::Collection<Document> {
        self.collection("profiles", &user_collection(owner.userid.as_str()))
    }

    /// Adds `key` to the owner's key list unless the list is full; true when the key is
    /// (now) in the list.
    async fn reserve_key(&self, owner: &DesktopOwner, key: &str, max_keys: usize) -> Result<bool, StoreError> {
        if max_keys == 0 {
            return Ok(false);
        }
        let profile = self.profile(owner);
        let list_id = doc! {"deskplane_keys_of": &owner.provider};
        let room = format!("keys.{}", max_keys - 1);
        let filter = doc! {"_id": list_id.clone(), "$or": [{"keys": key}, {room: {"$exists": false}}]};
        let update = doc! {"$addToSet": {"keys": key}};
        for _ in 0..3 {
            let updated = self
                .deadline(profile.update_one(filter.clone(), update.clone()))
                .await?;
            if updated.matched_count == 1 {
                return Ok(true);
            }
            // Not matched: the list is full, or there is no list yet. Only one writer can
            // create it (`_id`); whoever loses reads it again.
            match self
                .attempt(profile.insert_one(doc! {"_id": list_id.clone(), "keys": [key]}))
                .await
            {
                Ok(_) => return Ok(true),
                Err(failure) if failure.is_duplicate_key() => {
                    let full = self
                        .deadline(profile.find_one(doc! {"_id": list_id.clone()}))
                        .await?
                        .is_some_and(|list| list.get_array("keys").is_ok_and(|keys| keys.len() >= max_keys));
                    if full {
                        return Ok(false);
                    }
                }
                Err(failure) => return Err(failure.into_store_error()),
            }
        }
        Err(StoreError::Unexpected(anyhow::anyhow!(
            "mongodb: a key list kept changing under us"
        )))
    }
}

#[async_trait]
impl ProfileStore for MongoStores {
    async fn set(&self, owner: &DesktopOwner, key: &str, value: &Value, max_keys: usize) -> Result<bool, StoreError> {
        if !self.reserve_key(owner, key, max_keys).await? {
            return Ok(false);
        }
        let value = to_bson(value).map_err(|e| StoreError::Unexpected(anyhow::anyhow!("mongodb: {e}")))?;
        let id = doc! {"provider": &owner.provider, "kind": key};
        let document = doc! {"_id": id.clone(), "provider": &owner.provider, "kind": key, "value": value};
        self.deadline(self.profile(owner).replace_one(doc! {"_id": id}, document).upsert(true))
            .await?;
        Ok(true)
    }

    async fn get(&self, owner: &DesktopOwner, key: &str) -> Result<Option<Value>, StoreError> {
        let profile = self.profile(owner);
        let id = doc! {"provider": &owner.provider, "kind": key};
        if let Some(mut document) = self.deadline(profile.find_one(doc! {"_id": id})).await? {
            return Ok(document.remove("value").map(to_json));
        }
        if self.settings.pyos_profiles_provider.as_deref() != Some(owner.provider.as_str()) {
            return Ok(None);
        }
        let legacy = doc! {"kind": key, "provider": {"$exists": false}};
        let found = self.deadline(profile.find_one(legacy)).await?;
        Ok(found
            .and_then(|mut document| document.remove(key))
            .filter(|v| *v != Bson::Null)
            .map(to_json))
    }
}
