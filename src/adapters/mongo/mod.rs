//! The persistence ports on MongoDB: bans, catalog, histories, profiles and counters, in
//! pyos's databases, collections and document shapes (orchestration.md §10.1, auth.md §8),
//! so deskplane can be pointed at a pyos MongoDB and keep its users' data.
//!
//! One client is built at boot and shared (its pool reconnects on its own). Every
//! operation has a deadline: a server that is down or slow makes the port answer
//! [`StoreError::Unavailable`] naming MongoDB, never a hang.

mod accounting;
mod authorized_keys;
mod ban_mirror;
mod bans;
mod browser;
mod catalog;
mod documents;
mod history;
mod login_batch;
mod names;
mod profiles;

pub use ban_mirror::MirroredBans;

use crate::ports::StoreError;
use mongodb::bson::{Document, doc};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};
use std::future::IntoFuture;
use std::time::Duration;

/// How to reach MongoDB and how long to wait for it.
#[derive(Debug, Clone)]
pub struct MongoSettings {
    /// `mongodburl` (`mongodb://user:password@host:port`), without a database.
    pub url: String,
    /// `mongodbparam`: extra connection parameters (`replicaSet=rs0&authSource=admin`).
    pub param: String,
    /// Prefix of every database name (empty: pyos's names).
    pub database_prefix: String,
    /// Longest wait for a usable server.
    pub server_selection_timeout: Duration,
    /// Longest wait for a TCP connection.
    pub connect_timeout: Duration,
    /// Longest wait for any one operation's answer.
    pub operation_timeout: Duration,
    /// `fail2ban.banexpireafterseconds`: the TTL of ban records.
    pub ban_expire_after: Duration,
    /// The provider that owns profile documents written by pyos (they carry no provider);
    /// `None`: such documents are not read, since they cannot be tied to one owner.
    pub pyos_profiles_provider: Option<String>,
    /// Login history in one indexed collection (`deskplane.loginHistory`) instead of pyos's
    /// collection per user, which costs MongoDB a new collection (two files) for every new
    /// user, every anonymous login; pyos's collections are still read.
    pub shared_login_history: bool,
}

/// Every persistence port on one MongoDB client.
#[derive(Clone)]
pub struct MongoStores {
    client: Client,
    settings: MongoSettings,
    pending_counts: std::sync::Arc<accounting::PendingCounts>,
    pending_logins: std::sync::Arc<login_batch::PendingLogins>,
}

