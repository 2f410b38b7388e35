use super::*;
use crate::ports::datastore_browser::MockDatastoreBrowser;
use serde_json::json;

fn service(browser: MockDatastoreBrowser, acl: &[&str]) -> DatastoreService {
    DatastoreService::new(
        Arc::new(browser),
        vec!["profiles".into(), "loginHistory".into()],
        acl.iter().map(|a| (*a).to_owned()).collect(),
    )
}

fn path(text: &str) -> Vec<String> {
    text.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[tokio::test]
async fn reads_list_databases_collections_and_filtered_documents() {
    let mut browser = MockDatastoreBrowser::new();
    browser
        .expect_collections()
        .withf(|db| db == "profiles")
        .returning(|_| Ok(vec!["fry".into()]));
    browser
        .expect_documents()
        .withf(|db, coll, query| {
            (db, coll) == ("loginHistory", "fry")
                && *query
                    == DocumentQuery {
                        kind: None,
                        after: Some(1_795_451_400),
                        before: Some(1_795_537_800),
                        skip: 10,
                        limit: 5,
                    }
        })
        .returning(|_, _, _| Ok(vec![json!({"_id": "a"})]));
    browser
        .expect_documents()
        .withf(|_, _, query| query.kind.as_deref() == Some("color") && query.limit == MAX_PAGE)
        .returning(|_, _, _| Ok(vec![]));
    let service = service(browser, &["read"]);
    let read = |segments: &str, skip: Option<&'static str>, limit: Option<&'static str>| {
        let segments = path(segments);
        let service = &service;
        async move {
            service
                .answer(DatastoreMethod::Read, &segments, skip, limit, None)
                .await
        }
    };
    assert_eq!(read("", None, None).await.unwrap(), json!(["profiles", "loginHistory"]));
    assert_eq!(read("profiles", None, None).await.unwrap(), json!(["fry"]));
    let range = vec![
        "loginHistory".to_owned(),
        "fry".to_owned(),
        "after".to_owned(),
        "2026-11-23 16:30:00".to_owned(),
        "before".to_owned(),
        "2026-11-24 16:30:00".to_owned(),
    ];
    assert_eq!(
        service
            .answer(DatastoreMethod::Read, &range, Some("10"), Some("5"), None)
            .await
            .unwrap(),
        json!([{"_id": "a"}])
    );
    assert_eq!(read("profiles/fry/color", None, None).await.unwrap(), json!([]));
}

#[tokio::test]
async fn bad_paths_dates_paging_and_databases_are_refused_before_the_store() {
    let service = service(MockDatastoreBrowser::new(), &["get", "put", "delete"]);
    let refused = |segments: Vec<String>, method: DatastoreMethod, limit: Option<&'static str>| {
        let service = &service;
        async move { service.answer(method, &segments, None, limit, Some(&json!(1))).await }
    };
    let bad = [
        (path("profiles/fry/after"), DatastoreMethod::Read, None),
        (
            vec!["profiles".into(), "fry".into(), "after".into(), "yesterday".into()],
            DatastoreMethod::Read,
            None,
        ),
        (
            vec![
                "profiles".into(),
                "fry".into(),
                "after".into(),
                "2026-11-24 00:00:00".into(),
                "before".into(),
                "2026-11-23 00:00:00".into(),
            ],
            DatastoreMethod::Read,
            None,
        ),
        (path("profiles/fry/a/b/c"), DatastoreMethod::Read, None),
        (path("profiles/fry"), DatastoreMethod::Read, Some("100001")),
        (path("profiles/fry"), DatastoreMethod::Read, Some("-1")),
        (path("deskplane/accounting"), DatastoreMethod::Read, None),
        (path("admin"), DatastoreMethod::Read, None),
        (path("profiles/a$b"), DatastoreMethod::Read, None),
        (path("profiles/system.users"), DatastoreMethod::Read, None),
        (vec!["profiles".into(), "a\0b".into()], DatastoreMethod::Delete, None),
        (
            vec!["profiles".into(), "x".repeat(201), "k".into()],
            DatastoreMethod::Write,
            None,
        ),
        (path("profiles/fry"), DatastoreMethod::Write, None),
        (path("profiles"), DatastoreMethod::Delete, None),
        (path(""), DatastoreMethod::Delete, None),
    ];
    for (segments, method, limit) in bad {
        let said = format!("{method:?} {segments:?}");
        let answer = refused(segments, method, limit).await;
        assert!(
            matches!(answer, Err(DatastoreError::BadRequest(_))),
            "{said}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn each_method_needs_its_grant() {
    let mut browser = MockDatastoreBrowser::new();
    browser
        .expect_put()
        .withf(|db, coll, kind, value| (db, coll, kind, value) == ("profiles", "fry", "color", &json!("#fff")))
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    browser.expect_delete().times(1).returning(|_, _, _| Ok(false));
    let write_only = service(browser, &["write", "delete"]);
    let put = write_only
        .answer(
            DatastoreMethod::Write,
            &path("profiles/fry/color"),
            None,
            None,
            Some(&json!("#fff")),
        )
        .await;
    assert_eq!(put.unwrap(), json!(true));
    assert_eq!(
        write_only
            .answer(DatastoreMethod::Delete, &path("profiles/fry/color"), None, None, None)
            .await
            .unwrap(),
        json!(false)
    );
    let read = write_only
        .answer(DatastoreMethod::Read, &path(""), None, None, None)
        .await;
    assert!(matches!(read, Err(DatastoreError::Denied(_))), "{read:?}");
    let nothing = service(MockDatastoreBrowser::new(), &[]);
    for method in [DatastoreMethod::Read, DatastoreMethod::Write, DatastoreMethod::Delete] {
        let answer = nothing.answer(method, &path("profiles/fry/x"), None, None, None).await;
        assert!(matches!(answer, Err(DatastoreError::Denied(_))), "{method:?}");
    }
}
