//! A document database kept in the process, for the datastore route on memory backends:
//! it holds what was put through that route (the memory stores keep their own maps).

use crate::domain::time::{parse_python_datetime, python_datetime};
use crate::ports::StoreError;
use crate::ports::datastore_browser::{DatastoreBrowser, DocumentQuery};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// One stored document: its fields, and its `date` as milliseconds when it has one.
#[derive(Debug, Clone)]
struct Stored {
    id: u64,
    fields: Map<String, Value>,
    date_millis: Option<i64>,
}

/// `(database, collection) → documents`, in insertion order.
#[derive(Debug, Default)]
pub struct MemoryDatastore {
    collections: Mutex<BTreeMap<(String, String), Vec<Stored>>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl MemoryDatastore {
    fn collections(&self) -> MutexGuard<'_, BTreeMap<(String, String), Vec<Stored>>> {
        self.collections.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn key(database: &str, collection: &str) -> (String, String) {
    (database.to_owned(), collection.to_owned())
}

#[async_trait]
impl DatastoreBrowser for MemoryDatastore {
    async fn collections(&self, database: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .collections()
            .keys()
            .filter(|(db, _)| db == database)
            .map(|(_, collection)| collection.clone())
            .collect())
    }

    async fn documents(
        &self,
        database: &str,
        collection: &str,
        query: &DocumentQuery,
    ) -> Result<Vec<Value>, StoreError> {
        let collections = self.collections();
        let Some(documents) = collections.get(&key(database, collection)) else {
            return Ok(Vec::new());
        };
        let selected = documents.iter().filter(|document| {
            let seconds = document.date_millis.map(|millis| millis.div_euclid(1000));
            query
                .kind
                .as_ref()
                .is_none_or(|kind| document.fields.get("kind").and_then(Value::as_str) == Some(kind))
                && query.after.is_none_or(|after| seconds.is_some_and(|s| s > after))
                && query.before.is_none_or(|before| seconds.is_some_and(|s| s < before))
        });
        Ok(selected
            .skip(usize::try_from(query.skip).unwrap_or(usize::MAX))
            .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
            .map(|document| {
                let mut fields = document.fields.clone();
                fields.insert("_id".into(), Value::String(format!("{:024x}", document.id)));
                if let Some(millis) = document.date_millis {
                    fields.insert("date".into(), Value::String(python_datetime(millis)));
                }
                Value::Object(fields)
            })
            .collect())
    }

    async fn put(&self, database: &str, collection: &str, kind: &str, value: &Value) -> Result<(), StoreError> {
        let mut fields = match value {
            Value::Object(fields) => fields.clone(),
            other => Map::from_iter([(kind.to_owned(), other.clone())]),
        };
        fields.insert("kind".into(), Value::String(kind.to_owned()));
        let date_millis = fields
            .get("date")
            .and_then(Value::as_str)
            .and_then(parse_python_datetime)
            .map(|seconds| seconds * 1000);
        if date_millis.is_some() {
            fields.remove("date");
        }
        let mut collections = self.collections();
        let documents = collections.entry(key(database, collection)).or_default();
        let held = documents
            .iter_mut()
            .find(|document| document.fields.get("kind").and_then(Value::as_str) == Some(kind));
        match held {
            Some(document) => {
                document.fields = fields;
                document.date_millis = date_millis;
            }
            None => documents.push(Stored {
                id: self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                fields,
                date_millis,
            }),
        }
        Ok(())
    }

    async fn delete(&self, database: &str, collection: &str, kind: &str) -> Result<bool, StoreError> {
        let mut collections = self.collections();
        let Some(documents) = collections.get_mut(&key(database, collection)) else {
            return Ok(false);
        };
        let before = documents.len();
        if let Some(at) = documents
            .iter()
            .position(|document| document.fields.get("kind").and_then(Value::as_str) == Some(kind))
        {
            documents.remove(at);
        }
        Ok(documents.len() < before)
    }

    async fn drop_collection(&self, database: &str, collection: &str) -> Result<(), StoreError> {
        self.collections().remove(&key(database, collection));
        Ok(())
    }
}
