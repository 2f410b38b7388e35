//! `desktop.history` (one collection) and the login history: `loginHistory.<userid>` (one
//! collection per user, as pyos) or, with `shared_login_history`, `deskplane.loginHistory`
//! (one collection indexed by user id) read together with pyos's; oldest first.

use super::MongoStores;
use super::documents::{desktop_document, desktop_event, login_document, login_record};
use super::names::user_collection;
use crate::domain::history::{DesktopEvent, LoginRecord};
use crate::domain::identity::UserId;
use crate::ports::StoreError;
use crate::ports::history::{DesktopHistory, LoginHistory};
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};

#[async_trait]
impl DesktopHistory for MongoStores {
    async fn append(&self, event: &DesktopEvent) -> Result<(), StoreError> {
        self.deadline(
            self.collection("desktop", "history")
                .insert_one(desktop_document(event)),
        )
        .await?;
        Ok(())
    }

    async fn list_for(&self, userid: &UserId) -> Result<Vec<DesktopEvent>, StoreError> {
        let history = self.collection("desktop", "history");
        let documents: Vec<Document> = self
            .deadline(async {
                history
                    .find(doc! {"userid": userid.as_str()})
                    .sort(doc! {"date": 1, "_id": 1})
                    .await?
                    .try_collect()
                    .await
            })
            .await?;
        Ok(documents.iter().filter_map(desktop_event).collect())
    }
}

impl MongoStores {
    /// The shared login history (in deskplane's database, so no user id's collection name
    /// can ever be it).
    pub(super) fn shared_logins(&self) -> mongodb::Collection<Document> {
        self.collection("deskplane", "loginHistory")
    }

    async fn sorted(
        &self,
        logins: mongodb::Collection<Document>,
        filter: Document,
    ) -> Result<Vec<Document>, StoreError> {
        self.deadline(async {
            logins
                .find(filter)
                .sort(doc! {"date": 1, "_id": 1})
                .await?
                .try_collect()
                .await
        })
        .await
    }
}

#[async_trait]
impl LoginHistory for MongoStores {
    async fn append(&self, record: &LoginRecord) -> Result<(), StoreError> {
        if self.settings.shared_login_history {
            return self.queue_login(login_document(record)).await;
        }
        let logins = self.collection("loginHistory", &user_collection(&record.userid));
        self.deadline(logins.insert_one(login_document(record))).await?;
        Ok(())
    }

    async fn list_for(&self, userid: &UserId) -> Result<Vec<LoginRecord>, StoreError> {
        let per_user = self.collection("loginHistory", &user_collection(userid.as_str()));
        let mut documents = self.sorted(per_user, doc! {}).await?;
        if self.settings.shared_login_history {
            // This replica's queued records first, so it reads its own logins.
            self.flush_logins().await?;
            documents.extend(
                self.sorted(self.shared_logins(), doc! {"userid": userid.as_str()})
                    .await?,
            );
        }
        let mut records: Vec<LoginRecord> = documents
            .iter()
            .map(login_record)
            // The collection is named after the user id; a document of another user (an
            // operator's mistake, or pyos's) is not theirs.
            .filter(|record| record.userid == userid.as_str())
            .collect();
        // pyos's records come before deskplane's: one ordered history.
        records.sort_by_key(|record| record.date);
        Ok(records)
    }
}
