//! A desktop's resource usage for the operator (`manager/desktop/<name>/resources_usage`,
//! orchestration.md §9.1): the cgroup files of `desktop.resources_usage_cgroup_map` read
//! inside the desktop or one of its applications. cgroup v2 files are turned into the v1
//! units pyos answers: `cpu.stat`'s microseconds and `cpu.max`'s quota become
//! nanoseconds and `cpu.cfs_quota_us`-style numbers (×1000).

use super::service::{DesktopError, DesktopService};
use serde_json::{Map, Value};

/// The cgroup v2 files read by default.
pub fn default_cgroup_map() -> Vec<(String, String)> {
    [
        ("memory.usage_in_bytes", "/sys/fs/cgroup/memory.current"),
        ("memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"),
        ("cpuacct.usage", "/sys/fs/cgroup/cpu.stat"),
        ("cpu.cfs_quota_us", "/sys/fs/cgroup/cpu.max"),
    ]
    .map(|(key, path)| (key.to_owned(), path.to_owned()))
    .to_vec()
}

/// The value of one file, in pyos's units.
fn reading(path: &str, text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let times_thousand = |number: Option<&str>| {
        number.and_then(|n| n.parse::<u64>().ok()).map_or_else(
            || number.unwrap_or_default().to_owned(),
            |n| (n.saturating_mul(1000)).to_string(),
        )
    };
    if path.ends_with("/cpu.stat") {
        times_thousand(first.split_whitespace().nth(1))
    } else if path.ends_with("/cpu.max") {
        times_thousand(first.split_whitespace().next())
    } else {
        text.trim().to_owned()
    }
}

impl DesktopService {
    /// The usage of the desktop named `name`, or of its application `container`:
    /// `{timestamp, <key>: <value>…}`, a file that cannot be read left out.
    ///
    /// # Errors
    /// [`DesktopError::NotFound`] for an unknown desktop, [`DesktopError::Orchestrator`]
    /// when the orchestrator fails.
    pub async fn resources_usage(&self, name: &str, container: Option<&str>) -> Result<Value, DesktopError> {
        let desktop = self.by_name(name).await?;
        let mut usage = Map::new();
        usage.insert("timestamp".into(), Value::from(self.clock.now() as f64));
        for (key, path) in &self.policy.resources_usage_cgroup_map {
            if let Some(text) = self
                .orchestrator
                .read_desktop_file(&desktop, container.map(str::to_owned), path)
                .await?
            {
                usage.insert(key.clone(), Value::String(reading(path, &text)));
            }
        }
        Ok(Value::Object(usage))
    }
}

#[cfg(test)]
mod tests {
    use super::reading;

    #[test]
    fn cgroup_v2_files_read_in_pyos_units() {
        assert_eq!(
            reading("/sys/fs/cgroup/cpu.stat", "usage_usec 1500000\nuser_usec 9\n"),
            "1500000000"
        );
        assert_eq!(reading("/sys/fs/cgroup/cpu.max", "400000 100000\n"), "400000000");
        assert_eq!(reading("/sys/fs/cgroup/cpu.max", "max 100000\n"), "max");
        assert_eq!(reading("/sys/fs/cgroup/memory.current", "52428800\n"), "52428800");
        assert_eq!(reading("/sys/fs/cgroup/memory.usage_in_bytes", " 7 \n"), "7");
    }
}
