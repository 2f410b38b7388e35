//! One request, as handlers see it after the pipeline ran.

use super::error::ApiError;
use super::state::AppState;
use crate::domain::identity::{Caller, Identity};
use crate::domain::request::RequestFacts;
use serde_json::Value;
use std::sync::Arc;
use warp::http::{HeaderMap, Method};

/// The request context.
pub struct Ctx {
    /// Shared state.
    pub state: Arc<AppState>,
    /// Method.
    pub method: Method,
    /// Path segments after the route name.
    pub extra: Vec<String>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// Request facts (client address…).
    pub facts: RequestFacts,
    /// Parsed JSON body, when the route reads one and the method carries one.
    pub body: Option<Value>,
    /// Who the token says the caller is.
    pub caller: Caller,
    /// The validated identity, on routes guarded by `validate_env`.
    pub identity: Option<Identity>,
    /// The TCP peer's port (`manager/echohttp`).
    pub peer_port: Option<u16>,
}

impl Ctx {
    /// The validated identity.
    ///
    /// # Errors
    /// An internal error if the route was not guarded (a routing-table bug).
    pub fn identity(&self) -> Result<&Identity, ApiError> {
        self.identity
            .as_ref()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route handler needs an identity it was not given")))
    }

    /// The body as a JSON object.
    ///
    /// # Errors
    /// 400 with `message` when the body is not an object.
    pub fn object(&self, message: &str) -> Result<&serde_json::Map<String, Value>, ApiError> {
        self.body
            .as_ref()
            .and_then(Value::as_object)
            .ok_or_else(|| ApiError::bad_request(message))
    }

    /// A query parameter, or else the extra path segment at `position` (pyos binds both).
    pub fn param(&self, name: &str, position: usize) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .or_else(|| self.extra.get(position).map(String::as_str))
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The locale from `Accept-Language`, restricted to the configured languages.
    pub fn locale(&self) -> Option<String> {
        let languages = &self.state.settings.languages;
        let header = self.header("accept-language")?;
        let mut ranges: Vec<(f32, String)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().replace('-', "_");
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q=")?.parse().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.iter().find_map(|(_, tag)| {
            languages
                .iter()
                .find(|l| l.eq_ignore_ascii_case(tag))
                .or_else(|| {
                    languages.iter().find(|l| {
                        l.to_ascii_lowercase()
                            .starts_with(&format!("{}_", tag.to_ascii_lowercase()))
                    })
                })
                .cloned()
        })
    }
}

/// Reads a JSON value as text, accepting numbers and booleans (clients such as Robot
/// Framework send every value as a string, and some send numbers where text is expected).
pub fn lenient_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}
