//! pyos's document shapes and the conversions between them and the domain's records.
//! Reading is lenient (pyos wrote these documents with fields of its own and numbers of
//! any width); writing gives pyos's field names, with `date` as a BSON UTC date.

use crate::domain::history::{DesktopEvent, DesktopEventType, LoginRecord};
use crate::domain::labels::Labels;
use crate::ports::clock::UnixSeconds;
use mongodb::bson::{Bson, DateTime, Document, doc};
use serde_json::Value;

/// Seconds since the epoch as a BSON date.
pub fn bson_date(seconds: UnixSeconds) -> DateTime {
    DateTime::from_millis(seconds.saturating_mul(1000))
}

/// A `date` field in seconds: a BSON date, or a number of seconds.
pub fn date_of(document: &Document, key: &str) -> Option<UnixSeconds> {
    match document.get(key)? {
        Bson::DateTime(date) => Some(date.timestamp_millis().div_euclid(1000)),
        other => number(other),
    }
}

/// An integer field of any BSON width.
pub fn number(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        // Counters written by Python may be floats; their integral part is the count.
        Bson::Double(n) if n.is_finite() => Some(n.trunc() as i64),
        _ => None,
    }
}

fn text(document: &Document, key: &str) -> String {
    optional_text(document, key).unwrap_or_default()
}

fn optional_text(document: &Document, key: &str) -> Option<String> {
    match document.get(key)? {
        Bson::String(value) => Some(value.clone()),
        Bson::Null => None,
        other => Some(other.to_string()),
    }
}

fn labels_of(document: &Document) -> Labels {
    match document.get("labels") {
        Some(Bson::Document(labels)) => labels
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Bson::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (name.clone(), value)
            })
            .collect(),
        // pyos 3.x wrote labels as a list of names.
        Some(Bson::Array(names)) => names
            .iter()
            .filter_map(Bson::as_str)
            .map(|name| (name.to_owned(), "true".to_owned()))
            .collect(),
        _ => Labels::new(),
    }
}

fn labels_document(labels: &Labels) -> Document {
    labels
        .iter()
        .map(|(k, v)| (k.clone(), Bson::String(v.clone())))
        .collect()
}

/// A login history document (`type: login`).
pub fn login_document(record: &LoginRecord) -> Document {
    doc! {
        "userid": &record.userid,
        "name": &record.name,
        "provider": &record.provider,
        "providertype": &record.providertype,
        "labels": labels_document(&record.labels),
        "date": bson_date(record.date),
        "useragent": record.useragent.clone(),
        "ipaddr": &record.ipaddr,
        "type": "login",
    }
}

/// A login record from a document of deskplane's or pyos's.
pub fn login_record(document: &Document) -> LoginRecord {
    LoginRecord {
        userid: text(document, "userid"),
        name: text(document, "name"),
        provider: text(document, "provider"),
        providertype: text(document, "providertype"),
        labels: labels_of(document),
        date: date_of(document, "date").unwrap_or(0),
        useragent: optional_text(document, "useragent"),
        ipaddr: text(document, "ipaddr"),
    }
}

/// A desktop history document (`type: desktop`).
pub fn desktop_document(event: &DesktopEvent) -> Document {
    doc! {
        "userid": &event.userid,
        "name": &event.name,
        "provider": &event.provider,
        "providertype": &event.providertype,
        "labels": labels_document(&event.labels),
        "eventtype": event_type_name(event.eventtype),
        "isgarbaged": event.isgarbaged,
        "desktop_id": &event.desktop_id,
        "node": event.node.clone(),
        "date": bson_date(event.date),
        "useragent": event.useragent.clone(),
        "ipaddr": &event.ipaddr,
        "type": "desktop",
    }
}

/// A desktop event from a document; `None` for an unknown event type.
pub fn desktop_event(document: &Document) -> Option<DesktopEvent> {
    let eventtype = match document.get_str("eventtype").ok()? {
        "start" => DesktopEventType::Start,
        "resume" => DesktopEventType::Resume,
        "stop" => DesktopEventType::Stop,
        _ => return None,
    };
    Some(DesktopEvent {
        userid: text(document, "userid"),
        name: text(document, "name"),
        provider: text(document, "provider"),
        providertype: text(document, "providertype"),
        labels: labels_of(document),
        eventtype,
        isgarbaged: document.get_bool("isgarbaged").ok(),
        desktop_id: text(document, "desktop_id"),
        node: optional_text(document, "node"),
        date: date_of(document, "date").unwrap_or(0),
        useragent: optional_text(document, "useragent"),
        ipaddr: text(document, "ipaddr"),
    })
}

fn event_type_name(eventtype: DesktopEventType) -> &'static str {
    match eventtype {
        DesktopEventType::Start => "start",
        DesktopEventType::Resume => "resume",
        DesktopEventType::Stop => "stop",
    }
}

/// A JSON value as BSON (integers stay integers).
pub fn to_bson(value: &Value) -> Result<Bson, mongodb::bson::ser::Error> {
    mongodb::bson::to_bson(value)
}

/// A BSON value as plain JSON (numbers as numbers, not extended JSON).
pub fn to_json(value: Bson) -> Value {
    value.into_relaxed_extjson()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyos_documents_are_read_whatever_their_number_widths() {
        let pyos = doc! {
            "userid": "fry", "name": "Philip J. Fry", "provider": "planet", "providertype": "ldap",
            "labels": ["shipcrew"], "date": DateTime::from_millis(1_700_000_000_500),
            "useragent": Bson::Null, "ipaddr": "192.0.2.1", "mail": "fry@planetexpress.com", "type": "login",
        };
        let record = login_record(&pyos);
        assert_eq!(record.date, 1_700_000_000);
        assert_eq!(record.labels.get("shipcrew").map(String::as_str), Some("true"));
        assert_eq!(record.useragent, None);
        assert_eq!(login_record(&login_document(&record)), record);
        assert_eq!(number(&Bson::Double(3.0)), Some(3));
        assert_eq!(number(&Bson::String("3".into())), None);
    }
}
