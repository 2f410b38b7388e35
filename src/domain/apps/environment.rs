//! What an application is started with: its container name and environment
//! (orchestration.md §7.3, the table of application variables).

use super::app::{App, Engine};
use super::runtime::AppLaunchSpec;
use super::service::{AppError, ApplicationService, RunRequest};
use crate::domain::auth::posix_account_from_secret;
use crate::domain::desktop::Desktop;
use crate::domain::identity::Identity;
use crate::domain::naming::dns_name;
use std::collections::BTreeMap;

impl ApplicationService {
    pub(super) async fn launch_spec(
        &self,
        identity: &Identity,
        desktop: &Desktop,
        app: App,
        request: &RunRequest,
    ) -> Result<AppLaunchSpec, AppError> {
        let owner = identity.owner();
        let posix = match self.secrets.read_user_secret(&owner, "posixaccount").await? {
            Some(secret) => posix_account_from_secret(&secret.data, &self.policy.posix_defaults),
            None => posix_account_from_secret(&BTreeMap::new(), &self.policy.posix_defaults),
        };
        let engine = app.containerengine;
        let ip = desktop.ip_addr.clone().unwrap_or_default();
        let locale = request.locale.clone().unwrap_or_else(|| "en_US".into());
        let label = |name: &str| desktop.labels.get(name).cloned().unwrap_or_default();
        let mut env: Vec<(String, String)> = self.policy.envlocal.clone();
        let mut set = |name: &str, value: String| match env.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => env.push((name.to_owned(), value)),
        };
        match engine {
            Engine::EphemeralContainer => {
                set("DISPLAY", ":0.0".into());
                set("PULSE_SERVER", format!("unix:{}", self.policy.pulseaudio_socket));
            }
            Engine::PodApplication => {
                set("DISPLAY", format!("{ip}:0"));
                set("PULSE_SERVER", format!("{ip}:4713"));
            }
        }
        set("CONTAINER_IP_ADDR", ip.clone());
        set("XAUTH_KEY", label("xauthkey"));
        set("BROADCAST_COOKIE", label("broadcast_cookie"));
        set("PULSEAUDIO_COOKIE", label("pulseaudio_cookie"));
        set("CUPS_SERVER", format!("{ip}:631"));
        set("UNIQUERUNKEY", app.uniquerunkey.clone().unwrap_or_default());
        set("HOME", posix.home_directory.clone());
        set("LOGNAME", posix.uid.clone());
        set("USER", posix.uid.clone());
        set("LANGUAGE", locale.clone());
        set("LANG", format!("{locale}.UTF-8"));
        set("LC_ALL", format!("{locale}.UTF-8"));
        set("PARENT_ID", desktop.name.clone());
        set("PARENT_HOSTNAME", desktop.node.clone().unwrap_or_default());
        set("APP", app.path.clone().unwrap_or_default());
        if let Some(tz) = request.timezone.as_ref().filter(|tz| tz.len() > 1) {
            set("TZ", tz.clone());
        }
        if let Some(args) = request.args.as_ref().filter(|a| !a.is_empty()) {
            set("APPARGS", args.clone());
        }
        if let Some(args) = app.args.as_ref().filter(|a| !a.is_empty()) {
            set("ARGS", args.clone());
        }
        set("ABCDESKTOP_EXECUTE_RUNTIME", engine.as_str().to_owned());
        // The readable parts are cut before the random part is added, so a long display
        // name can never cut the randomness away; 64 random bits make two launches (of any
        // users) practically never pick one name, and a clash is refused by the orchestrator.
        let readable = dns_name(&format!("{}-{}", identity.name, app.name));
        let readable: String = readable.chars().take(40).collect();
        let readable = match readable.trim_matches('-') {
            "" => "app",
            text => text,
        };
        let name = format!("{readable}-{}", self.random.hex(8));
        Ok(AppLaunchSpec {
            name,
            app,
            env,
            engine,
            posix,
        })
    }
}
