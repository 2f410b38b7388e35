//! JSON Schemas of request bodies and answers, as the handlers read and write them: a
//! field is typed only where a value of another type is refused, so the document accepts
//! exactly what the server accepts.

use serde_json::{Value, json};

/// A Kubernetes object name (desktop, pod, container, node): what the routes taking one
/// accept before any API call.
pub const OBJECT_NAME: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// Any JSON document: the route reads no field of it.
pub fn any_json() -> Value {
    json!({"description": "any JSON document; the route reads none of it"})
}

/// A JSON object whose fields the route does not read.
pub fn any_object() -> Value {
    json!({"type": "object", "description": "an object; its fields are not read"})
}

/// `auth/auth`: the login, on one of `providers` (any other name is refused with a 401).
pub fn login(providers: &[String]) -> Value {
    let mut names: Vec<Value> = providers.iter().map(|name| Value::String(name.clone())).collect();
    names.push(Value::Null);
    json!({
        "type": "object",
        "properties": {
            "manager": {"description": "`implicit`, `explicit`, `external` or null (numbers and booleans are read as text)"},
            "provider": {"enum": names, "description": "a provider of the running configuration"},
            "userid": {"description": "user id (numbers and booleans are read as text)"},
            "password": {"description": "password; a value that is not text is no password"},
            "features": {"type": ["object", "null"], "description": "front-end features; needs `submit` in `desktop.features_permissions`"},
            "geolocation": {"description": "the browser's position, passed to the rules"},
            "loginsessionid": {"description": "a prelogin session id"}
        }
    })
}

/// `auth/login`: a launch from the login page.
pub fn login_launch() -> Value {
    json!({"type": "object", "properties": {"features": {"type": ["object", "null"]}}})
}

/// `auth/buildsecret`.
pub fn build_secret() -> Value {
    json!({"type": "object", "required": ["password"], "properties": {"password": {"type": "string"}}})
}

/// `composer/ocrun`.
pub fn run_application() -> Value {
    json!({
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "minLength": 1, "description": "application id (catalog `id` or `name`)"},
            "args": {"description": "arguments (numbers and booleans are read as text)"},
            "timezone": {"description": "IANA time zone (numbers and booleans are read as text)"}
        }
    })
}

/// `composer/list_applications_by_phase`.
pub fn by_phase() -> Value {
    json!({
        "type": "object",
        "required": ["phase"],
        "properties": {"phase": {"enum": ["Running", "Terminated", "Waiting", "Completed", "Succeeded"]}}
    })
}

/// `composer/{stop,remove,log,env}container`: one application of the caller's desktop.
pub fn application_ref() -> Value {
    let name = json!({"type": "string", "pattern": OBJECT_NAME, "maxLength": 253});
    json!({
        "type": "object",
        "required": ["podname", "containerid"],
        "properties": {"podname": name, "containerid": name}
    })
}

/// `store/set`.
pub fn store_set() -> Value {
    json!({
        "type": "object",
        "required": ["key"],
        "properties": {"key": {"type": "string", "minLength": 1}, "value": {"description": "any JSON value"}}
    })
}

/// `store/get`.
pub fn store_get() -> Value {
    json!({"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}})
}

/// `store/getcollection`: the collections a user may read.
pub fn store_collection() -> Value {
    json!({"type": "object", "required": ["key"], "properties": {"key": {"enum": ["loginHistory", "callHistory"]}}})
}

/// `core/getkeyinfo`: any JSON; `provider` names the settings wanted.
pub fn key_info() -> Value {
    json!({"description": "`{\"provider\": \"colors\"}` and the like; anything else answers `{}`"})
}

/// One application's image description, as the catalog reads it: Docker's inspect
/// (`RepoTags`, `Id`, `Config.Labels`) or CRI's (`status.repoTags`, `status.id`,
/// `info.imageSpec.config.Labels`), with `oc.name`, `oc.icon` and `oc.launch` or
/// `oc.wm_class` labels.
fn application_image() -> Value {
    let text = json!({"type": "string", "minLength": 1});
    let labels = json!({
        "type": "object",
        "required": ["oc.name", "oc.icon"],
        "properties": {"oc.name": text, "oc.icon": text},
        "anyOf": [
            {"required": ["oc.launch"], "properties": {"oc.launch": text}},
            {"required": ["oc.wm_class"], "properties": {"oc.wm_class": text}}
        ]
    });
    let tags = json!({"type": "array", "minItems": 1, "prefixItems": [{"type": "string", "minLength": 1}]});
    json!({
        "type": "object",
        "anyOf": [
            {"required": ["RepoTags", "Id", "Config"], "properties": {
                "RepoTags": tags, "Id": {"type": "string", "minLength": 1},
                "Config": {"type": "object", "required": ["Labels"], "properties": {"Labels": labels}}}},
            {"not": {"required": ["RepoTags"]}, "required": ["status", "info"], "properties": {
                "status": {"type": "object", "required": ["repoTags", "id"], "properties": {"repoTags": tags, "id": {"type": "string", "minLength": 1}}},
                "info": {"type": "object", "required": ["imageSpec"], "properties": {"imageSpec": {
                    "type": "object", "required": ["config"], "properties": {"config": {
                        "type": "object", "required": ["Labels"], "properties": {"Labels": labels}}}}}}}}
        ]
    })
}

/// Catalog entries (`manager/image` PUT, POST, PATCH): one application, or a list holding
/// at least one (the other items, images that are no application, are skipped).
pub fn catalog_entries() -> Value {
    json!({"anyOf": [application_image(), {"type": "array", "contains": application_image()}]})
}

/// A datastore document (`manager/datastore/<db>/<coll>/<kind>` PUT).
pub fn datastore_document() -> Value {
    json!({"description": "the document stored under `kind`"})
}

/// pyos's HTTP error body.
pub fn error_envelope() -> Value {
    json!({
        "type": "object",
        "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}
    })
}

/// pyos's `Results` envelope (always HTTP 200): `result` and `message` on success,
/// `error` with the failure's status otherwise.
pub fn results_envelope() -> Value {
    json!({
        "type": "object",
        "required": ["status", "result"],
        "properties": {
            "status": {"type": "integer"},
            "result": {},
            "message": {"type": "string"},
            "error": {"type": "string"}
        }
    })
}
