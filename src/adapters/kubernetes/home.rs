//! The user's home in a pod (orchestration.md §5.3): its volume (a claim, a hostPath
//! folder or an emptyDir), where it is mounted, and the home folders kept in memory
//! (`desktop.directorytomemoryemptydir`).
//!
//! A claim shared by every user is always mounted with the user's own `subPath`: mounted
//! whole, as pyos did, every user's home would be the same folder. `subPath` is otherwise
//! used when `desktop.persistentvolumeclaimforcesubpath` asks for it.

use super::template::PodSettings;
use crate::domain::desktop::{DesktopOwner, PosixAccount};
use crate::domain::naming::normalize_name;
use crate::domain::owner_names::home_folder;
use crate::ports::OrchestratorError;
use serde_json::{Value, json};

/// How homes are laid out, beyond the volume type (`desktop.*` keys).
#[derive(Debug, Clone, Default)]
pub struct HomeLayout {
    /// `persistentvolumeclaimforcesubpath`: mount the user's folder of a per-user claim.
    pub sub_path: bool,
    /// `appendpathtomounthomevolume`: where under the home directory the volume goes.
    pub mount_suffix: String,
    /// `directorytomemoryemptydir` (with `.cache` when `homedirdotcachetoemptydir`):
    /// folders of the home kept in memory, relative to it.
    pub memory_dirs: Vec<String>,
    /// `directorytomemory`: the volume of each of them, without its name.
    pub memory_volume: Value,
}

/// The default memory folder volume (pyos 4.x).
pub fn default_memory_volume() -> Value {
    json!({"emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}})
}

/// The volume name of a memory folder: `memory-<normalized folder>` (pyos used the bare
/// normalized folder, which a folder such as `.log` turns into a default volume's name).
pub fn memory_volume_name(folder: &str) -> String {
    format!("memory-{}", normalize_name(folder))
}

/// The `home` volume: the user's claim, a hostPath under `desktop.hostPathRoot`, or an emptyDir.
fn home_volume(settings: &PodSettings, owner: &DesktopOwner, posix: &PosixAccount) -> Value {
    match (
        settings.home_claim_name(owner, posix),
        settings.home_directory_type.as_deref(),
    ) {
        (Some(claim), _) => json!({"name": "home", "persistentVolumeClaim": {"claimName": claim}}),
        (None, Some("hostPath")) => {
            let folder = home_folder(owner);
            let path = format!("{}/{folder}", settings.host_path_root.trim_end_matches('/'));
            json!({"name": "home", "hostPath": {"path": path, "type": "DirectoryOrCreate"}})
        }
        _ => json!({"name": "home", "emptyDir": {}}),
    }
}

/// The home volume and the memory folders' volumes.
pub fn home_volumes(settings: &PodSettings, owner: &DesktopOwner, posix: &PosixAccount) -> Vec<Value> {
    let mut volumes = vec![home_volume(settings, owner, posix)];
    for folder in &settings.home.memory_dirs {
        let mut volume = settings.home.memory_volume.clone();
        if let Some(body) = volume.as_object_mut() {
            body.insert("name".into(), Value::String(memory_volume_name(folder)));
        }
        volumes.push(volume);
    }
    volumes
}

/// The `subPath` of the home mount, when there is one.
fn sub_path(settings: &PodSettings, owner: &DesktopOwner, posix: &PosixAccount) -> Option<String> {
    settings.home_claim_name(owner, posix)?;
    let shared = settings.home_claim.as_ref().is_some_and(Value::is_string);
    (shared || settings.home.sub_path).then(|| home_folder(owner))
}

/// Whether an ephemeral container can mount this user's home: Kubernetes refuses
/// `subPath` mounts in ephemeral containers.
///
/// # Errors
/// [`OrchestratorError::Rejected`] naming the setting, when the home needs a `subPath`.
pub fn check_ephemeral_home(
    settings: &PodSettings,
    owner: &DesktopOwner,
    posix: &PosixAccount,
) -> Result<(), OrchestratorError> {
    match sub_path(settings, owner, posix) {
        None => Ok(()),
        Some(_) => Err(OrchestratorError::Rejected(
            "homes on a claim are mounted with a subPath, which ephemeral containers cannot use: \
             run this application as a pod_application (desktop.persistentvolumeclaim)"
                .into(),
        )),
    }
}

/// The mounts of the home: `(volume name, mount)`, the home first, then its memory
/// folders under it.
pub fn home_mounts(settings: &PodSettings, owner: &DesktopOwner, posix: &PosixAccount) -> Vec<(String, Value)> {
    let home = posix.home_directory.trim_end_matches('/');
    let suffix = settings.home.mount_suffix.trim_matches('/');
    let mount_path = if suffix.is_empty() {
        posix.home_directory.clone()
    } else {
        format!("{home}/{suffix}")
    };
    let mut mount = json!({"name": "home", "mountPath": mount_path});
    if let Some(folder) = sub_path(settings, owner, posix) {
        mount["subPath"] = Value::String(folder);
    }
    let mut mounts = vec![("home".to_owned(), mount)];
    for folder in &settings.home.memory_dirs {
        let name = memory_volume_name(folder);
        let path = format!("{home}/{}", folder.trim_matches('/'));
        mounts.push((name.clone(), json!({"name": name, "mountPath": path})));
    }
    mounts
}
