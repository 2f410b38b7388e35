//! Every documented operation: a path template (the route's own path, or one of the
//! shapes of its extra segments), its methods, parameters, body and answer. The route's
//! guard, gate and body rules come from the route table; what is here is what only the
//! handler knows. `tests/operator.rs` checks that every undocumented method of a
//! documented path is a 405 whose `Allow` lists the documented ones.

mod operator;
mod user;

use super::schemas::OBJECT_NAME;
use crate::http::routes::Route;
use serde_json::{Value, json};
use warp::http::Method;

/// Where a parameter is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A segment of the path template.
    Path,
    /// The query string.
    Query,
}

/// One parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub schema: Value,
}

/// What a 200 carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A `Results` envelope.
    Envelope,
    /// A raw JSON value.
    Json,
    /// These media types, any body.
    Media(&'static [&'static str]),
}

/// One path template with its methods.
#[derive(Debug, Clone)]
pub struct Operation {
    pub route: Route,
    pub path: &'static str,
    pub methods: &'static [Method],
    pub params: Vec<Param>,
    /// The JSON body's schema, on the methods that carry one.
    pub body: Option<Value>,
    /// The body is an HTML form (its fields are more parameters).
    pub form: bool,
    pub answer: Answer,
    pub summary: &'static str,
}

impl Operation {
    pub(super) fn new(
        route: Route,
        path: &'static str,
        methods: &'static [Method],
        answer: Answer,
        summary: &'static str,
    ) -> Self {
        Self {
            route,
            path,
            methods,
            params: Vec::new(),
            body: None,
            form: false,
            answer,
            summary,
        }
    }
    pub(super) fn body(mut self, schema: Value) -> Self {
        self.body = Some(schema);
        self
    }
    pub(super) fn form(mut self) -> Self {
        self.form = true;
        self
    }
    pub(super) fn query(mut self, name: &'static str, required: bool, schema: Value) -> Self {
        self.params.push(Param {
            name,
            location: Location::Query,
            required,
            schema,
        });
        self
    }
    pub(super) fn text_query(self, names: &[&'static str]) -> Self {
        names
            .iter()
            .fold(self, |op, name| op.query(name, false, json!({"type": "string"})))
    }
    pub(super) fn path(mut self, name: &'static str, schema: Value) -> Self {
        self.params.push(Param {
            name,
            location: Location::Path,
            required: true,
            schema,
        });
        self
    }
}

pub(super) const GET: &[Method] = &[Method::GET];
pub(super) const POST: &[Method] = &[Method::POST];
pub(super) const GET_POST: &[Method] = &[Method::GET, Method::POST];
pub(super) const GET_DELETE: &[Method] = &[Method::GET, Method::DELETE];
pub(super) const GET_POST_DELETE: &[Method] = &[Method::GET, Method::POST, Method::DELETE];
/// pyos's "class methods": the route answers the same to any of them.
pub const ANY: &[Method] = &[Method::GET, Method::PUT, Method::POST, Method::DELETE, Method::PATCH];

pub(super) const HTML: Answer = Answer::Media(&["text/html;charset=utf-8"]);

pub(super) fn object_name() -> Value {
    json!({"type": "string", "pattern": OBJECT_NAME, "maxLength": 253})
}

/// What the running configuration offers, where it changes the document.
#[derive(Debug, Clone, Default)]
pub struct Offered {
    /// The providers' names.
    pub providers: Vec<String>,
    pub oauth: bool,
    pub autologin: bool,
    pub prelogin: bool,
    pub logmein: bool,
    /// The databases `manager/datastore` serves and the methods its ACL grants.
    pub datastore: Option<(Vec<String>, Vec<Method>)>,
}

/// Every operation the running configuration offers.
pub fn all(offered: &Offered) -> Vec<Operation> {
    let mut ops = user::user_operations(offered);
    ops.extend(operator::operator_operations(offered));
    ops
}
