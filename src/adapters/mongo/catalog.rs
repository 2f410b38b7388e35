//! `applications.image`: one document per application, pyos's app dict plus `_id`, and a
//! change stream on it so every replica follows changes made anywhere (pyos 4.x watched
//! the same collection).

use super::MongoStores;
use crate::domain::apps::App;
use crate::ports::StoreError;
use crate::ports::catalog_store::CatalogStore;
use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{SinkExt as _, StreamExt as _, TryStreamExt};
use mongodb::bson::{Document, doc};
use mongodb::change_stream::event::ResumeToken;
use std::time::Duration;

/// Waits between two attempts to reopen a broken change stream: doubling from the first,
/// up to the last.
const REOPEN_DELAYS: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));

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

    fn changes(&self) -> BoxStream<'static, ()> {
        let (signals, stream) = futures::channel::mpsc::channel(16);
        tokio::spawn(follow_catalog(self.images(), signals));
        Box::pin(stream)
    }
}

/// Forwards one signal per change of `images` until the reader goes away. The stream is
/// reopened after any error, resuming after the last event seen; when it cannot resume
/// (the oplog moved on), or after any reopening, one extra signal makes the reader
/// reload everything, since changes may have been missed in between.
async fn follow_catalog(images: mongodb::Collection<Document>, mut signals: futures::channel::mpsc::Sender<()>) {
    let mut resume: Option<ResumeToken> = None;
    let mut delay = REOPEN_DELAYS.0;
    loop {
        let opened = match resume.clone() {
            Some(token) => images.watch().resume_after(token).await,
            None => images.watch().await,
        };
        let mut stream = match opened {
            Ok(stream) => stream,
            Err(error) => {
                if resume.take().is_some() {
                    tracing::warn!(error = %error.kind, "cannot resume the catalog change stream; starting a new one");
                } else {
                    tracing::warn!(error = %error.kind, "cannot open the catalog change stream; retrying");
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(REOPEN_DELAYS.1);
                continue;
            }
        };
        delay = REOPEN_DELAYS.0;
        if signals.send(()).await.is_err() {
            return;
        }
        loop {
            match stream.next().await {
                Some(Ok(_event)) => {
                    resume = stream.resume_token();
                    if signals.send(()).await.is_err() {
                        return;
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(error = %error.kind, "the catalog change stream broke; reopening");
                    resume = stream.resume_token().or(resume);
                    break;
                }
                None => break,
            }
        }
        tokio::time::sleep(delay).await;
    }
}
