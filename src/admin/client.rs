//! The manager API over HTTP: the base URL, the `X-API-Key`, and the server's error
//! envelope turned into a message an operator can act on.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// A client of one server's manager API.
pub struct Admin {
    base: String,
    api_key: Option<String>,
    http: reqwest::Client,
}

/// Why a call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The server could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The key or the caller's network is refused.
    #[error("refused ({status}): {message}; check --api-key (DESKPLANE_API_KEY) and the ManagerController's permitip")]
    Refused { status: u16, message: String },
    /// Any other error answer.
    #[error("{status}: {message}")]
    Failed { status: u16, message: String },
    /// A local problem (a file that cannot be read, an answer that is not JSON).
    #[error("{0}")]
    Local(String),
}

impl Admin {
    /// A client of the server at `url` (`http://host:port`, with or without `/API`).
    ///
    /// # Errors
    /// A message when the URL is not http(s) or the HTTP client cannot be built.
    pub fn new(url: &str, api_key: Option<String>) -> Result<Self, String> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--url must be an http:// or https:// address, not {url:?}"));
        }
        let base = url.strip_suffix("/API").unwrap_or(url).to_owned();
        let http = crate::adapters::oauth2::http_client(Duration::from_secs(30))?;
        Ok(Self { base, api_key, http })
    }

    /// Calls `path` (under `/API/manager/`) and returns the JSON answer.
    ///
    /// # Errors
    /// [`AdminError`] for an unreachable server, a refusal or an error answer.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, AdminError> {
        let url = format!("{}/API/manager/{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(key) = &self.api_key {
            request = request.header("X-API-Key", key);
        }
        request = match body {
            Some(body) => request.json(body),
            // pyos's server wants a length on every POST, even an empty one.
            None if method == Method::POST => request.header("Content-Length", "0").body(""),
            None => request,
        };
        let response = request.send().await.map_err(|error| AdminError::Unreachable {
            url: self.base.clone(),
            reason: error.to_string(),
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.trim().to_owned()));
        if status.is_success() {
            return Ok(value);
        }
        let message = value
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| value.to_string(), str::to_owned);
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => AdminError::Refused {
                status: status.as_u16(),
                message,
            },
            _ => AdminError::Failed {
                status: status.as_u16(),
                message,
            },
        })
    }
}
