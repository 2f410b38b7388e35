//! Reaching the real servers `scripts/services.sh` starts, and keeping runs apart on them.

/// The URL of a test server that `scripts/services.sh` started, from `variable`.
///
/// # Panics
/// When the variable is unset: the test command starts the servers; a bare `cargo test`
/// must say what is missing rather than skip the test.
pub fn service_url(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the tests with scripts/test.sh, or start the servers with `scripts/services.sh start FILE` and source FILE")
    })
}

/// A prefix no other test run uses, so suites share one server and run in parallel.
pub fn unique_prefix() -> String {
    use rand::Rng;
    let suffix: String = rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(10)
        .map(char::from)
        .collect();
    format!("t{}_", suffix.to_lowercase())
}

/// A loopback port nobody listens on (bound, then released), for "server down" tests.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
