//! The manager registry: finds the provider a login request names (auth.md §3.2, §6.7).

use super::error::LoginError;
use super::provider::{ManagerKind, Provider};
use crate::domain::request::RequestFacts;
use crate::domain::rules::{RuleInput, RuleSet};
use serde_json::{Map, Value, json};

/// One manager and its providers, in config order.
#[derive(Clone)]
pub struct Manager {
    /// Which manager.
    pub kind: ManagerKind,
    /// Providers, in config order.
    pub providers: Vec<Provider>,
    /// Explicit manager: echo `show_domains` to the client.
    pub show_domains: bool,
    /// Explicit manager: rules choosing a provider when the request names none.
    pub rules: RuleSet,
}

impl Manager {
    fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.name == name)
    }
}

/// Every enabled manager, in config order.
#[derive(Clone, Default)]
pub struct AuthManagers {
    managers: Vec<Manager>,
}

/// The order in which managers are searched for a provider named without its manager.
const SEARCH_ORDER: [ManagerKind; 4] = [
    ManagerKind::External,
    ManagerKind::MetaExplicit,
    ManagerKind::Explicit,
    ManagerKind::Implicit,
];

impl AuthManagers {
    /// Builds the registry.
    pub fn new(managers: Vec<Manager>) -> Self {
        Self { managers }
    }

    /// Every provider of every manager.
    pub fn providers(&self) -> impl Iterator<Item = &Provider> {
        self.managers.iter().flat_map(|manager| manager.providers.iter())
    }

    fn manager(&self, kind: ManagerKind) -> Option<&Manager> {
        self.managers.iter().find(|m| m.kind == kind)
    }

    /// The metadirectory provider when it is the default one: a login naming no provider
    /// goes through it (auth.md §5.2 step 6).
    pub fn default_metalogin_provider(&self) -> Option<&Provider> {
        self.manager(ManagerKind::MetaExplicit)?
            .provider("metadirectory")
            .filter(|provider| provider.default)
    }

    /// The explicit Active Directory provider of the NetBIOS `domain` (any case).
    pub fn explicit_provider_for_domain(&self, domain: &str) -> Option<&Provider> {
        self.manager(ManagerKind::Explicit)?.providers.iter().find(|provider| {
            matches!(&provider.method, super::provider::ProviderMethod::Directory { domain: Some(own), .. }
                if own.eq_ignore_ascii_case(domain))
        })
    }

    /// Finds the provider for a request's `manager` and `provider` fields.
    ///
    /// # Errors
    /// [`LoginError::UnknownManager`], [`LoginError::ManagerNotFound`],
    /// [`LoginError::UnknownProvider`] or [`LoginError::NoProvider`] as auth.md §3.2 and §6.7 say.
    pub async fn resolve(
        &self,
        manager: Option<&str>,
        provider: Option<&str>,
        facts: &RequestFacts,
    ) -> Result<&Provider, LoginError> {
        let manager_found = match manager {
            Some(name) => Some(
                ManagerKind::parse(name)
                    .and_then(|kind| self.manager(kind))
                    .ok_or_else(|| LoginError::UnknownManager(name.to_owned()))?,
            ),
            None => None,
        };
        let Some(provider) = provider else {
            return self.choose_provider(manager_found, facts).await;
        };
        let manager = match manager_found {
            Some(manager) => manager,
            None => SEARCH_ORDER
                .iter()
                .filter_map(|kind| self.manager(*kind))
                .find(|m| m.providers.iter().any(|p| p.name.eq_ignore_ascii_case(provider)))
                .ok_or_else(|| LoginError::ManagerNotFound {
                    manager: "None".into(),
                    provider: provider.to_owned(),
                })?,
        };
        manager
            .provider(provider)
            .ok_or_else(|| LoginError::UnknownProvider(provider.to_owned()))
    }

    /// Provider auto-selection for the explicit manager (the intent of auth.md §6.7).
    async fn choose_provider<'a>(
        &'a self,
        manager: Option<&'a Manager>,
        facts: &RequestFacts,
    ) -> Result<&'a Provider, LoginError> {
        let manager = manager
            .filter(|m| m.kind == ManagerKind::Explicit)
            .ok_or_else(|| LoginError::NoProvider("missing provider parameter".into()))?;
        if let [only] = manager.providers.as_slice() {
            return Ok(only);
        }
        if !manager.rules.is_empty() {
            let user = Map::new();
            let input = RuleInput {
                facts,
                user: &user,
                roles: &[],
                asn: None,
                geolocation: None,
                membership: None,
            };
            if let Some(name) = manager.rules.first_firing_label(&input).await {
                return manager.provider(&name).ok_or(LoginError::UnknownProvider(name));
            }
        }
        manager
            .providers
            .iter()
            .find(|p| p.default)
            .ok_or_else(|| LoginError::NoProvider("No authentication default provider can be found".into()))
    }

    /// The `getauthconfig` document: managers in config order, visible providers only.
    /// Never contains secrets.
    pub fn client_config(&self) -> Value {
        let managers: Vec<Value> = self
            .managers
            .iter()
            .map(|manager| {
                let providers: Vec<Value> = manager
                    .providers
                    .iter()
                    .filter(|p| p.showclientdata)
                    .map(provider_client_data)
                    .collect();
                let mut object = json!({"name": manager.kind.name(), "providers": providers});
                if manager.kind == ManagerKind::Explicit {
                    object["default_domain"] = manager
                        .providers
                        .iter()
                        .find(|p| p.default)
                        .map(|p| p.name.clone())
                        .into();
                    object["show_domains"] = manager.show_domains.into();
                }
                object
            })
            .collect();
        json!({ "managers": managers })
    }
}

fn provider_client_data(provider: &Provider) -> Value {
    let display = &provider.display;
    let mut data = json!({
        "name": provider.name,
        "caption": display.caption,
        "displayname": display.displayname,
        "type": provider.providertype,
        "icon": display.icon,
        "backgroundcolor": display.backgroundcolor,
        "textcolor": display.textcolor,
    });
    if let Some(url) = &display.dialog_url {
        data["dialog_url"] = Value::String(url.clone());
    }
    data
}
