//! The datastore browser contract, run against every adapter.

use crate::ports::{DatastoreBrowser, DocumentQuery};
use serde_json::{Value, json};

fn all() -> DocumentQuery {
    DocumentQuery {
        limit: 100,
        ..DocumentQuery::default()
    }
}

fn kinds(documents: &[Value]) -> Vec<&str> {
    documents.iter().filter_map(|d| d["kind"].as_str()).collect()
}

/// Documents are put by `kind` (replaced, not duplicated; a plain value wrapped as
/// `{kind: value}`), read back with text `_id` and `date`, selected by kind, by dates and
/// by page, deleted one by one and dropped by collection; databases and collections do
/// not leak into each other.
pub async fn datastore_browser_contract(browser: &dyn DatastoreBrowser) {
    let (db, coll) = ("profiles", "fry");
    assert!(browser.collections(db).await.unwrap().is_empty());
    browser.put(db, coll, "color", &json!("#6EC6F0")).await.unwrap();
    browser.put(db, coll, "color", &json!("#333333")).await.unwrap();
    browser
        .put(db, coll, "dock", &json!({"apps": ["firefox"], "_id": "forged"}))
        .await
        .unwrap();
    browser.put(db, "leela", "color", &json!("#000000")).await.unwrap();
    browser.put("loginHistory", coll, "x", &json!(1)).await.unwrap();
    assert_eq!(browser.collections(db).await.unwrap(), ["fry", "leela"]);
    let documents = browser.documents(db, coll, &all()).await.unwrap();
    assert_eq!(kinds(&documents), ["color", "dock"]);
    assert_eq!(documents[0]["color"], "#333333");
    assert_eq!(documents[1]["apps"], json!(["firefox"]));
    for document in &documents {
        let id = document["_id"].as_str().unwrap();
        assert!(id != "forged" && !id.is_empty(), "{document}");
    }
    let color = DocumentQuery {
        kind: Some("color".into()),
        ..all()
    };
    assert_eq!(kinds(&browser.documents(db, coll, &color).await.unwrap()), ["color"]);

    for (kind, date) in [
        ("a", "2026-11-20 08:00:00"),
        ("b", "2026-11-21 08:00:00"),
        ("c", "2026-11-22 08:00:00"),
    ] {
        browser
            .put("loginHistory", "amy", kind, &json!({"date": date, "type": "login"}))
            .await
            .unwrap();
    }
    let history = browser.documents("loginHistory", "amy", &all()).await.unwrap();
    assert_eq!(history[1]["date"], "2026-11-21 08:00:00", "{history:?}");
    let day = |text: &str| crate::domain::time::parse_python_datetime(text).unwrap();
    let between = DocumentQuery {
        after: Some(day("2026-11-20 12:00:00")),
        before: Some(day("2026-11-22 08:00:00")),
        ..all()
    };
    assert_eq!(
        kinds(&browser.documents("loginHistory", "amy", &between).await.unwrap()),
        ["b"]
    );
    let after = DocumentQuery {
        after: Some(day("2026-11-20 12:00:00")),
        ..all()
    };
    assert_eq!(
        kinds(&browser.documents("loginHistory", "amy", &after).await.unwrap()),
        ["b", "c"]
    );
    let page = DocumentQuery {
        skip: 1,
        limit: 1,
        ..all()
    };
    assert_eq!(
        kinds(&browser.documents("loginHistory", "amy", &page).await.unwrap()),
        ["b"]
    );
    let none = DocumentQuery { limit: 0, ..all() };
    assert!(
        browser
            .documents("loginHistory", "amy", &none)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(browser.delete(db, coll, "color").await.unwrap());
    assert!(!browser.delete(db, coll, "color").await.unwrap());
    assert_eq!(kinds(&browser.documents(db, coll, &all()).await.unwrap()), ["dock"]);
    browser.drop_collection(db, coll).await.unwrap();
    assert!(browser.documents(db, coll, &all()).await.unwrap().is_empty());
    assert_eq!(browser.collections(db).await.unwrap(), ["leela"]);
    assert_eq!(
        kinds(&browser.documents("loginHistory", coll, &all()).await.unwrap()),
        ["x"]
    );
}
