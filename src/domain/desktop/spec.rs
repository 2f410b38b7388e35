//! What a new desktop is made of: its deterministic name (one per owner, see
//! [`crate::domain::owner_names`]), environment (orchestration.md
//! §4.5 part A), POSIX account, cookies and VNC password.

use super::model::{DesktopCookies, DesktopSpec};
use super::service::{DesktopError, DesktopService, LaunchRequest};
use crate::domain::auth::posix_account_from_secret;
use crate::domain::identity::Identity;
use crate::domain::owner_names::DesktopName;
use crate::domain::request::RequestFacts;
use crate::domain::secret::Secret;

/// The OS family of a browser, from its `User-Agent`.
fn os_family(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("windows") {
        "Windows"
    } else if ua.contains("mac os") || ua.contains("macintosh") {
        "Mac OS X"
    } else if ua.contains("android") {
        "Android"
    } else if ua.contains("iphone") || ua.contains("ipad") {
        "iOS"
    } else if ua.contains("linux") {
        "Linux"
    } else {
        "Other"
    }
}

impl DesktopService {
    pub(super) async fn spec_for(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
    ) -> Result<DesktopSpec, DesktopError> {
        let owner = identity.owner();
        // Login writes the account secrets and logout (or an operator, or the collector)
        // removes them with the desktop. Without them the session has ended, whatever the
        // token says: a pod would wait for secrets that never come (FailedMount) until
        // the start timeout, so the caller is told at once to log in again.
        let posix = match self.secrets.read_user_secret(&owner, "posixaccount").await? {
            Some(secret) => posix_account_from_secret(&secret.data, &self.policy.posix_defaults),
            None => return Err(DesktopError::SessionEnded),
        };
        let mut env = self.policy.envlocal.clone();
        let mut set = |name: &str, value: String| match env.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => env.push((name.to_owned(), value)),
        };
        for label in identity.labels.keys() {
            for (name, value) in self.policy.envlocalrules.get(label).into_iter().flatten() {
                set(name, value.clone());
            }
        }
        let locale = request.locale.clone().unwrap_or_else(|| "C".into());
        set("LANGUAGE", locale.clone());
        set("LANG", format!("{locale}.UTF-8"));
        set("LC_ALL", format!("{locale}.UTF-8"));
        set("ABCDESKTOP_USERNAME", identity.name.clone());
        set("ABCDESKTOP_USERID", identity.userid.to_string());
        set("ABCDESKTOP_PROVIDERNAME", identity.provider.clone());
        set("ABCDESKTOP_PROVIDERTYPE", identity.providertype.clone());
        set("ABCDESKTOP_WEBCLIENT_SOURCEIPADDR", facts.client_ip.to_string());
        if self.policy.detect_os_family {
            set(
                "ABCDESKTOP_WEBCLIENT_USERAGENT_OS_FAMILY",
                os_family(facts.user_agent().unwrap_or_default()).to_owned(),
            );
        }
        for (label, value) in &identity.labels {
            set(&format!("ABCDESKTOP_LABEL_{}", label.to_lowercase()), value.clone());
        }
        Ok(DesktopSpec {
            name: DesktopName::for_owner(&owner, &posix.uid),
            labels: identity.labels.clone(),
            env,
            vnc_password: Secret::new(self.random.alphanumeric(15)),
            cookies: DesktopCookies {
                xauth_key: Secret::new(self.random.hex(15)),
                pulseaudio_cookie: Secret::new(self.random.hex(16)),
                broadcast_cookie: Secret::new(self.random.hex(24)),
            },
            execute_class: identity
                .labels
                .get("executeclassname")
                .cloned()
                .unwrap_or_else(|| "default".into()),
            posix,
            websocketrouting: self.policy.websocketrouting.clone(),
            now: self.clock.now(),
            owner,
        })
    }
}

impl DesktopService {
    /// What launching would create for `identity` now (`manager/dry_run_desktop`): the
    /// orchestrator's description of a new desktop from the spec a launch would build. No
    /// desktop, secret, progress message or history record is written.
    ///
    /// # Errors
    /// [`DesktopError::SessionEnded`] when the user's session secrets are gone, any
    /// orchestrator error describing the desktop.
    pub async fn dry_run(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
    ) -> Result<serde_json::Value, DesktopError> {
        let spec = self.spec_for(identity, facts, request).await?;
        Ok(self.orchestrator.describe_new_desktop(&spec)?)
    }
}
