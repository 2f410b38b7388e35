//! Reading desktops back from pods (orchestration.md §1.6).

use super::names::recorded_owner;
use super::pod::GRAPHICAL;
use crate::domain::desktop::{Desktop, DesktopOwner, DesktopPhase};
use k8s_openapi::api::core::v1::Pod;
use time::PrimitiveDateTime;
use time::format_description::well_known::Iso8601;

fn phase(text: Option<&str>) -> DesktopPhase {
    match text {
        Some("Pending") => DesktopPhase::Pending,
        Some("Running") => DesktopPhase::Running,
        Some("Succeeded") => DesktopPhase::Succeeded,
        Some("Failed") => DesktopPhase::Failed,
        _ => DesktopPhase::Unknown,
    }
}

/// The owner recorded in a pod's annotations (labels hold only selector values).
pub fn owner_of(pod: &Pod) -> Option<DesktopOwner> {
    recorded_owner(pod.metadata.annotations.as_ref())
}

fn parse_lastlogin(text: &str) -> Option<i64> {
    let text = text.trim_end_matches('Z');
    PrimitiveDateTime::parse(text, &Iso8601::DEFAULT)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// The desktop a pod is, with the owner recorded on the pod, or `None` when it has no
/// recorded owner. The VNC password is filled in by the caller when the caller is the owner.
pub fn desktop_of(pod: &Pod) -> Option<Desktop> {
    let owner = owner_of(pod)?;
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let status = pod.status.as_ref();
    let graphical = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|statuses| statuses.iter().find(|c| c.name == GRAPHICAL || c.name.starts_with('x')));
    let ip = status.and_then(|s| s.pod_ip.clone());
    Some(Desktop {
        name: pod.metadata.name.clone().unwrap_or_default(),
        owner,
        phase: phase(status.and_then(|s| s.phase.as_deref())),
        internal_uri: ip.clone(),
        ip_addr: ip,
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        hostname: pod.spec.as_ref().and_then(|s| s.hostname.clone()),
        vnc_password: None,
        container_id: graphical
            .and_then(|c| c.container_id.clone())
            .map(|id| id.split("://").last().unwrap_or_default().to_owned()),
        container_name: graphical.map(|c| c.name.clone()),
        websocketrouting: labels.get("websocketrouting").cloned(),
        websocketroute: labels.get("websocketroute").cloned(),
        labels,
        created: pod.metadata.creation_timestamp.as_ref().map_or(0, |t| t.0.as_second()),
        last_login: pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("lastlogin_datetime"))
            .and_then(|t| parse_lastlogin(t)),
        terminating: pod.metadata.deletion_timestamp.is_some(),
    })
}
