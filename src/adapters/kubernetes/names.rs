//! Object names and label values used in Kubernetes. They come from the domain's one
//! function per kind of name ([`crate::domain::owner_names`]); this file only adds the
//! Kubernetes spelling (annotations holding the exact owner, and reading them back).

use crate::domain::desktop::DesktopOwner;
use crate::domain::identity::UserId;
pub use crate::domain::owner_names::selector_value;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Annotation holding the exact user id of an object's owner.
pub const OWNER_USERID: &str = "deskplane.io/userid";
/// Annotation holding the exact provider of an object's owner.
pub const OWNER_PROVIDER: &str = "deskplane.io/provider";

/// The annotations recording `owner` on an object.
pub fn owner_annotation_map(owner: &DesktopOwner) -> Value {
    json!({OWNER_USERID: owner.userid.as_str(), OWNER_PROVIDER: owner.provider,
           "deskplane.io/providertype": owner.providertype, "deskplane.io/username": owner.name})
}

/// Names a per-user object made from a template `name`, and records `owner` on it: the
/// `access_*` selector labels and the owner annotations (added to the template's own).
pub fn stamp_owner(body: &mut Value, name: &str, owner: &DesktopOwner) {
    body["metadata"]["name"] = json!(name);
    let labels = &mut body["metadata"]["labels"];
    if !labels.is_object() {
        *labels = json!({});
    }
    labels["access_provider"] = json!(selector_value(&owner.provider));
    labels["access_providertype"] = json!(selector_value(&owner.providertype));
    labels["access_userid"] = json!(selector_value(owner.userid.as_str()));
    let annotations = &mut body["metadata"]["annotations"];
    if !annotations.is_object() {
        *annotations = json!({});
    }
    if let (Some(into), Value::Object(recorded)) = (annotations.as_object_mut(), owner_annotation_map(owner)) {
        into.extend(recorded);
    }
}

/// The owner recorded in an object's annotations, or `None` when they are missing or
/// invalid. Labels are never read for this: they may hold only a selector value.
pub fn recorded_owner(annotations: Option<&BTreeMap<String, String>>) -> Option<DesktopOwner> {
    let annotations = annotations?;
    let get = |key: &str| annotations.get(key).cloned();
    Some(DesktopOwner {
        userid: UserId::parse(&get(OWNER_USERID)?).ok()?,
        provider: get(OWNER_PROVIDER)?,
        providertype: get("deskplane.io/providertype").unwrap_or_default(),
        name: get("deskplane.io/username").unwrap_or_default(),
    })
}

/// Whether an object's annotations name `owner` as its owner.
pub fn is_owned_by(annotations: Option<&BTreeMap<String, String>>, owner: &DesktopOwner) -> bool {
    recorded_owner(annotations).is_some_and(|recorded| recorded.same_owner(owner))
}
