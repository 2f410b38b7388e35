//! `/API/openapi`: the OpenAPI 3.1 document of the running server, built from the route
//! table (guards, gates, body rules) and the operation table (paths, parameters, bodies,
//! answers), with the security and the routes the running configuration applies: a gate
//! that needs an `X-API-Key` says so, one that only filters networks does not, and a route
//! the configuration turns off is not offered.

pub mod operations;
pub mod schemas;

use crate::domain::datastore::DatastoreMethod;
use crate::http::pipeline::gate::GateRequirement;
use crate::http::routes::{self, Guard, Input, RouteSpec};
use crate::http::state::AppState;
use operations::{Answer, Location, Offered, Operation};
use serde_json::{Map, Value, json};
use warp::http::Method;

/// The route table's entry for `op`, with the name its gate's switches
/// (`requestsallowed`) know it by.
fn spec_of(op: &Operation) -> Option<(&'static RouteSpec, &'static str)> {
    routes::ALL.iter().find_map(|(controller, name)| {
        routes::find(controller, name)
            .filter(|spec| spec.route == op.route)
            .map(|spec| (spec, *name))
    })
}

fn carries_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

fn media(answer: Answer) -> Value {
    match answer {
        Answer::Envelope => json!({"application/json": {"schema": schemas::results_envelope()}}),
        Answer::Json => json!({"application/json": {"schema": {}}}),
        // No schema: the body is not JSON (a page, a token, an event stream).
        Answer::Media(types) => Value::Object(types.iter().map(|t| ((*t).to_owned(), json!({}))).collect()),
    }
}

/// Every status an operation can answer, with pyos's error body for the failures.
fn responses(op: &Operation, spec: &RouteSpec, method: &Method) -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": schemas::error_envelope()}}});
    let mut answers = Map::new();
    answers.insert(
        "200".into(),
        json!({"description": op.summary, "content": media(op.answer)}),
    );
    let probe = matches!(
        op.route,
        routes::Route::Healthz | routes::Route::Version | routes::Route::OpenApi
    );
    // Image routes answer pyos's bare `"Not found"` string; the others an envelope.
    let not_found = if op.route == routes::Route::ManagerImage {
        json!({"description": "not found", "content": {"application/json": {"schema": {}}}})
    } else {
        error("not found, or a query parameter the route does not take")
    };
    answers.insert("404".into(), not_found);
    if !probe {
        answers.insert("400".into(), error("invalid request"));
        answers.insert("429".into(), error("too many requests; see Retry-After"));
        answers.insert(
            "503".into(),
            error("a backend is unavailable, or the server is at capacity"),
        );
    }
    if spec.guard != Guard::Open || spec.security_check {
        answers.insert(
            "401".into(),
            error("no valid user token, or a banned or spoofed client"),
        );
    }
    if spec.gate {
        answers.insert(
            "403".into(),
            error("refused by the controller's gate (network, API key, switch)"),
        );
    }
    if op.route == routes::Route::ManagerUser || op.route == routes::Route::ManagerDesktop {
        answers.insert("409".into(), error("a resource of this user is held by another user"));
    }
    if carries_body(method) {
        answers.insert("408".into(), error("the body did not arrive in time"));
        answers.insert("411".into(), error("no Content-Length"));
        answers.insert("413".into(), error("the body is too large"));
        if spec.input != Input::None {
            answers.insert("415".into(), error("unsupported media type"));
        }
    }
    Value::Object(answers)
}

fn security(spec: &RouteSpec, gate: Option<GateRequirement>) -> Value {
    let key = gate == Some(GateRequirement::ApiKey);
    match spec.guard {
        Guard::Open if key => json!([{"apiKey": []}]),
        Guard::Open => json!([]),
        Guard::Soft if key => json!([{"apiKey": []}, {"apiKey": [], "abcAuthorization": []}]),
        Guard::Soft => json!([{}, {"abcAuthorization": []}]),
        Guard::Validate | Guard::Tool if key => json!([{"apiKey": [], "abcAuthorization": []}]),
        Guard::Validate | Guard::Tool => json!([{"abcAuthorization": []}]),
    }
}

fn parameters(op: &Operation, method: &Method) -> Value {
    op.params
        .iter()
        // A form body carries its fields; the query may too, but one place is documented.
        .filter(|param| !(op.form && carries_body(method) && param.location == Location::Query))
        .map(|param| {
            json!({"name": param.name, "in": if param.location == Location::Path { "path" } else { "query" },
                   "required": param.required, "schema": param.schema})
        })
        .collect()
}

fn operation(op: &Operation, spec: &RouteSpec, method: &Method, gate: Option<GateRequirement>) -> Value {
    let mut operation = json!({
        "operationId": format!("{} {}", method.as_str(), op.path),
        "summary": op.summary,
        "security": security(spec, gate),
        "parameters": parameters(op, method),
        "responses": responses(op, spec, method),
    });
    if carries_body(method) {
        if let Some(schema) = &op.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema}}});
        } else if op.form {
            operation["requestBody"] = json!({"required": false, "content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}}}});
        }
    }
    if gate == Some(GateRequirement::Network) {
        operation["description"] = json!("callers from the networks the controller's `permitip` lists");
    }
    operation
}

/// What the running configuration offers.
fn offered(state: &AppState) -> Offered {
    let managers = state.sessions.login_service().managers();
    Offered {
        providers: managers.providers().map(|p| p.name.clone()).collect(),
        oauth: managers
            .providers()
            .any(|p| matches!(p.method, crate::domain::auth::ProviderMethod::OAuth { .. })),
        autologin: !state.settings.autologin_denied,
        prelogin: state.prelogin_page.is_some() && state.sessions.prelogin().is_some(),
        logmein: state.logmein.is_some(),
        datastore: state.datastore.offered().map(|(databases, granted)| {
            let methods = granted
                .into_iter()
                .map(|method| match method {
                    DatastoreMethod::Read => Method::GET,
                    DatastoreMethod::Write => Method::PUT,
                    DatastoreMethod::Delete => Method::DELETE,
                })
                .collect();
            (databases, methods)
        }),
    }
}

/// The document.
pub fn document(state: &AppState) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for op in operations::all(&offered(state)) {
        let Some((spec, name)) = spec_of(&op) else { continue };
        let gate = spec.gate.then(|| state.gates.requirement(spec.controller, name));
        if gate == Some(GateRequirement::Closed) {
            continue;
        }
        let entry = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        for method in op.methods {
            entry[method.as_str().to_lowercase()] = operation(&op, spec, method, gate);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "deskplane", "version": env!("CARGO_PKG_VERSION"),
                 "description": "pyos's API under /API. Errors are `{status, message}` with the HTTP status; most user routes answer pyos's `Results` envelope with HTTP 200."},
        "components": {"securitySchemes": {
            "abcAuthorization": {"type": "apiKey", "in": "header", "name": "ABCAuthorization", "description": "`Bearer <user token>`"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
        "paths": paths,
    })
}
