//! `/API/manager/datastore`: the path's segments read as pyos reads them (api.md §7.6),
//! checked against the manager's `database_acl` and the browsable databases, then asked
//! of the [`DatastoreBrowser`].

use crate::ports::{DatastoreBrowser, DocumentQuery, StoreError};
use serde_json::Value;
use std::sync::Arc;
use thiserror::Error;

/// Most documents one answer holds (`limit` may ask for fewer).
pub const MAX_PAGE: u64 = 10_000;

/// What the datastore route may refuse or fail with.
#[derive(Debug, Error)]
pub enum DatastoreError {
    /// The path, a date or a paging value is not one the route takes (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// `database_acl` does not grant the method (HTTP 400, as pyos answers it).
    #[error("{0}")]
    Denied(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The method of a datastore request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatastoreMethod {
    /// GET: list or read.
    Read,
    /// PUT: store a document.
    Write,
    /// DELETE: delete a document or drop a collection.
    Delete,
}

/// The route's logic.
pub struct DatastoreService {
    browser: Arc<dyn DatastoreBrowser>,
    databases: Vec<String>,
    acl: Vec<String>,
}

impl DatastoreService {
    /// A service over `browser`, listing and opening only `databases`, granting what `acl`
    /// (`controllers.ManagerController.database_acl`) names.
    pub fn new(browser: Arc<dyn DatastoreBrowser>, databases: Vec<String>, acl: Vec<String>) -> Self {
        Self {
            browser,
            databases,
            acl,
        }
    }

    /// The databases served and the methods the ACL grants; `None` when it grants none.
    pub fn offered(&self) -> Option<(Vec<String>, Vec<DatastoreMethod>)> {
        let granted: Vec<DatastoreMethod> = [DatastoreMethod::Read, DatastoreMethod::Write, DatastoreMethod::Delete]
            .into_iter()
            .filter(|method| self.grants(*method).is_ok())
            .collect();
        (!granted.is_empty()).then(|| (self.databases.clone(), granted))
    }

    fn grants(&self, method: DatastoreMethod) -> Result<(), DatastoreError> {
        let (names, word): (&[&str], &str) = match method {
            DatastoreMethod::Read => (&["get", "read"], "get"),
            DatastoreMethod::Write => (&["put", "write"], "put"),
            DatastoreMethod::Delete => (&["delete"], "delete"),
        };
        if self.acl.iter().any(|granted| names.contains(&granted.as_str())) {
            Ok(())
        } else {
            Err(DatastoreError::Denied(format!(
                "database_acl does not permit {word} (controllers.ManagerController.database_acl)"
            )))
        }
    }

    fn database<'a>(&self, name: &'a str) -> Result<&'a str, DatastoreError> {
        if self.databases.iter().any(|listed| listed == name) {
            Ok(name)
        } else {
            Err(DatastoreError::BadRequest(format!(
                "database {name} is not browsable (mongodblist)"
            )))
        }
    }

    /// `collection`, when MongoDB would take it as a collection name: a name it refuses
    /// (empty, `$`, NUL, `system.`, too long) is the client's mistake, a 400, not a
    /// failure of the store. Every name deskplane itself gives a user passes.
    fn collection(name: &str) -> Result<&str, DatastoreError> {
        let valid =
            !name.is_empty() && name.len() <= 200 && !name.starts_with("system.") && !name.contains(['$', '\0']);
        if valid {
            Ok(name)
        } else {
            Err(DatastoreError::BadRequest(format!("invalid collection name {name:?}")))
        }
    }

    /// Answers `method` on the path `segments` (after `datastore`), with `skip`/`limit`
    /// paging reads.
    ///
    /// # Errors
    /// [`DatastoreError`] for a refused path, an ungranted method or a store failure.
    pub async fn answer(
        &self,
        method: DatastoreMethod,
        segments: &[String],
        skip: Option<&str>,
        limit: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, DatastoreError> {
        self.grants(method)?;
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method, parts.as_slice()) {
            (DatastoreMethod::Read, []) => Ok(Value::from(self.databases.clone())),
            (DatastoreMethod::Read, [database]) => {
                Ok(Value::from(self.browser.collections(self.database(database)?).await?))
            }
            (DatastoreMethod::Read, [database, collection, filter @ ..]) => {
                let mut query = query_of(filter)?;
                query.skip = paging(skip, "skip", 0, u64::MAX)?;
                query.limit = paging(limit, "limit", MAX_PAGE, MAX_PAGE)?;
                let documents = self
                    .browser
                    .documents(self.database(database)?, Self::collection(collection)?, &query)
                    .await?;
                Ok(Value::Array(documents))
            }
            (DatastoreMethod::Write, [database, collection, kind]) => {
                let value = body.ok_or_else(|| DatastoreError::BadRequest("a JSON body is required".into()))?;
                self.browser
                    .put(self.database(database)?, Self::collection(collection)?, kind, value)
                    .await?;
                Ok(Value::Bool(true))
            }
            (DatastoreMethod::Delete, [database, collection]) => {
                self.browser
                    .drop_collection(self.database(database)?, Self::collection(collection)?)
                    .await?;
                Ok(Value::Bool(true))
            }
            (DatastoreMethod::Delete, [database, collection, kind]) => Ok(Value::Bool(
                self.browser
                    .delete(self.database(database)?, Self::collection(collection)?, kind)
                    .await?,
            )),
            _ => Err(DatastoreError::BadRequest("invalid request".into())),
        }
    }
}

/// The filter segments after `<db>/<coll>`: none, a `kind`, `after|before/<date>`, or
/// `after/<d1>/before/<d2>`.
fn query_of(filter: &[&str]) -> Result<DocumentQuery, DatastoreError> {
    let date = |text: &str| {
        crate::domain::time::parse_python_datetime(text).ok_or_else(|| {
            DatastoreError::BadRequest(format!("invalid date {text}: expected YYYY-MM-DD HH:MM:SS (UTC)"))
        })
    };
    let mut query = DocumentQuery::default();
    match filter {
        [] => {}
        ["after" | "before"] => {
            return Err(DatastoreError::BadRequest(
                "a date is expected after after or before".into(),
            ));
        }
        [kind] => query.kind = Some((*kind).to_owned()),
        ["after", when] => query.after = Some(date(when)?),
        ["before", when] => query.before = Some(date(when)?),
        ["after", first, "before", last] => {
            query.after = Some(date(first)?);
            query.before = Some(date(last)?);
            if query.after >= query.before {
                return Err(DatastoreError::BadRequest("after must be earlier than before".into()));
            }
        }
        _ => return Err(DatastoreError::BadRequest("invalid request".into())),
    }
    Ok(query)
}

fn paging(text: Option<&str>, name: &str, default: u64, max: u64) -> Result<u64, DatastoreError> {
    let Some(text) = text else {
        return Ok(default);
    };
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| DatastoreError::BadRequest(format!("{name} must be an integer from 0 to {max}")))
}

#[cfg(test)]
mod tests;
