//! A directory user as the login flow sees it: the user info map of its entry (pyos's
//! `getuserinfo`, auth.md §4.5.6) and its POSIX groups.

use crate::ports::{Directory, DirectoryEntry};
use serde_json::{Map, Value, json};

/// The user info map of a directory entry: single values collapsed, `dn`, `userid`, `name`,
/// and `posix` when the entry is a posixAccount.
pub(super) fn directory_user(
    entry: &DirectoryEntry,
    login: &str,
    userid_attribute: &str,
    name_attribute: &str,
) -> Map<String, Value> {
    let mut user: Map<String, Value> = entry
        .attributes
        .iter()
        .map(|(key, values)| {
            let value = match values.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::Array(many.iter().cloned().map(Value::String).collect()),
            };
            (key.clone(), value)
        })
        .collect();
    user.insert("dn".into(), Value::String(entry.dn.clone()));
    let userid = entry.first(userid_attribute).unwrap_or(login).to_owned();
    let name = entry.first(name_attribute).unwrap_or(login).to_owned();
    if entry
        .values("objectClass")
        .iter()
        .any(|c| c.eq_ignore_ascii_case("posixAccount"))
    {
        let field = |k: &str| {
            entry
                .first(k)
                .map(|v| Value::String(v.to_owned()))
                .unwrap_or(Value::Null)
        };
        user.insert(
            "posix".into(),
            json!({"uid": field("uid"), "uidNumber": field("uidNumber"), "gidNumber": field("gidNumber"),
                   "homeDirectory": field("homeDirectory"), "loginShell": field("loginShell")}),
        );
    }
    user.insert("userid".into(), Value::String(userid));
    user.insert("name".into(), Value::String(name));
    user
}

/// Reads the user's POSIX groups into `posix`: `gid` becomes the primary group's name and
/// `groups` the other groups (pyos's primary and supplementary queries). A directory that
/// cannot answer costs the groups, not the login: the bind already succeeded.
pub(super) async fn add_posix_groups(
    posix: &mut Map<String, Value>,
    entry: &DirectoryEntry,
    directory: &dyn Directory,
) {
    let groups = match directory.posix_groups(entry).await {
        Ok(groups) => groups,
        Err(error) => {
            tracing::warn!(%error, dn = %entry.dn, "could not read the user's POSIX groups");
            return;
        }
    };
    let primary = entry.first("gidNumber");
    let mut others = Vec::new();
    for group in &groups {
        let gid = group.first("gidNumber");
        if gid.is_some() && gid == primary {
            if let Some(cn) = group.first("cn") {
                posix.insert("gid".into(), Value::String(cn.to_owned()));
            }
            continue;
        }
        others.push(json!({
            "cn": group.first("cn"),
            "gidNumber": gid,
            "memberUid": group.values("memberUid"),
            "description": group.first("description"),
            "objectClass": group.values("objectClass"),
            "dn": group.dn,
        }));
    }
    posix.insert("groups".into(), Value::Array(others));
}
