//! Running a desktop's webhooks: `create` commands once it has started (in the
//! background, each result told on the progress channel), `destroy` commands kept in the
//! shared cache under the desktop's name and run when it is removed, by whichever
//! replica removes it.

use super::{NetworkRules, Webhooks};
use crate::domain::desktop::Desktop;
use crate::domain::progress::ProgressChannel;
use crate::ports::{Cache, WebhookRunner};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a desktop's destroy commands are kept (memcached's longest relative TTL).
const DESTROY_KEPT: Duration = Duration::from_secs(30 * 24 * 3600 - 1);

/// The webhooks of desktops.
#[derive(Clone)]
pub struct NetworkHooks {
    rules: NetworkRules,
    runner: Arc<dyn WebhookRunner>,
    cache: Arc<dyn Cache>,
    timeout: Duration,
    /// Whether any rule has a webhook: without one, creating and removing desktops costs
    /// no cache round trip.
    any: bool,
}

fn destroy_key(desktop: &str) -> String {
    format!("webhook-destroy:{desktop}")
}

impl NetworkHooks {
    /// Hooks from `rules`, run by `runner` for at most `timeout` each.
    pub fn new(rules: NetworkRules, runner: Arc<dyn WebhookRunner>, cache: Arc<dyn Cache>, timeout: Duration) -> Self {
        let any = rules.rules.values().any(|rule| rule.get("webhook").is_some());
        Self {
            rules,
            runner,
            cache,
            timeout,
            any,
        }
    }

    /// The values templates may name: the desktop's fields (`ipAddr`, `id`,
    /// `nodehostname`, `hostname`, `container_id`) and its owner's (`userid`, `provider`,
    /// `providertype`, `name`).
    fn values(desktop: &Desktop) -> BTreeMap<String, String> {
        let mut values = BTreeMap::new();
        let mut put = |key: &str, value: Option<&str>| {
            values.insert(key.to_owned(), value.unwrap_or_default().to_owned());
        };
        put("id", Some(&desktop.name));
        put("ipAddr", desktop.ip_addr.as_deref());
        put("nodehostname", desktop.node.as_deref());
        put("hostname", desktop.hostname.as_deref());
        put("container_id", desktop.container_id.as_deref());
        put("userid", Some(desktop.owner.userid.as_str()));
        put("provider", Some(&desktop.owner.provider));
        put("providertype", Some(&desktop.owner.providertype));
        put("name", Some(&desktop.owner.name));
        values
    }

    /// A desktop of a user with `labels` has just been created: keeps its destroy
    /// commands and starts its create commands.
    pub async fn desktop_created(
        &self,
        desktop: &Desktop,
        labels: &BTreeMap<String, String>,
        progress: &ProgressChannel,
    ) {
        if !self.any {
            return;
        }
        let Webhooks { create, destroy } = self.rules.webhooks(labels, &Self::values(desktop));
        if !destroy.is_empty() {
            let kept = serde_json::to_string(&destroy).unwrap_or_default();
            if let Err(error) = self.cache.set(&destroy_key(&desktop.name), &kept, DESTROY_KEPT).await {
                tracing::warn!(%error, desktop = %desktop.name, "the desktop's destroy webhooks could not be kept");
            }
        }
        if create.is_empty() {
            return;
        }
        progress.push(&desktop.owner, "c.Webhooking network services").await;
        let (runner, timeout, progress, owner) = (
            self.runner.clone(),
            self.timeout,
            progress.clone(),
            desktop.owner.clone(),
        );
        tokio::spawn(async move {
            for argv in create {
                let message = match runner.run(&argv, timeout).await {
                    Ok(0) => "c.Webhooking updated service successfully".to_owned(),
                    Ok(code) => format!("e.Webhooking updated service error {code}"),
                    Err(error) => format!("e.Webhooking command exception {error}"),
                };
                progress.push(&owner, &message).await;
            }
        });
    }

    /// The desktop named `desktop` is gone: runs the destroy commands kept for it.
    pub async fn desktop_removed(&self, desktop: &str) {
        if !self.any {
            return;
        }
        let kept = match self.cache.take(&destroy_key(desktop)).await {
            Ok(Some(kept)) => kept,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, desktop, "the desktop's destroy webhooks could not be read");
                return;
            }
        };
        let commands: Vec<Vec<String>> = serde_json::from_str(&kept).unwrap_or_default();
        let (runner, timeout, desktop) = (self.runner.clone(), self.timeout, desktop.to_owned());
        tokio::spawn(async move {
            for argv in commands {
                match runner.run(&argv, timeout).await {
                    Ok(0) => {}
                    Ok(code) => tracing::warn!(desktop, code, "a destroy webhook failed"),
                    Err(error) => tracing::warn!(desktop, %error, "a destroy webhook did not run"),
                }
            }
        });
    }
}
