//! The application catalog: a durable store plus an in-process copy read on every request.

use super::app::App;
use crate::domain::labels::Labels;
use crate::ports::{CatalogStore, StoreError};
use serde_json::{Map, Value};
use std::sync::{Arc, RwLock};
use thiserror::Error;

/// Errors of catalog changes.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The body is not an image description or a list of them, or none is an application.
    #[error("Invalid parameters Bad Request")]
    InvalidBody,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The catalog. Reads never touch the store: they use the copy rebuilt after each change
/// (and on `buildapplist`), as pyos's per-process cache does.
pub struct CatalogService {
    store: Arc<dyn CatalogStore>,
    cache: RwLock<Arc<Vec<App>>>,
    namespace: String,
}

impl CatalogService {
    /// Loads the catalog from the store.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    pub async fn load(store: Arc<dyn CatalogStore>, namespace: impl Into<String>) -> Result<Self, StoreError> {
        let apps = store.all().await?;
        Ok(Self {
            store,
            cache: RwLock::new(Arc::new(apps)),
            namespace: namespace.into(),
        })
    }

    /// Re-reads the store into the in-process copy and returns it.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read; the old copy stays in use.
    pub async fn rebuild(&self) -> Result<Arc<Vec<App>>, StoreError> {
        let apps = Arc::new(self.store.all().await?);
        *self.cache.write().unwrap_or_else(std::sync::PoisonError::into_inner) = apps.clone();
        Ok(apps)
    }

    /// Rebuilds the in-process copy after every change the store reports, for as long as
    /// the store reports them: every replica's catalog follows changes made by any other.
    pub async fn follow_changes(&self) {
        use futures::StreamExt as _;
        let mut changes = self.store.changes();
        while changes.next().await.is_some() {
            match self.rebuild().await {
                Ok(apps) => tracing::debug!(apps = apps.len(), "catalog rebuilt after a change"),
                Err(error) => tracing::warn!(%error, "catalog changed but cannot be read; keeping the old copy"),
            }
        }
    }

    /// The current catalog.
    pub fn snapshot(&self) -> Arc<Vec<App>> {
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The catalog as pyos's manager routes show it: id → app.
    pub fn as_document(&self) -> Value {
        let apps = self.snapshot();
        Value::Object(
            apps.iter()
                .map(|app| (app.id.clone(), serde_json::to_value(app).unwrap_or(Value::Null)))
                .collect::<Map<_, _>>(),
        )
    }

    /// The app with this id.
    pub fn get(&self, id: &str) -> Option<App> {
        self.snapshot().iter().find(|app| app.id == id).cloned()
    }

    /// Adds or replaces the apps described by `body` (one image description or a list).
    /// Images that are not applications are skipped; returns the stored apps.
    ///
    /// # Errors
    /// [`CatalogError::InvalidBody`] when nothing in the body is an application.
    pub async fn add(&self, body: &Value) -> Result<Vec<App>, CatalogError> {
        let images: Vec<&Value> = match body {
            Value::Array(items) => items.iter().collect(),
            Value::Object(_) => vec![body],
            _ => return Err(CatalogError::InvalidBody),
        };
        let apps: Vec<App> = images
            .into_iter()
            .filter_map(|image| App::from_image(image, &self.namespace))
            .collect();
        if apps.is_empty() {
            return Err(CatalogError::InvalidBody);
        }
        for app in &apps {
            self.store.upsert(app).await?;
        }
        self.rebuild().await?;
        Ok(apps)
    }

    /// Replaces the existing app `id` with the description in `body`; `None` when there is
    /// no such app.
    ///
    /// # Errors
    /// [`CatalogError::InvalidBody`] when the body is not an application.
    pub async fn replace(&self, id: &str, body: &Value) -> Result<Option<App>, CatalogError> {
        if self.get(id).is_none() {
            return Ok(None);
        }
        let image = match body {
            Value::Array(items) => items.first().ok_or(CatalogError::InvalidBody)?,
            other => other,
        };
        let app = App::from_image(image, &self.namespace).ok_or(CatalogError::InvalidBody)?;
        if app.id != id {
            self.store.remove(id).await?;
        }
        self.store.upsert(&app).await?;
        self.rebuild().await?;
        Ok(Some(app))
    }

    /// Deletes the apps matching `key` (an id or a name; `*` for all); returns their ids.
    ///
    /// # Errors
    /// [`StoreError`] from the store.
    pub async fn remove(&self, key: &str) -> Result<Vec<String>, CatalogError> {
        let ids: Vec<String> = self
            .snapshot()
            .iter()
            .filter(|app| key == "*" || app.id == key || app.name == key)
            .map(|app| app.id.clone())
            .collect();
        for id in &ids {
            self.store.remove(id).await?;
        }
        self.rebuild().await?;
        Ok(ids)
    }

    /// Finds the app a user asks for (orchestration.md §7.1 "by user + name"): among the
    /// apps the user may run, by id, then by name, launch class, path or executable, then as
    /// a MIME type (the default application for it wins).
    pub fn find_for_user(&self, key: &str, labels: &Labels) -> Option<App> {
        let apps = self.snapshot();
        let allowed: Vec<&App> = apps.iter().filter(|app| app.acl().allows(labels)).collect();
        allowed
            .iter()
            .find(|app| app.id == key)
            .or_else(|| {
                allowed.iter().find(|app| {
                    app.name == key
                        || app.launch == key
                        || app.path.as_deref() == Some(key)
                        || app.executablefilename.as_deref() == Some(key)
                })
            })
            .or_else(|| {
                let handlers: Vec<&&App> = allowed
                    .iter()
                    .filter(|app| app.mimetype.iter().any(|m| m == key))
                    .collect();
                handlers
                    .iter()
                    .find(|app| app.usedefaultapplication)
                    .or(handlers.first())
                    .copied()
            })
            .map(|app| (*app).clone())
    }
}