impl MongoStores {
    /// Builds the client and creates the indexes (idempotently).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the URL is unusable or MongoDB does not answer in time.
    pub async fn connect(settings: MongoSettings) -> Result<Self, StoreError> {
        let mut options = ClientOptions::parse(connection_string(&settings.url, &settings.param))
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("mongodb: unusable mongodburl or mongodbparam: {}", e.kind))
            })?;
        options.server_selection_timeout = Some(settings.server_selection_timeout);
        options.connect_timeout = Some(settings.connect_timeout);
        options.app_name = Some("deskplane".into());
        let client = Client::with_options(options).map_err(|e| unavailable(&e))?;
        let stores = Self {
            client,
            settings,
            pending_counts: std::sync::Arc::default(),
            pending_logins: std::sync::Arc::default(),
        };
        stores.ping().await?;
        stores.ensure_indexes().await?;
        accounting::spawn_flusher(std::sync::Arc::new(stores.clone()));
        if stores.settings.shared_login_history {
            login_batch::spawn_login_writer(std::sync::Arc::new(stores.clone()));
        }
        Ok(stores)
    }

    /// Asks the server for a `ping`; used at boot and by the readiness route.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when MongoDB does not answer in time.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let admin = self.client.database("admin");
        self.deadline(async { admin.run_command(doc! {"ping": 1}).await })
            .await?;
        Ok(())
    }

    /// pyos's database `name` in this deployment (under `database_prefix`).
    fn database(&self, name: &str) -> mongodb::Database {
        self.client
            .database(&format!("{}{name}", self.settings.database_prefix))
    }

    fn collection(&self, database: &str, collection: &str) -> Collection<Document> {
        self.database(database).collection(collection)
    }

    /// Runs `operation` under the operation deadline, translating driver errors.
    async fn deadline<T>(
        &self,
        operation: impl IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> Result<T, StoreError> {
        self.attempt(operation)
            .await
            .map_err(|failure| failure.into_store_error())
    }

    /// Like [`Self::deadline`], keeping the driver's error for callers that handle some
    /// (a duplicate key) themselves.
    async fn attempt<T>(&self, operation: impl IntoFuture<Output = mongodb::error::Result<T>>) -> Result<T, Failure> {
        match tokio::time::timeout(self.settings.operation_timeout, operation.into_future()).await {
            Ok(result) => result.map_err(Failure::Driver),
            Err(_) => Err(Failure::Timeout(self.settings.operation_timeout)),
        }
    }

    async fn ensure_indexes(&self) -> Result<(), StoreError> {
        let unique_id = || {
            IndexModel::builder()
                .keys(doc! {"id": 1})
                .options(IndexOptions::builder().unique(true).build())
                .build()
        };
        let ttl = IndexModel::builder()
            .keys(doc! {"date": -1})
            .options(
                IndexOptions::builder()
                    .expire_after(self.settings.ban_expire_after)
                    .build(),
            )
            .build();
        for collection in ["ipaddr", "login"] {
            let bans = self.collection("fail2ban", collection);
            // A pyos database already has a non-unique `id` index: then parallel first
            // failures of one id may each insert; say so rather than refuse to start.
            if let Err(error) = self.deadline(bans.create_index(unique_id())).await {
                tracing::warn!(%error, collection, "cannot create the unique id index of fail2ban; drop the old `id_1` index so parallel failures are counted exactly");
            }
            // As pyos: an existing TTL index with another expiry is kept (logged).
            if let Err(error) = self.deadline(bans.create_index(ttl.clone())).await {
                tracing::info!(%error, collection, "fail2ban TTL index kept as it is");
            }
        }
        let catalog = self.collection("applications", "image");
        if let Err(error) = self.deadline(catalog.create_index(unique_id())).await {
            tracing::warn!(%error, "cannot create the unique id index of applications.image");
        }
        if self.settings.shared_login_history {
            let by_user = IndexModel::builder().keys(doc! {"userid": 1, "date": 1}).build();
            if let Err(error) = self.deadline(self.shared_logins().create_index(by_user)).await {
                tracing::warn!(%error, "cannot create the userid index of deskplane.loginHistory");
            }
        }
        Ok(())
    }
}

/// `url` with `param` appended as its query (pyos: `<mongodburl>?<mongodbparam>`).
fn connection_string(url: &str, param: &str) -> String {
    let param = param.trim_start_matches(['?', '&']);
    match (param.is_empty(), url.contains('?')) {
        (true, _) => url.to_owned(),
        (false, true) => format!("{url}&{param}"),
        (false, false) if url.trim_end_matches('/').matches('/').count() > 2 => format!("{url}?{param}"),
        (false, false) => format!("{}/?{param}", url.trim_end_matches('/')),
    }
}

/// Why one operation failed.
enum Failure {
    Driver(mongodb::error::Error),
    Timeout(Duration),
}

impl Failure {
    /// Whether MongoDB refused a write for a duplicate unique key (E11000).
    fn is_duplicate_key(&self) -> bool {
        use mongodb::error::{ErrorKind, WriteFailure};
        let Self::Driver(error) = self else { return false };
        match &*error.kind {
            ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == 11000,
            ErrorKind::Command(command) => command.code == 11000,
            _ => false,
        }
    }

    /// Connection, selection, network failures and timeouts are `Unavailable`; the rest
    /// `Unexpected`. The driver's messages name hosts but never credentials.
    fn into_store_error(self) -> StoreError {
        use mongodb::error::ErrorKind;
        match self {
            Self::Timeout(limit) => {
                StoreError::Unavailable(format!("mongodb did not answer within {} ms", limit.as_millis()))
            }
            Self::Driver(error) => match &*error.kind {
                ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
                    unavailable(&error)
                }
                _ if error.contains_label(mongodb::error::RETRYABLE_WRITE_ERROR) => unavailable(&error),
                _ => StoreError::Unexpected(anyhow::anyhow!("mongodb: {}", error.kind)),
            },
        }
    }
}

fn unavailable(error: &mongodb::error::Error) -> StoreError {
    StoreError::Unavailable(format!("mongodb: {}", error.kind))
}

#[async_trait::async_trait]
impl crate::ports::HealthCheck for MongoStores {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn check(&self) -> Result<(), String> {
        self.ping().await.map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl crate::ports::WriteBehind for MongoStores {
    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn flush(&self) -> Result<(), StoreError> {
        let logins = self.flush_logins().await;
        let counts = self.flush_counts().await;
        logins.and(counts)
    }
}

#[cfg(test)]
mod tests;
