//! What a route is: its methods, body input, identity guard, gate and query parameters.
//! The table of routes deskplane serves is `routes.rs`.

use super::routes::Route;
use warp::http::Method;

/// What the route reads from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Nothing (the body is not parsed).
    None,
    /// A JSON document, on methods that carry a body.
    Json,
    /// An HTML form (`application/x-www-form-urlencoded`), read as more query parameters.
    Form,
}

/// Which identity check runs before the handler (api.md §3.5.4, §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// None.
    Open,
    /// The token is decoded; the handler decides (auth soft routes, whoami).
    Soft,
    /// `validate_env`: 401 with ban counting.
    Validate,
    /// The auth tool (401 `Invalid token`, no counting), then `validate_env`.
    Tool,
}

/// One route.
#[derive(Debug)]
pub struct RouteSpec {
    /// Which route.
    pub route: Route,
    /// pyos controller class, for the `controllers` gates.
    pub controller: &'static str,
    /// Allowed methods (HEAD is implied by GET).
    pub methods: &'static [Method],
    /// Body input.
    pub input: Input,
    /// Identity guard.
    pub guard: Guard,
    /// Gate G (`enable`, `permitip`, `apikey`, `requestsallowed`).
    pub gate: bool,
    /// Check S (ban and spoof) before the handler.
    pub security_check: bool,
    /// Most extra path segments after the method name (`usize::MAX`: any).
    pub max_extra: usize,
    /// Accepted query parameters (others get 404, as in pyos).
    pub query: &'static [&'static str],
    /// Whether the request and response are traced.
    pub traced: bool,
}

/// The `query` of a route that takes any parameter (`manager/echohttp`).
pub(super) const ANY_PARAMETER: &[&str] = &["*"];

impl RouteSpec {
    /// Whether the query parameter or form field `name` is one this route takes.
    pub fn accepts_parameter(&self, name: &str) -> bool {
        self.query == ANY_PARAMETER || self.query.contains(&name)
    }
}

pub(super) const POST: &[Method] = &[Method::POST];
pub(super) const GET: &[Method] = &[Method::GET];
pub(super) const GET_POST: &[Method] = &[Method::GET, Method::POST];
pub(super) const MANAGER: &[Method] = &[Method::GET, Method::PUT, Method::POST, Method::DELETE, Method::PATCH];

pub(super) const fn spec(
    route: Route,
    controller: &'static str,
    methods: &'static [Method],
    input: Input,
    guard: Guard,
) -> RouteSpec {
    RouteSpec {
        route,
        controller,
        methods,
        input,
        guard,
        gate: false,
        security_check: false,
        max_extra: 0,
        query: &[],
        traced: true,
    }
}

pub(super) const fn json(route: Route, controller: &'static str, guard: Guard) -> RouteSpec {
    spec(route, controller, POST, Input::Json, guard)
}

pub(super) const fn manager(
    route: Route,
    input: Input,
    max_extra: usize,
    query: &'static [&'static str],
    traced: bool,
) -> RouteSpec {
    RouteSpec {
        route,
        controller: "ManagerController",
        methods: MANAGER,
        input,
        guard: Guard::Open,
        gate: true,
        security_check: false,
        max_extra,
        query,
        traced,
    }
}

impl RouteSpec {
    /// Whether `method` is allowed (HEAD wherever GET is).
    pub fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method) || (*method == Method::HEAD && self.methods.contains(&Method::GET))
    }
    /// The `Allow` header value.
    /// (Every route uses one of the four method sets here, so the value is a constant.)
    pub fn allow_header(&self) -> &'static str {
        match self.methods {
            m if m == GET => "GET, HEAD",
            m if m == POST => "POST",
            m if m == GET_POST => "GET, POST, HEAD",
            _ => "GET, PUT, POST, DELETE, PATCH, HEAD",
        }
    }
}
