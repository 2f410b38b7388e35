//! The HTTP layer's error type: every failure a handler can return, mapped to pyos's
//! status and message. Causes are logged here; clients only see safe messages.

use super::envelope::{http_error, results_error};
use crate::domain::apps::{AppError, CatalogError};
use crate::domain::auth::{AccessError, AuthFlowError, LoginError};
use crate::domain::desktop::DesktopError;
use crate::domain::key_offer::KeyOfferError;
use crate::domain::profile::ProfileError;
use crate::ports::{OrchestratorError, StoreError, TokenError};
use thiserror::Error;
use warp::http::StatusCode;
use warp::reply::Response;

/// A failed request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// An HTTP error envelope with this status and message.
    #[error("{1}")]
    Http(StatusCode, String),
    /// A `Results.error` body (HTTP 200) with this embedded status.
    #[error("{1}")]
    Results(u16, String),
    /// 503: this backend cannot be reached (counted in `/metrics`).
    #[error("{0} is unavailable, try again later")]
    Unavailable(&'static str),
    /// 429 with this message and a `Retry-After` of this many seconds.
    #[error("{0}")]
    TooManyRequests(String, u64),
    /// A server-side failure; the cause is logged, the client sees a generic message.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl ApiError {
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Http(StatusCode::BAD_REQUEST, message.into())
    }
    /// 401 with a message.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Http(StatusCode::UNAUTHORIZED, message.into())
    }
    /// 403 with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Http(StatusCode::FORBIDDEN, message.into())
    }
    /// 405: the path does not take this method (the dispatcher adds the path's `Allow`).
    pub fn method_not_allowed() -> Self {
        Self::Http(
            StatusCode::METHOD_NOT_ALLOWED,
            "Specified method is invalid for this resource".into(),
        )
    }
    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::Http(StatusCode::NOT_FOUND, message.into())
    }
    /// 503 for a backend that cannot be reached, naming it: the backend the detail starts
    /// with (adapters begin their details with `mongodb`, `redis`, …), else `kind`. Only
    /// the name reaches the client; the detail (hosts, driver text) goes to the log.
    pub fn unavailable(kind: &'static str, detail: impl std::fmt::Display) -> Self {
        const NAMED: [&str; 5] = ["mongodb", "redis", "memcached", "kubernetes", "identity provider"];
        let detail = detail.to_string();
        tracing::error!(%detail, "backend unavailable");
        let backend = NAMED
            .into_iter()
            .find(|name| detail.starts_with(name) || detail.contains(&format!(": {name}")))
            .unwrap_or(kind);
        Self::Unavailable(backend)
    }
    /// A short label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Http(status, _) if status.is_client_error() => "client",
            Self::Http(..) | Self::Unavailable(_) => "server",
            Self::Results(..) => "results",
            Self::TooManyRequests(..) => "client",
            Self::Internal(_) => "internal",
        }
    }
    /// The response for this error.
    pub fn into_response(self) -> Response {
        match self {
            Self::Http(status, message) => http_error(status, &message),
            Self::Results(status, message) => results_error(status, &message),
            Self::Unavailable(_) => http_error(StatusCode::SERVICE_UNAVAILABLE, &self.to_string()),
            Self::TooManyRequests(message, retry_after) => {
                let mut response = http_error(StatusCode::TOO_MANY_REQUESTS, &message);
                response.headers_mut().insert(
                    warp::http::header::RETRY_AFTER,
                    warp::http::HeaderValue::from(retry_after),
                );
                response
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                http_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal api server error")
            }
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(error: AccessError) -> Self {
        Self::unauthorized(error.to_string())
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Unavailable(detail) => Self::unavailable("directory", detail),
            LoginError::Unexpected(error) => Self::Internal(error),
            other => Self::unauthorized(other.to_string()),
        }
    }
}

