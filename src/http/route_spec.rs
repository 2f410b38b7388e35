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

/// The methods of the path with these extra segments.
pub type ShapeMethods = fn(&[String]) -> &'static [Method];

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
    /// The methods of each shape of the extra path segments, when they differ from
    /// `methods` (`manager/desktop/<name>` deletes, `manager/desktop` does not).
    pub shape_methods: Option<ShapeMethods>,
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
pub(super) const GET_DELETE: &[Method] = &[Method::GET, Method::DELETE];
pub(super) const GET_POST_DELETE: &[Method] = &[Method::GET, Method::POST, Method::DELETE];
pub(super) const GET_PUT_DELETE: &[Method] = &[Method::GET, Method::PUT, Method::DELETE];
pub(super) const GET_PATCH_DELETE: &[Method] = &[Method::GET, Method::PATCH, Method::DELETE];
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
        shape_methods: None,
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
        shape_methods: None,
    }
}

impl RouteSpec {
    /// The methods the path with these extra segments takes.
    pub fn methods_for(&self, extra: &[String]) -> &'static [Method] {
        self.shape_methods.map_or(self.methods, |shape| shape(extra))
    }
    /// Whether `method` is allowed on the path with these extra segments (HEAD wherever
    /// GET is).
    pub fn allows(&self, method: &Method, extra: &[String]) -> bool {
        let methods = self.methods_for(extra);
        methods.contains(method) || (*method == Method::HEAD && methods.contains(&Method::GET))
    }
    /// The `Allow` header value of the route's own path.
    pub fn allow_header(&self) -> &'static str {
        allow_of(self.methods)
    }
    /// The `Allow` header value of the path with these extra segments.
    pub fn allow_header_for(&self, extra: &[String]) -> &'static str {
        allow_of(self.methods_for(extra))
    }
}

/// The `Allow` value of a method set (every route uses one of the sets here, so the
/// value is a constant).
fn allow_of(methods: &[Method]) -> &'static str {
    match methods {
        m if m == GET => "GET, HEAD",
        m if m == POST => "POST",
        m if m == GET_POST => "GET, POST, HEAD",
        m if m == GET_DELETE => "GET, DELETE, HEAD",
        m if m == GET_POST_DELETE => "GET, POST, DELETE, HEAD",
        m if m == GET_PUT_DELETE => "GET, PUT, DELETE, HEAD",
        m if m == GET_PATCH_DELETE => "GET, PATCH, DELETE, HEAD",
        _ => "GET, PUT, POST, DELETE, PATCH, HEAD",
    }
}
