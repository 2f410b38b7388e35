//! The operations of the operator routes (`manager`, `accounting`, `key`,
//! `auth/authorizedkeys`), `manager/datastore` as its ACL grants.

use super::super::schemas::{self, OBJECT_NAME};
use super::{ANY, Answer, GET, GET_DELETE, GET_POST_DELETE, Offered, Operation, POST, object_name};
use crate::http::routes::Route;
use serde_json::json;
use warp::http::Method;

/// The operator routes (`/API/manager`, `accounting`, `key`, `auth/authorizedkeys`).
pub(super) fn operator_operations(offered: &Offered) -> Vec<Operation> {
    use Route::*;
    let json = |route, path, methods, summary| Operation::new(route, path, methods, Answer::Json, summary);
    let mut ops = vec![
        json(ManagerHealtz, "/API/manager/healtz", ANY, "liveness (pyos's spelling)"),
        json(ManagerHealthz, "/API/manager/healthz", ANY, "liveness"),
        json(
            ManagerImages,
            "/API/manager/images",
            GET_DELETE,
            "the catalog; DELETE empties it",
        ),
        json(ManagerImage, "/API/manager/image", GET, "the catalog"),
        json(
            ManagerImage,
            "/API/manager/image",
            &[Method::DELETE],
            "delete one application",
        )
        .query("image", true, json!({"type": "string", "minLength": 1})),
        json(
            ManagerImage,
            "/API/manager/image",
            &[Method::PUT],
            "add applications and pre-pull their images",
        )
        .body(schemas::catalog_entries())
        // Empty means every node.
        .query(
            "node",
            false,
            json!({"type": "string", "pattern": format!("^({})?$", &OBJECT_NAME[1..OBJECT_NAME.len() - 1])}),
        ),
        json(ManagerImage, "/API/manager/image", POST, "add applications").body(schemas::catalog_entries()),
        json(
            ManagerImage,
            "/API/manager/image",
            &[Method::PATCH],
            "rebuild the catalog from the store",
        )
        .body(schemas::any_json()),
        json(
            ManagerImage,
            "/API/manager/image/{image}",
            GET_DELETE,
            "one application",
        )
        .path("image", json!({"type": "string"})),
        json(
            ManagerImage,
            "/API/manager/image/{image}",
            &[Method::PATCH],
            "replace one application",
        )
        .path("image", json!({"type": "string"}))
        .body(schemas::catalog_entries()),
        json(ManagerDesktop, "/API/manager/desktop", GET, "every desktop"),
        json(ManagerDesktop, "/API/manager/desktop/{name}", GET_DELETE, "one desktop").path("name", object_name()),
        json(
            ManagerDesktop,
            "/API/manager/desktop/{name}/resources_usage",
            GET,
            "its resource usage",
        )
        .path("name", object_name()),
        json(
            ManagerDesktop,
            "/API/manager/desktop/{name}/{kind}",
            GET,
            "its applications",
        )
        .path("name", object_name())
        .path("kind", json!({"enum": ["container", "pod"]})),
        json(
            ManagerDesktop,
            "/API/manager/desktop/{name}/{kind}/{id}",
            GET_DELETE,
            "one application",
        )
        .path("name", object_name())
        .path("kind", json!({"enum": ["container", "pod"]}))
        .path("id", object_name()),
        json(
            ManagerDesktop,
            "/API/manager/desktop/{name}/{kind}/{id}/resources_usage",
            GET,
            "an application's resource usage",
        )
        .path("name", object_name())
        .path("kind", json!({"enum": ["container", "pod"]}))
        .path("id", object_name()),
        json(
            ManagerBan,
            "/API/manager/ban/{collection}",
            GET_DELETE,
            "banned values; DELETE lifts them all",
        )
        .path("collection", json!({"enum": ["ipaddr", "login"]})),
        json(
            ManagerBan,
            "/API/manager/ban/{collection}/{value}",
            GET_POST_DELETE,
            "one value: status, ban, lift",
        )
        .path("collection", json!({"enum": ["ipaddr", "login"]}))
        .path(
            "value",
            json!({"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"}),
        ),
        json(
            ManagerUser,
            "/API/manager/user/{userid}",
            GET,
            "one user's logins and desktops",
        )
        .path(
            "userid",
            json!({"type": "string", "minLength": 1, "maxLength": 256, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"}),
        )
        .query("provider", false, json!({"type": "string"}))
        .query(
            "limit",
            false,
            json!({"type": "integer", "minimum": 1, "maximum": 10_000}),
        ),
        json(
            ManagerUpdateActiveDirectorySite,
            "/API/manager/updateactivedirectorysite",
            ANY,
            "locate the directories again",
        ),
        json(
            ManagerGarbageCollector,
            "/API/manager/garbagecollector",
            ANY,
            "remove idle desktops",
        )
        .query(
            "expirein",
            true,
            json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
        )
        .query("nodename", false, json!({"type": "string"}))
        .query(
            "force",
            false,
            json!({"enum": ["y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"]}),
        )
        .text_query(&["snaphot", "snapshot"]),
        json(
            ManagerBuildAppList,
            "/API/manager/buildapplist",
            ANY,
            "rebuild this replica's catalog copy",
        ),
        json(ManagerEchoHttp, "/API/manager/echohttp", GET, "the request as received"),
        json(
            ManagerEchoHttp,
            "/API/manager/echohttp",
            POST,
            "the request as received",
        )
        .form(),
        json(
            ManagerPyosEndpoints,
            "/API/manager/pyosendpoints",
            ANY,
            "the replicas serving the API",
        ),
        json(
            ManagerDryRunDesktop,
            "/API/manager/dry_run_desktop",
            ANY,
            "the desktop a launch would create",
        ),
        Operation::new(
            AccountingMetrics,
            "/API/accounting/metrics",
            GET,
            Answer::Media(&["text/plain;charset=utf-8", "application/json"]),
            "pyos's counters (`format=json` for JSON)",
        )
        .text_query(&["format"]),
        Operation::new(
            KeyKey,
            "/API/key/key",
            GET,
            Answer::Media(&["application/jwt"]),
            "an RSA key offer",
        )
        .text_query(&["format"])
        .query(
            "length",
            false,
            json!({"type": "integer", "minimum": 1024, "maximum": 4096}),
        ),
        Operation::new(
            AuthorizedKeys,
            "/API/auth/authorizedkeys",
            GET,
            Answer::Media(&["text/text;charset=ascii", "application/json"]),
            "certificate users' public keys",
        ),
    ];
    if let Some((databases, granted)) = &offered.datastore {
        ops.extend(datastore_operations(databases, granted));
    }
    ops
}

/// `manager/datastore`, with the methods its ACL grants on `databases`.
fn datastore_operations(databases: &[String], granted: &[Method]) -> Vec<Operation> {
    use Route::ManagerDatastore;
    let database = json!({"enum": databases});
    let collection =
        json!({"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^(?!system\\.)[^$\\x00/]+$"});
    let kind = json!({"type": "string", "minLength": 1});
    let granted_of = |methods: &'static [Method]| -> Vec<Method> {
        methods.iter().filter(|m| granted.contains(m)).cloned().collect()
    };
    let mut ops = Vec::new();
    let mut push = |path: &'static str, methods: &'static [Method], summary: &'static str| {
        for method in granted_of(methods) {
            let methods: &'static [Method] = match method {
                Method::GET => GET,
                Method::PUT => &[Method::PUT],
                _ => &[Method::DELETE],
            };
            let mut op = Operation::new(ManagerDatastore, path, methods, Answer::Json, summary);
            for (name, schema) in [("database", &database), ("collection", &collection), ("kind", &kind)] {
                if path.contains(&format!("{{{name}}}")) {
                    op = op.path(name, schema.clone());
                }
            }
            if method == Method::PUT {
                op = op.body(schemas::datastore_document());
            }
            if method == Method::GET && path.ends_with("{collection}") {
                op = op
                    .query(
                        "skip",
                        false,
                        json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
                    )
                    .query(
                        "limit",
                        false,
                        json!({"type": "integer", "minimum": 0, "maximum": 10_000}),
                    );
            }
            ops.push(op);
        }
    };
    push("/API/manager/datastore", GET, "the databases");
    push("/API/manager/datastore/{database}", GET, "its collections");
    push(
        "/API/manager/datastore/{database}/{collection}",
        GET_DELETE,
        "its documents; DELETE drops it",
    );
    push(
        "/API/manager/datastore/{database}/{collection}/{kind}",
        &[Method::GET, Method::PUT, Method::DELETE],
        "the documents of a kind: read, store, delete",
    );
    ops
}