impl From<AuthFlowError> for ApiError {
    fn from(error: AuthFlowError) -> Self {
        match error {
            AuthFlowError::Login(error) => error.into(),
            AuthFlowError::PrepareResources(_) => {
                tracing::error!(%error, "could not prepare the user's resources");
                Self::Results(401, "failed to prepare ressources".into())
            }
            AuthFlowError::Token(error) => error.into(),
            AuthFlowError::Banned(error) => error.into(),
            AuthFlowError::RateLimited(limited) => limited.into(),
            AuthFlowError::Prelogin(crate::domain::auth::PreloginError::Unavailable(error)) => {
                Self::unavailable("cache", error)
            }
            AuthFlowError::Prelogin(invalid) => Self::unauthorized(invalid.to_string()),
        }
    }
}

impl From<crate::domain::rate_limit::RateLimited> for ApiError {
    fn from(limited: crate::domain::rate_limit::RateLimited) -> Self {
        Self::TooManyRequests(limited.to_string(), limited.retry_after)
    }
}

impl From<KeyOfferError> for ApiError {
    fn from(error: KeyOfferError) -> Self {
        match error {
            KeyOfferError::Length(_) => Self::bad_request(error.to_string()),
            KeyOfferError::Busy => Self::TooManyRequests(error.to_string(), 1),
            KeyOfferError::Token(token) => token.into(),
            KeyOfferError::Cache(crate::ports::CacheError::Unavailable(detail)) => Self::unavailable("cache", detail),
            KeyOfferError::Cache(other) => Self::Internal(other.into()),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        Self::Internal(anyhow::anyhow!("token error: {error}"))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(detail) => Self::unavailable("datastore", detail),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<OrchestratorError> for ApiError {
    fn from(error: OrchestratorError) -> Self {
        match error {
            OrchestratorError::Unavailable(detail) => Self::unavailable("kubernetes", detail),
            OrchestratorError::OwnerMismatch(name) => {
                tracing::warn!(object = %name, "an object named for this user belongs to another user");
                Self::Http(
                    StatusCode::CONFLICT,
                    "a resource of this user is held by another user".into(),
                )
            }
            OrchestratorError::NotFound(what) => Self::not_found(format!("{what} not found")),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<DesktopError> for ApiError {
    fn from(error: DesktopError) -> Self {
        match error {
            DesktopError::CreationFailed(_) | DesktopError::Unreachable(_) => Self::Results(500, error.to_string()),
            DesktopError::NotFound => Self::not_found(error.to_string()),
            DesktopError::SessionEnded => Self::unauthorized(error.to_string()),
            DesktopError::RateLimited(limited) => limited.into(),
            DesktopError::TokenUnreachable => Self::bad_request(error.to_string()),
            DesktopError::Orchestrator(error) => error.into(),
            DesktopError::Token(error) => error.into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NoDesktopForLaunch
            | AppError::NoDesktop
            | AppError::UnknownApp(_)
            | AppError::NoSuchContainer => Self::not_found(error.to_string()),
            AppError::Denied | AppError::NotOwner(_) => Self::unauthorized(error.to_string()),
            AppError::TooMany { .. } => Self::bad_request(error.to_string()),
            AppError::LaunchFailed(_) => Self::Http(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
            AppError::Orchestrator(error) => error.into(),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::InvalidBody => Self::bad_request(error.to_string()),
            CatalogError::Store(error) => error.into(),
        }
    }
}

impl From<crate::domain::datastore::DatastoreError> for ApiError {
    fn from(error: crate::domain::datastore::DatastoreError) -> Self {
        use crate::domain::datastore::DatastoreError;
        match error {
            // pyos answers a denial with 400, not 403 (api.md §7.6).
            DatastoreError::BadRequest(message) | DatastoreError::Denied(message) => Self::bad_request(message),
            DatastoreError::Store(error) => error.into(),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::NotFound { .. } => Self::not_found(error.to_string()),
            ProfileError::DeniedKey => Self::bad_request(error.to_string()),
            ProfileError::KeyTooLong => Self::bad_request(error.to_string()),
            ProfileError::TooLarge => Self::Http(StatusCode::PAYLOAD_TOO_LARGE, error.to_string()),
            ProfileError::TooManyKeys => Self::forbidden(error.to_string()),
            ProfileError::Store(error) => error.into(),
        }
    }
}
