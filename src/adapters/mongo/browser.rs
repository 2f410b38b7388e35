//! The datastore route's view of MongoDB: pyos's database names under this deployment's
//! `database_prefix`, documents addressed by `kind` as pyos's datastore addresses them.

use super::MongoStores;
use super::documents::{to_bson, to_json};
use crate::domain::time::{parse_python_datetime, python_datetime};
use crate::ports::StoreError;
use crate::ports::datastore_browser::{DatastoreBrowser, DocumentQuery};
use async_trait::async_trait;
use futures::TryStreamExt as _;
use mongodb::bson::{Bson, DateTime, Document, doc};
use serde_json::{Map, Value};

fn unexpected(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("mongodb: {error}"))
}

/// A stored document as pyos shows it: `_id` and `date` as text.
fn shown(mut document: Document) -> Value {
    let id = match document.remove("_id") {
        Some(Bson::ObjectId(id)) => Some(Value::String(id.to_hex())),
        Some(Bson::String(id)) => Some(Value::String(id)),
        Some(other) => Some(Value::String(to_json(other).to_string())),
        None => None,
    };
    let date = match document.remove("date") {
        Some(Bson::DateTime(at)) => Some(Value::String(python_datetime(at.timestamp_millis()))),
        Some(other) => Some(to_json(other)),
        None => None,
    };
    let mut fields: Map<String, Value> = document.into_iter().map(|(key, value)| (key, to_json(value))).collect();
    if let Some(id) = id {
        fields.insert("_id".into(), id);
    }
    if let Some(date) = date {
        fields.insert("date".into(), date);
    }
    Value::Object(fields)
}

#[async_trait]
impl DatastoreBrowser for MongoStores {
    async fn collections(&self, database: &str) -> Result<Vec<String>, StoreError> {
        let database = self.database(database);
        let mut names = self.deadline(database.list_collection_names()).await?;
        names.sort();
        Ok(names)
    }

    async fn documents(
        &self,
        database: &str,
        collection: &str,
        query: &DocumentQuery,
    ) -> Result<Vec<Value>, StoreError> {
        // MongoDB reads a limit of 0 as none.
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let mut filter = Document::new();
        if let Some(kind) = &query.kind {
            filter.insert("kind", kind);
        }
        let mut dates = Document::new();
        if let Some(after) = query.after {
            dates.insert("$gt", DateTime::from_millis(after.saturating_mul(1000)));
        }
        if let Some(before) = query.before {
            dates.insert("$lt", DateTime::from_millis(before.saturating_mul(1000)));
        }
        if !dates.is_empty() {
            filter.insert("date", dates);
        }
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        let found = self.collection(database, collection);
        let documents: Vec<Document> = self
            .deadline(async {
                found
                    .find(filter)
                    .sort(doc! {"_id": 1})
                    .skip(query.skip)
                    .limit(limit)
                    .await?
                    .try_collect()
                    .await
            })
            .await?;
        Ok(documents.into_iter().map(shown).collect())
    }

    async fn put(&self, database: &str, collection: &str, kind: &str, value: &Value) -> Result<(), StoreError> {
        let mut document = match to_bson(value).map_err(unexpected)? {
            Bson::Document(document) => document,
            other => doc! {kind: other},
        };
        document.insert("kind", kind);
        let text_date = document.get_str("date").ok().and_then(parse_python_datetime);
        if let Some(seconds) = text_date {
            document.insert("date", DateTime::from_millis(seconds.saturating_mul(1000)));
        }
        // pyos's own documents have ObjectId ids; a stored one keeps its id.
        document.remove("_id");
        let documents = self.collection(database, collection);
        self.deadline(documents.replace_one(doc! {"kind": kind}, document).upsert(true))
            .await?;
        Ok(())
    }

    async fn delete(&self, database: &str, collection: &str, kind: &str) -> Result<bool, StoreError> {
        let documents = self.collection(database, collection);
        let deleted = self.deadline(documents.delete_one(doc! {"kind": kind})).await?;
        Ok(deleted.deleted_count > 0)
    }

    async fn drop_collection(&self, database: &str, collection: &str) -> Result<(), StoreError> {
        let documents = self.collection(database, collection);
        self.deadline(documents.drop()).await?;
        Ok(())
    }
}
