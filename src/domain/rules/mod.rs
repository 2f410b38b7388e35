//! Rules → labels (auth.md §6): conditions on the request and the user become labels.
//!
//! Semantics kept from pyos: the tests inside one condition are OR-ed (a condition holds
//! when any test result equals its `expected`), the conditions of a rule are AND-ed, a rule
//! fires when that conjunction equals the rule's `expected`, rules run in config order and
//! later ones overwrite a label. `memberOf` is a case-insensitive prefix match on the roles.
//! Fixed: malformed rules are refused at load instead of silently never matching,
//! `attribut` accepts `startwith` or `equal` alone, `memberOf` works for every provider,
//! and `geolocation` tests the position the browser sent at login.

use crate::domain::labels::Labels;
use crate::domain::request::RequestFacts;
use async_trait::async_trait;
use ipnet::IpNet;
use serde_json::{Map, Value};
use std::net::IpAddr;
use thiserror::Error;

/// A configuration error in a rule, naming the rule.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("rule '{rule}': {message}")]
pub struct RuleError {
    /// Rule name.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

/// Looks group membership up in the provider's directory when the login carried no roles.
#[async_trait]
pub trait MembershipLookup: Send + Sync {
    /// Tells whether the user being logged in belongs to `group_dn`; false on any error.
    async fn is_member_of(&self, group_dn: &str) -> bool;
}

/// Everything a rule may look at.
pub struct RuleInput<'a> {
    /// The request.
    pub facts: &'a RequestFacts,
    /// The user info map of the login.
    pub user: &'a Map<String, Value>,
    /// The user's roles (group DNs) before reduction.
    pub roles: &'a [String],
    /// Origin AS number of the client address.
    pub asn: Option<u32>,
    /// Browser position sent with the login (`{latitude, longitude}`).
    pub geolocation: Option<&'a Value>,
    /// Directory membership lookups, for directory providers.
    pub membership: Option<&'a dyn MembershipLookup>,
}

/// An ordered list of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    conditions: Vec<Condition>,
    expected: bool,
    label: Option<String>,
    load: String,
}

#[derive(Debug, Clone)]
struct Condition {
    expected: bool,
    tests: Vec<Test>,
}

#[derive(Debug, Clone)]
enum Test {
    Boolean(bool),
    HttpHeader(Vec<(String, String)>),
    ExistHttpHeader(Vec<String>),
    MemberOf(String),
    Network(Vec<IpNet>),
    NetworkForwardedFor(Vec<IpNet>),
    NetworkRealIp(Vec<IpNet>),
    AsNumber(Vec<String>),
    PrimaryGroupId(i64),
    Attribute {
        name: String,
        starts_with: Option<String>,
        equals: Option<String>,
    },
    Geolocation {
        latitude: f64,
        longitude: f64,
        accuracy_m: f64,
    },
}

impl RuleSet {
    /// Parses pyos's rule map `{name: {conditions, expected, label, load}}`, keeping order.
    ///
    /// # Errors
    /// A [`RuleError`] for the first malformed rule: not an object, `conditions` not a
    /// list, `expected` not a boolean, an invalid label name, an unknown or malformed test.
    pub fn parse(value: &Value) -> Result<Self, RuleError> {
        let Some(object) = value.as_object() else {
            return Err(RuleError {
                rule: String::new(),
                message: "rules must be a table of named rules".into(),
            });
        };
        let rules = object
            .iter()
            .map(|(name, rule)| parse_rule(name, rule))
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// True when there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Evaluates every rule in order and writes the labels of those that fire into `labels`.
    pub async fn apply(&self, input: &RuleInput<'_>, labels: &mut Labels) {
        for rule in &self.rules {
            if let Some(label) = &rule.label
                && rule.fires(input).await
            {
                labels.insert(label.clone(), rule.load.clone());
            }
        }
    }

    /// The label name of the first rule that fires (explicit-manager provider selection).
    pub async fn first_firing_label(&self, input: &RuleInput<'_>) -> Option<String> {
        for rule in &self.rules {
            if rule.label.is_some() && rule.fires(input).await {
                return rule.label.clone();
            }
        }
        None
    }
}

impl Rule {
    async fn fires(&self, input: &RuleInput<'_>) -> bool {
        if self.conditions.is_empty() {
            return false;
        }
        let mut all = true;
        for condition in &self.conditions {
            // No short-circuit, as in pyos: every condition is evaluated.
            all &= condition.holds(input).await;
        }
        all == self.expected
    }
}

impl Condition {
    async fn holds(&self, input: &RuleInput<'_>) -> bool {
        for test in &self.tests {
            if test.result(input).await == self.expected {
                return true;
            }
        }
        false
    }
}

impl Test {
    async fn result(&self, input: &RuleInput<'_>) -> bool {
        let facts = input.facts;
        match self {
            Self::Boolean(value) => *value,
            Self::HttpHeader(pairs) => pairs
                .iter()
                .all(|(name, value)| facts.header(name) == Some(value.as_str())),
            Self::ExistHttpHeader(names) => names.iter().all(|name| facts.header(name).is_some()),
            Self::MemberOf(group) => {
                if input.roles.is_empty() {
                    match input.membership {
                        Some(lookup) => lookup.is_member_of(group).await,
                        None => false,
                    }
                } else {
                    let group = group.to_lowercase();
                    input.roles.iter().any(|role| role.to_lowercase().starts_with(&group))
                }
            }
            Self::Network(nets) => contains(nets, facts.client_ip),
            Self::NetworkForwardedFor(nets) => facts.forwarded_for.iter().any(|ip| contains(nets, *ip)),
            Self::NetworkRealIp(nets) => facts.real_ip.is_some_and(|ip| contains(nets, ip)),
            Self::AsNumber(values) => input
                .asn
                .is_some_and(|asn| values.iter().any(|v| *v == asn.to_string())),
            Self::PrimaryGroupId(expected) => input.user.get("primaryGroupID").and_then(as_integer) == Some(*expected),
            Self::Attribute {
                name,
                starts_with,
                equals,
            } => {
                let actual = input.user.get(name).map(python_str).unwrap_or_else(|| "None".into());
                match (starts_with.as_deref(), equals.as_deref()) {
                    (Some(prefix), _) if !prefix.is_empty() => actual.starts_with(prefix),
                    (_, Some(expected)) if !expected.is_empty() => actual == expected,
                    _ => false,
                }
            }
            Self::Geolocation {
                latitude,
                longitude,
                accuracy_m,
            } => input
                .geolocation
                .and_then(|position| {
                    Some((
                        position.get("latitude")?.as_f64()?,
                        position.get("longitude")?.as_f64()?,
                    ))
                })
                .is_some_and(|(lat, lon)| haversine_m(lat, lon, *latitude, *longitude) < *accuracy_m),
        }
    }
}

fn contains(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|net| net.contains(&ip))
}

fn as_integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str()?.trim().parse().ok())
}

/// Text of a user attribute the way rules compare it: strings as they are, other JSON as text.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// Great-circle distance in metres.
fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

mod parse;

pub use parse::parse_network;
use parse::parse_rule;

#[cfg(test)]
mod tests;
