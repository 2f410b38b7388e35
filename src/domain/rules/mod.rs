//! Rules → labels (auth.md §6): conditions on the request and the user become labels.
//!
//! Semantics kept from pyos: the tests inside one condition are OR-ed (a condition holds
//! when any test result equals its `expected`), the conditions of a rule are AND-ed, a rule
//! fires when that conjunction equals the rule's `expected`, rules run in config order and
//! later ones overwrite a label. `memberOf` is a case-insensitive prefix match on the roles.
//! Fixed: malformed rules are refused at load instead of silently never matching,
//! `attribut` accepts `startwith` or `equal` alone, `memberOf` works for every provider,
//! and `geolocation` tests the position the browser sent at login.

use crate::domain::labels::{Labels, is_valid_label_name, label_value};
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

fn parse_rule(name: &str, value: &Value) -> Result<Rule, RuleError> {
    let err = |message: String| RuleError {
        rule: name.to_owned(),
        message,
    };
    let object = value.as_object().ok_or_else(|| err("must be a table".into()))?;
    for key in object.keys() {
        if !matches!(key.as_str(), "conditions" | "expected" | "label" | "load") {
            return Err(err(format!("unknown key '{key}'")));
        }
    }
    let expected = object
        .get("expected")
        .and_then(Value::as_bool)
        .ok_or_else(|| err("'expected' must be a boolean".into()))?;
    let conditions = object
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or_else(|| err("'conditions' must be a list".into()))?
        .iter()
        .map(|condition| parse_condition(condition).map_err(&err))
        .collect::<Result<Vec<_>, _>>()?;
    let label = match object.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(label)) if is_valid_label_name(label) => Some(label.clone()),
        Some(other) => {
            return Err(err(format!(
                "'label' {other} is not a valid label name (1-63 letters, digits, '-', '_', '.')"
            )));
        }
    };
    let load = match object.get("load") {
        None | Some(Value::Null) => "true".to_owned(),
        Some(Value::String(text)) => label_value(text),
        Some(other) => label_value(&other.to_string()),
    };
    Ok(Rule {
        conditions,
        expected,
        label,
        load,
    })
}

fn parse_condition(value: &Value) -> Result<Condition, String> {
    let object = value.as_object().ok_or("a condition must be a table")?;
    let expected = object
        .get("expected")
        .and_then(Value::as_bool)
        .ok_or("a condition's 'expected' must be a boolean")?;
    let tests = object
        .iter()
        .filter(|(key, _)| key.as_str() != "expected")
        .map(|(key, value)| parse_test(key, value))
        .collect::<Result<Vec<_>, _>>()?;
    if tests.is_empty() {
        return Err("a condition needs at least one test".into());
    }
    Ok(Condition { expected, tests })
}

fn parse_test(key: &str, value: &Value) -> Result<Test, String> {
    let bad = |what: &str| format!("condition '{key}' must be {what}");
    Ok(match key {
        "boolean" => Test::Boolean(value.as_bool().ok_or_else(|| bad("a boolean"))?),
        "httpheader" => Test::HttpHeader(
            value
                .as_object()
                .ok_or_else(|| bad("a table of header values"))?
                .iter()
                .map(|(name, v)| {
                    Ok((
                        name.clone(),
                        v.as_str().ok_or_else(|| bad("a table of header values"))?.to_owned(),
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
        "existhttpheader" => Test::ExistHttpHeader(strings(value).ok_or_else(|| bad("a list of header names"))?),
        "memberOf" | "memberof" => Test::MemberOf(value.as_str().ok_or_else(|| bad("a group DN"))?.to_owned()),
        "network" | "network-client-ip" => Test::Network(networks(value).map_err(|e| bad(&e))?),
        "network-x-forwarded-for" => Test::NetworkForwardedFor(networks(value).map_err(|e| bad(&e))?),
        "network-x-real-ip" => Test::NetworkRealIp(networks(value).map_err(|e| bad(&e))?),
        "asnumber" => Test::AsNumber(
            match value {
                Value::Array(items) => items.iter().map(scalar_text).collect::<Option<_>>(),
                other => scalar_text(other).map(|v| vec![v]),
            }
            .ok_or_else(|| bad("an AS number or a list of them"))?,
        ),
        "primarygroupid" => Test::PrimaryGroupId(as_integer(value).ok_or_else(|| bad("an integer"))?),
        "attribut" => {
            let object = value
                .as_object()
                .ok_or_else(|| bad("a table {attribut, startwith, equal}"))?;
            let text = |k: &str| object.get(k).and_then(Value::as_str).map(str::to_owned);
            let name = text("attribut").ok_or_else(|| bad("a table with a string 'attribut'"))?;
            let (starts_with, equals) = (text("startwith"), text("equal"));
            if starts_with.as_deref().unwrap_or("").is_empty() && equals.as_deref().unwrap_or("").is_empty() {
                return Err(bad("a table with a non-empty 'startwith' or 'equal'"));
            }
            Test::Attribute {
                name,
                starts_with,
                equals,
            }
        }
        "geolocation" => {
            let number = |k: &str| value.get(k).and_then(Value::as_f64);
            match (number("latitude"), number("longitude"), number("accuracy")) {
                (Some(latitude), Some(longitude), Some(accuracy_m)) => Test::Geolocation {
                    latitude,
                    longitude,
                    accuracy_m,
                },
                _ => return Err(bad("a table {latitude, longitude, accuracy}")),
            }
        }
        other => return Err(format!("unknown condition '{other}'")),
    })
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Parses a CIDR, or a bare address as a single-host network.
pub fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

fn networks(value: &Value) -> Result<Vec<IpNet>, String> {
    let texts = match value {
        Value::String(text) => vec![text.clone()],
        other => strings(other).ok_or("a CIDR or a list of CIDRs")?,
    };
    texts
        .iter()
        .map(|text| parse_network(text).ok_or_else(|| format!("a valid CIDR, not '{text}'")))
        .collect()
}

#[cfg(test)]
mod tests;
