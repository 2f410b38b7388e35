#[test]
fn every_listed_route_resolves_and_no_route_is_unlisted() {
    for (controller, name) in super::ALL {
        assert!(super::find(controller, name).is_some(), "{controller}/{name}");
    }
    let distinct: std::collections::HashSet<_> = super::ALL
        .iter()
        .map(|(c, n)| super::find(c, n).map(|s| s.route))
        .collect();
    assert_eq!(distinct.len(), super::ALL.len());
}

#[test]
fn every_route_s_allow_header_lists_its_methods() {
    for (controller, name) in super::ALL {
        let spec = super::find(controller, name).unwrap();
        let mut names: Vec<&str> = spec.methods.iter().map(|m| m.as_str()).collect();
        if spec.methods.contains(&warp::http::Method::GET) {
            names.push("HEAD");
        }
        assert_eq!(spec.allow_header(), names.join(", "), "{controller}/{name}");
    }
}
