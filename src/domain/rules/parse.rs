//! Parsing rules from their pyos tables, strictly: malformed rules are refused at load.

use super::{Condition, Rule, RuleError, Test, as_integer};
use crate::domain::labels::{is_valid_label_name, label_value};
use ipnet::IpNet;
use serde_json::Value;
use std::net::IpAddr;

pub(super) fn parse_rule(name: &str, value: &Value) -> Result<Rule, RuleError> {
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
