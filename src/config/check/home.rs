//! Checks of the home layout keys (every folder they name stays inside the home, the
//! per-user volume template needs a claim template) and of the application environment
//! override command.

use super::Problem;
use crate::config::Config;

/// Whether `folder` is a path relative to the home that cannot leave it.
fn stays_inside(folder: &str) -> bool {
    let trimmed = folder.trim_matches('/');
    !folder.starts_with('/')
        && !trimmed.is_empty()
        && trimmed
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Memory folders and the mount suffix are relative paths inside the home, and no two
/// memory folders make the same volume name.
pub fn check_home(config: &Config, problems: &mut Vec<Problem>) {
    let desktop = &config.desktop;
    let suffix = &desktop.appendpathtomounthomevolume;
    if !suffix.is_empty() && !stays_inside(suffix) {
        problems.push(Problem::new(
            "desktop.appendpathtomounthomevolume",
            "must be a folder inside the home (relative, without ..)",
        ));
    }
    let mut names = Vec::new();
    for (index, folder) in desktop.directorytomemoryemptydir.iter().enumerate() {
        let key = format!("desktop.directorytomemoryemptydir[{index}]");
        if !stays_inside(folder) {
            problems.push(Problem::new(
                key,
                "must be a folder inside the home (relative, without ..)",
            ));
            continue;
        }
        let name = crate::domain::naming::normalize_name(folder);
        if name.is_empty() || names.contains(&name) {
            problems.push(Problem::new(
                key,
                format!("'{folder}' makes the volume name of another folder, or none"),
            ));
        }
        names.push(name);
    }
    if let Some(line) = &desktop.overwrite_environment_variable_for_application
        && !crate::domain::desktop::network::split_words(line).is_ok_and(|words| !words.is_empty())
    {
        problems.push(Problem::new(
            "desktop.overwrite_environment_variable_for_application",
            "must be a command line (quotes closed)",
        ));
    }
    if let Some(volume) = &desktop.persistentvolume {
        let claim_template = desktop
            .persistentvolumeclaim
            .as_ref()
            .is_some_and(serde_json::Value::is_object);
        if !volume.is_object() || !claim_template {
            problems.push(Problem::new(
                "desktop.persistentvolume",
                "must be a {metadata, spec} table, with desktop.persistentvolumeclaim a per-user claim template",
            ));
        }
    }
    if desktop
        .directorytomemory
        .as_ref()
        .is_some_and(|volume| !volume.is_object())
    {
        problems.push(Problem::new(
            "desktop.directorytomemory",
            "must be a table (a volume without its name)",
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn folders_stay_inside_the_home() {
        for good in [".cache", ".local/share", "Desktop/"] {
            assert!(super::stays_inside(good), "{good}");
        }
        for bad in ["/etc", "..", ".cache/../../etc", "", "./x", "a//b"] {
            assert!(!super::stays_inside(bad), "{bad}");
        }
    }
}
