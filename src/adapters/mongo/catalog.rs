//! `applications.image`: one document per application, pyos's app dict plus `_id`.

use super::MongoStores;
use crate::domain::apps::App;
use crate::ports::StoreError;
use crate::ports::catalog_store::CatalogStore;
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};

impl MongoStores {
    fn images(&self) -> mongodb::Collection<Document> {
        self.collection("applications", "image")
    }
}

#[async_trait]
impl CatalogStore for MongoStores {
    async fn upsert(&self, app: &App) -> Result<(), StoreError> {
        let document =
            mongodb::bson::to_document(app).map_err(|e| StoreError::Unexpected(anyhow::anyhow!("mongodb: {e}")))?;
        self.deadline(self.images().replace_one(doc! {"id": &app.id}, document).upsert(true))
            .await?;
        Ok(())
    }

    async fn all(&self) -> Result<Vec<App>, StoreError> {
        let images = self.images();
        // `_id` grows with insertion, and a replacement keeps it: catalog order is kept.
        let documents: Vec<Document> = self
            .deadline(async { images.find(doc! {}).sort(doc! {"_id": 1}).await?.try_collect().await })
            .await?;
        Ok(documents
            .into_iter()
            .filter_map(|mut document| {
                document.remove("_id");
                match mongodb::bson::from_document::<App>(document) {
                    Ok(app) => Some(app),
                    Err(error) => {
                        tracing::warn!(%error, "skipping an applications.image document deskplane cannot read");
                        None
                    }
                }
            })
            .collect())
    }

    async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self.deadline(self.images().delete_many(doc! {"id": id})).await?;
        Ok(deleted.deleted_count > 0)
    }
}
