//! What a desktop is, to the domain: who owns it, where it answers, what it runs.

use crate::domain::identity::UserId;
use crate::domain::owner_names::DesktopName;
use crate::domain::secret::Secret;
use crate::ports::clock::UnixSeconds;
use serde::Serialize;
use std::collections::BTreeMap;

/// The user a desktop (and its secrets and applications) belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopOwner {
    /// Stable user id (pod label `access_userid`).
    pub userid: UserId,
    /// Provider name (pod label `access_provider`).
    pub provider: String,
    /// Provider type (pod label `access_providertype`).
    pub providertype: String,
    /// Display name (pod label `access_username`, normalised by the orchestrator).
    pub name: String,
}

impl DesktopOwner {
    /// Whether `other` is the same owner: same provider and same user id. The display name
    /// and provider type may change between logins and never decide ownership.
    pub fn same_owner(&self, other: &DesktopOwner) -> bool {
        self.userid == other.userid && self.provider == other.provider
    }
}

/// Kubernetes-like phase of a desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DesktopPhase {
    /// Accepted, not yet running.
    Pending,
    /// Running.
    Running,
    /// Finished.
    Succeeded,
    /// Failed.
    Failed,
    /// Phase not reported.
    Unknown,
}

impl DesktopPhase {
    /// The phase name as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }
}

/// A user's desktop as found on the orchestrator.
#[derive(Debug, Clone)]
pub struct Desktop {
    /// Pod name, unique in the namespace.
    pub name: String,
    /// Owner, from the pod labels.
    pub owner: DesktopOwner,
    /// Phase.
    pub phase: DesktopPhase,
    /// Pod IP.
    pub ip_addr: Option<String>,
    /// What the desktop token seals for the router: the internal FQDN, else the IP.
    pub internal_uri: Option<String>,
    /// Node the desktop runs on.
    pub node: Option<String>,
    /// Pod host name.
    pub hostname: Option<String>,
    /// VNC password, read from the user's VNC secret when the caller is the owner.
    pub vnc_password: Option<Secret>,
    /// Id of the graphical container.
    pub container_id: Option<String>,
    /// Name of the graphical container.
    pub container_name: Option<String>,
    /// All metadata labels of the pod (auth labels, cookies, routing).
    pub labels: BTreeMap<String, String>,
    /// Websocket routing mode recorded on the pod, if any.
    pub websocketrouting: Option<String>,
    /// Bridge route recorded on the pod, if any.
    pub websocketroute: Option<String>,
    /// Creation time.
    pub created: UnixSeconds,
    /// Last login or resume time (annotation `lastlogin_datetime`).
    pub last_login: Option<UnixSeconds>,
    /// True when deletion has started.
    pub terminating: bool,
}

impl Desktop {
    /// Why the desktop cannot be reached, or `None` when it can (pyos "reachable" test).
    pub fn unreachable_reason(&self) -> Option<String> {
        let mut reason = String::new();
        if self.internal_uri.is_none() {
            reason.push_str("internaluri is unreachable");
        }
        if self.vnc_password.is_none() {
            // The misspelling is pyos's, kept because operators grep for it.
            reason.push_str("vncpasswod is not defined");
        }
        (!reason.is_empty()).then_some(reason)
    }
}

/// Random values shared between the desktop and its applications.
#[derive(Debug, Clone)]
pub struct DesktopCookies {
    /// X11 authority key (30 hex characters).
    pub xauth_key: Secret,
    /// PulseAudio cookie (32 hex characters).
    pub pulseaudio_cookie: Secret,
    /// Broadcast service cookie (48 hex characters).
    pub broadcast_cookie: Secret,
}

/// The POSIX account the desktop runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PosixAccount {
    /// Login name.
    pub uid: String,
    /// Primary group name.
    pub gid: String,
    /// Numeric user id.
    #[serde(rename = "uidNumber")]
    pub uid_number: u32,
    /// Numeric group id.
    #[serde(rename = "gidNumber")]
    pub gid_number: u32,
    /// Home directory.
    #[serde(rename = "homeDirectory")]
    pub home_directory: String,
    /// Login shell.
    #[serde(rename = "loginShell")]
    pub login_shell: String,
    /// GECOS / display name.
    pub gecos: String,
    /// The directory's other POSIX groups listing the user (`memberUid`), primary excluded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<PosixGroup>,
}

/// A POSIX group of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PosixGroup {
    /// Group name.
    pub cn: String,
    /// Numeric group id.
    #[serde(rename = "gidNumber")]
    pub gid_number: u32,
    /// Member logins.
    #[serde(rename = "memberUid", default)]
    pub members: Vec<String>,
}

/// Everything an orchestrator needs to create one desktop. The domain decides the values;
/// the adapter decides how to express them (a pod, a simulation).
#[derive(Debug, Clone)]
pub struct DesktopSpec {
    /// Deterministic pod name of the owner's desktop.
    pub name: DesktopName,
    /// Owner.
    pub owner: DesktopOwner,
    /// Auth labels of the user (copied onto the pod; compared on resume).
    pub labels: BTreeMap<String, String>,
    /// Environment variables, in order.
    pub env: Vec<(String, String)>,
    /// The VNC password the desktop starts with.
    pub vnc_password: Secret,
    /// Shared cookies.
    pub cookies: DesktopCookies,
    /// Execute class name (resources, node selector).
    pub execute_class: String,
    /// POSIX account.
    pub posix: PosixAccount,
    /// Websocket routing mode.
    pub websocketrouting: String,
    /// Creation time, recorded as the first `lastlogin_datetime`.
    pub now: UnixSeconds,
}

/// How much to delete when removing a desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalScope {
    /// Only the desktop pod (to recreate it): secrets and application pods stay.
    PodOnly,
    /// The pod, the user's application pods, secrets and config maps (logout, GC, operator).
    Everything,
}

/// A per-user secret written at login (pyos "prepare resources"). Its `Debug` shows the
/// keys only: a secret logged by mistake must not leak its values.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSecret {
    /// Kind, e.g. `ldif`, `localaccount`, `posixaccount` (secret type `<namespace>/<kind>`).
    pub kind: String,
    /// Key → value. Values may be credentials: never log them.
    pub data: BTreeMap<String, String>,
    /// Key → bytes, for files that are not text (a Kerberos keytab). Credentials too.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for UserSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSecret")
            .field("kind", &self.kind)
            .field("keys", &self.data.keys().chain(self.files.keys()).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}
