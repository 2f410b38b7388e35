//! The methods of each path shape of the routes whose extra segments name things
//! (`manager/desktop/<name>` deletes, `manager/desktop` does not).

use super::super::route_spec::{GET, GET_DELETE, GET_PATCH_DELETE, GET_POST_DELETE, GET_PUT_DELETE, MANAGER};
use warp::http::Method;

/// `desktop/<name>` and `desktop/<name>/<kind>/<id>` delete; the rest only read.
pub(super) fn desktop(extra: &[String]) -> &'static [Method] {
    if matches!(extra.len(), 1 | 3) { GET_DELETE } else { GET }
}

/// `ban/<collection>` lists and clears; `ban/<collection>/<value>` also bans.
pub(super) fn ban(extra: &[String]) -> &'static [Method] {
    if extra.len() == 2 { GET_POST_DELETE } else { GET_DELETE }
}

/// `datastore/<db>/<coll>` reads and drops; `…/<kind>` also stores; the others read.
pub(super) fn datastore(extra: &[String]) -> &'static [Method] {
    match extra.len() {
        2 => GET_DELETE,
        3 => GET_PUT_DELETE,
        _ => GET,
    }
}

/// `image` adds, lists and (with `?image=`) deletes; `image/<id>` reads, replaces and
/// deletes one entry.
pub(super) fn image(extra: &[String]) -> &'static [Method] {
    if extra.is_empty() { MANAGER } else { GET_PATCH_DELETE }
}
