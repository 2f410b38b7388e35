//! The static route registry: pyos's paths under `/API`, their methods, input and guards.

use super::route_spec::{
    ANY_PARAMETER, GET, GET_DELETE, GET_POST, GET_POST_DELETE, GET_PUT_DELETE, POST, json, manager, spec,
};
pub use super::route_spec::{Guard, Input, RouteSpec};

/// Every route deskplane serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Route {
    Healthz,
    Readyz,
    Version,
    OpenApi,
    GetAuthConfig,
    OAuthCallback,
    Auth,
    Logout,
    Disconnect,
    RefreshToken,
    Labels,
    Login,
    BuildSecret,
    AutoLogin,
    Prelogin,
    Logmein,
    AuthorizedKeys,
    LaunchDesktop,
    Ocrun,
    GetUserAppList,
    RefreshDesktopToken,
    ListContainer,
    StopContainer,
    RemoveContainer,
    LogContainer,
    EnvContainer,
    GetLogs,
    GetDesktopDescription,
    ListSecrets,
    ListApplicationsByPhase,
    GetKeyInfo,
    GetMessageInfo,
    ProgressStream,
    CoreVersion,
    WhoAmI,
    GetLocation,
    StoreSet,
    StoreGet,
    StoreGetCollection,
    ManagerHealtz,
    ManagerHealthz,
    ManagerImages,
    ManagerImage,
    ManagerDesktop,
    ManagerBan,
    ManagerDatastore,
    ManagerUser,
    ManagerUpdateActiveDirectorySite,
    ManagerGarbageCollector,
    ManagerBuildAppList,
    ManagerEchoHttp,
    ManagerPyosEndpoints,
    ManagerDryRunDesktop,
    AccountingMetrics,
    KeyKey,
    PrometheusMetrics,
}

const AUTH: &str = "AuthController";
const COMPOSER: &str = "ComposerController";

/// Every route as (controller segment, route name), in pyos's order.
pub const ALL: [(&str, &str); 55] = [
    ("", "healthz"),
    ("", "readyz"),
    ("", "version"),
    ("", "openapi"),
    ("auth", "getauthconfig"),
    ("auth", "oauth"),
    ("auth", "auth"),
    ("auth", "logout"),
    ("auth", "disconnect"),
    ("auth", "refreshtoken"),
    ("auth", "labels"),
    ("auth", "login"),
    ("auth", "buildsecret"),
    ("auth", "autologin"),
    ("auth", "prelogin"),
    ("auth", "logmein"),
    ("auth", "authorizedkeys"),
    ("composer", "launchdesktop"),
    ("composer", "ocrun"),
    ("composer", "getuserapplist"),
    ("composer", "refreshdesktoptoken"),
    ("composer", "listcontainer"),
    ("composer", "stopcontainer"),
    ("composer", "removecontainer"),
    ("composer", "logcontainer"),
    ("composer", "envcontainer"),
    ("composer", "getlogs"),
    ("composer", "getdesktopdescription"),
    ("composer", "listsecrets"),
    ("composer", "list_applications_by_phase"),
    ("core", "getkeyinfo"),
    ("core", "getmessageinfo"),
    ("core", "progress"),
    ("core", "version"),
    ("user", "whoami"),
    ("user", "getlocation"),
    ("store", "set"),
    ("store", "get"),
    ("store", "getcollection"),
    ("manager", "healtz"),
    ("manager", "healthz"),
    ("manager", "images"),
    ("manager", "image"),
    ("manager", "desktop"),
    ("manager", "ban"),
    ("manager", "datastore"),
    ("manager", "user"),
    ("manager", "updateactivedirectorysite"),
    ("manager", "garbagecollector"),
    ("manager", "buildapplist"),
    ("manager", "echohttp"),
    ("manager", "pyosendpoints"),
    ("manager", "dry_run_desktop"),
    ("accounting", "metrics"),
    ("key", "key"),
];

mod naming;
pub use naming::{label, required_scope};

/// The controller segment `GET /metrics` is looked up under (no path segment can be it).
pub const PROMETHEUS_CONTROLLER: &str = "/";

/// Looks a route up by controller segment and method name (punctuation already mapped to `_`).
pub fn find(controller: &str, name: &str) -> Option<&'static RouteSpec> {
    use Guard::{Open, Soft, Tool, Validate};
    use Route::*;
    static HEALTHZ: RouteSpec = RouteSpec {
        traced: false,
        ..spec(Healthz, "", GET_POST, Input::None, Open)
    };
    static READYZ: RouteSpec = RouteSpec {
        traced: false,
        ..spec(Readyz, "", GET, Input::None, Open)
    };
    static VERSION: RouteSpec = spec(Version, "", GET, Input::None, Open);
    static OPENAPI: RouteSpec = spec(OpenApi, "", GET, Input::None, Open);
    static GETAUTHCONFIG: RouteSpec = json(GetAuthConfig, AUTH, Open);
    // The identity provider's redirect: its parameters, and the ones some providers add.
    static OAUTH: RouteSpec = RouteSpec {
        security_check: true,
        query: &[
            "manager",
            "provider",
            "code",
            "state",
            "scope",
            "session_state",
            "iss",
            "error",
            "error_description",
            "error_uri",
            "authuser",
            "prompt",
            "hd",
        ],
        ..spec(OAuthCallback, AUTH, GET, Input::None, Open)
    };
    static AUTH_AUTH: RouteSpec = RouteSpec {
        security_check: true,
        ..json(Auth, AUTH, Open)
    };
    static LOGOUT: RouteSpec = RouteSpec {
        max_extra: 1,
        query: &["redirect_uri"],
        ..json(Logout, AUTH, Soft)
    };
    static DISCONNECT: RouteSpec = json(Disconnect, AUTH, Soft);
    static REFRESHTOKEN: RouteSpec = json(RefreshToken, AUTH, Validate);
    static LABELS: RouteSpec = json(Labels, AUTH, Soft);
    static LOGIN: RouteSpec = json(Login, AUTH, Validate);
    static BUILDSECRET: RouteSpec = json(BuildSecret, AUTH, Validate);
    // A password in a form: never traced (the trace log writes bodies).
    static AUTOLOGIN: RouteSpec = RouteSpec {
        security_check: true,
        traced: false,
        query: &["login", "provider", "password"],
        ..spec(AutoLogin, AUTH, GET_POST, Input::Form, Open)
    };
    static PRELOGIN: RouteSpec = RouteSpec {
        security_check: true,
        query: &["userid"],
        ..spec(Prelogin, AUTH, GET_POST, Input::None, Open)
    };
    static LOGMEIN: RouteSpec = RouteSpec {
        security_check: true,
        query: &["provider", "userid"],
        ..spec(Logmein, AUTH, GET_POST, Input::None, Open)
    };
    // pyos listed every certificate user's key to anyone; here the operator API's gate
    // (loopback and private networks by default) guards it.
    static AUTHORIZEDKEYS: RouteSpec = RouteSpec {
        gate: true,
        security_check: true,
        ..spec(AuthorizedKeys, "ManagerController", GET, Input::None, Open)
    };
    static LAUNCHDESKTOP: RouteSpec = json(LaunchDesktop, COMPOSER, Tool);
    static OCRUN: RouteSpec = json(Ocrun, COMPOSER, Tool);
    static GETUSERAPPLIST: RouteSpec = json(GetUserAppList, COMPOSER, Tool);
    static REFRESHDESKTOPTOKEN: RouteSpec = json(RefreshDesktopToken, COMPOSER, Tool);
    static LISTCONTAINER: RouteSpec = json(ListContainer, COMPOSER, Tool);
    static STOPCONTAINER: RouteSpec = json(StopContainer, COMPOSER, Tool);
    static REMOVECONTAINER: RouteSpec = json(RemoveContainer, COMPOSER, Tool);
    static LOGCONTAINER: RouteSpec = json(LogContainer, COMPOSER, Tool);
    static ENVCONTAINER: RouteSpec = json(EnvContainer, COMPOSER, Tool);
    static GETLOGS: RouteSpec = json(GetLogs, COMPOSER, Tool);
    static GETDESKTOPDESCRIPTION: RouteSpec = RouteSpec {
        gate: true,
        security_check: true,
        ..json(GetDesktopDescription, COMPOSER, Tool)
    };
    static LISTSECRETS: RouteSpec = json(ListSecrets, COMPOSER, Tool);
    static BYPHASE: RouteSpec = json(ListApplicationsByPhase, COMPOSER, Tool);
    static GETKEYINFO: RouteSpec = json(GetKeyInfo, "CoreController", Open);
    static GETMESSAGEINFO: RouteSpec = json(GetMessageInfo, "CoreController", Validate);
    // Server-Sent Events: a long answer, not traced.
    static PROGRESS: RouteSpec = RouteSpec {
        traced: false,
        ..spec(ProgressStream, "CoreController", GET, Input::None, Validate)
    };
    static COREVERSION: RouteSpec = spec(CoreVersion, "CoreController", POST, Input::None, Validate);
    static WHOAMI: RouteSpec = RouteSpec {
        security_check: true,
        ..json(WhoAmI, "UserController", Soft)
    };
    static GETLOCATION: RouteSpec = json(GetLocation, "UserController", Validate);
    static STORESET: RouteSpec = json(StoreSet, "StoreController", Tool);
    static STOREGET: RouteSpec = json(StoreGet, "StoreController", Tool);
    static STOREGETCOLLECTION: RouteSpec = json(StoreGetCollection, "StoreController", Tool);
    static HEALTZ: RouteSpec = manager(ManagerHealtz, Input::None, 0, &[], false);
    static MHEALTHZ: RouteSpec = manager(ManagerHealthz, Input::None, 0, &[], false);
    // The methods each route serves (pyos took any and answered the others 400 or null).
    static IMAGES: RouteSpec = RouteSpec {
        methods: GET_DELETE,
        ..manager(ManagerImages, Input::None, 0, &[], true)
    };
    static IMAGE: RouteSpec = RouteSpec {
        shape_methods: Some(shapes::image),
        ..manager(ManagerImage, Input::Json, 1, &["image", "node"], true)
    };
    static DESKTOP: RouteSpec = RouteSpec {
        methods: GET_DELETE,
        shape_methods: Some(shapes::desktop),
        ..manager(ManagerDesktop, Input::None, usize::MAX, &[], true)
    };
    static BAN: RouteSpec = RouteSpec {
        methods: GET_POST_DELETE,
        shape_methods: Some(shapes::ban),
        ..manager(ManagerBan, Input::None, usize::MAX, &[], true)
    };
    // pyos's paths, plus deskplane's paging of reads.
    // deskplane's own: one user's login and desktop history (`deskplane admin users show`).
    static USER: RouteSpec = RouteSpec {
        methods: GET,
        ..manager(ManagerUser, Input::None, 1, &["userid", "provider", "limit"], true)
    };
    // Looks for the Active Directory controllers again; not traced, as in pyos.
    static UPDATEADSITE: RouteSpec = manager(ManagerUpdateActiveDirectorySite, Input::None, 0, &[], false);
    static DATASTORE: RouteSpec = RouteSpec {
        methods: GET_PUT_DELETE,
        shape_methods: Some(shapes::datastore),
        ..manager(ManagerDatastore, Input::Json, usize::MAX, &["skip", "limit"], true)
    };
    static GC: RouteSpec = manager(
        ManagerGarbageCollector,
        Input::None,
        1,
        &["expirein", "nodename", "force", "snaphot", "snapshot"],
        false,
    );
    static BUILDAPPLIST: RouteSpec = manager(ManagerBuildAppList, Input::None, 0, &[], false);
    static PYOSENDPOINTS: RouteSpec = manager(ManagerPyosEndpoints, Input::None, 0, &[], true);
    // The answer is a JWT: not traced, so no token reaches the log.
    static KEY: RouteSpec = RouteSpec {
        controller: "KeyController",
        methods: GET,
        query: &["format", "length"],
        traced: false,
        ..manager(KeyKey, Input::None, 0, &[], false)
    };
    // The one manager route a user calls, with their own token, outside the gate.
    static DRYRUNDESKTOP: RouteSpec = RouteSpec {
        guard: Validate,
        gate: false,
        ..manager(ManagerDryRunDesktop, Input::None, 0, &[], false)
    };
    // pyos's request mirror: GET or POST, any parameter, its form fields too.
    static ECHOHTTP: RouteSpec = RouteSpec {
        methods: GET_POST,
        ..manager(ManagerEchoHttp, Input::Form, 0, ANY_PARAMETER, false)
    };
    // `GET /metrics` (outside /API, as scrapers expect), behind MetricsController's gate.
    static PROMETHEUS: RouteSpec = RouteSpec {
        controller: "MetricsController",
        methods: GET,
        traced: false,
        ..manager(PrometheusMetrics, Input::None, 0, &[], false)
    };
    static METRICS: RouteSpec = RouteSpec {
        controller: "AccountingController",
        methods: GET,
        max_extra: 1,
        query: &["format"],
        traced: false,
        ..manager(AccountingMetrics, Input::None, 1, &[], false)
    };
    Some(match (controller, name) {
        ("", "healthz") => &HEALTHZ,
        ("", "readyz") => &READYZ,
        ("", "version") => &VERSION,
        ("", "openapi") => &OPENAPI,
        ("auth", "getauthconfig") => &GETAUTHCONFIG,
        ("auth", "oauth") => &OAUTH,
        ("auth", "auth") => &AUTH_AUTH,
        ("auth", "logout") => &LOGOUT,
        ("auth", "disconnect") => &DISCONNECT,
        ("auth", "refreshtoken") => &REFRESHTOKEN,
        ("auth", "labels") => &LABELS,
        ("auth", "login") => &LOGIN,
        ("auth", "buildsecret") => &BUILDSECRET,
        ("auth", "autologin") => &AUTOLOGIN,
        ("auth", "prelogin") => &PRELOGIN,
        ("auth", "logmein") => &LOGMEIN,
        ("auth", "authorizedkeys") => &AUTHORIZEDKEYS,
        ("composer", "launchdesktop") => &LAUNCHDESKTOP,
        ("composer", "ocrun") => &OCRUN,
        ("composer", "getuserapplist") => &GETUSERAPPLIST,
        ("composer", "refreshdesktoptoken") => &REFRESHDESKTOPTOKEN,
        ("composer", "listcontainer") => &LISTCONTAINER,
        ("composer", "stopcontainer") => &STOPCONTAINER,
        ("composer", "removecontainer") => &REMOVECONTAINER,
        ("composer", "logcontainer") => &LOGCONTAINER,
        ("composer", "envcontainer") => &ENVCONTAINER,
        ("composer", "getlogs") => &GETLOGS,
        ("composer", "getdesktopdescription") => &GETDESKTOPDESCRIPTION,
        ("composer", "listsecrets") => &LISTSECRETS,
        ("composer", "list_applications_by_phase") => &BYPHASE,
        ("core", "getkeyinfo") => &GETKEYINFO,
        ("core", "getmessageinfo") => &GETMESSAGEINFO,
        ("core", "progress") => &PROGRESS,
        ("core", "version") => &COREVERSION,
        ("user", "whoami") => &WHOAMI,
        ("user", "getlocation") => &GETLOCATION,
        ("store", "set") => &STORESET,
        ("store", "get") => &STOREGET,
        ("store", "getcollection") => &STOREGETCOLLECTION,
        ("manager", "healtz") => &HEALTZ,
        ("manager", "healthz") => &MHEALTHZ,
        ("manager", "images") => &IMAGES,
        ("manager", "image") => &IMAGE,
        ("manager", "desktop") => &DESKTOP,
        ("manager", "ban") => &BAN,
        ("manager", "datastore") => &DATASTORE,
        ("manager", "user") => &USER,
        ("manager", "updateactivedirectorysite") => &UPDATEADSITE,
        ("manager", "garbagecollector") => &GC,
        ("manager", "buildapplist") => &BUILDAPPLIST,
        ("manager", "echohttp") => &ECHOHTTP,
        ("manager", "pyosendpoints") => &PYOSENDPOINTS,
        ("manager", "dry_run_desktop") => &DRYRUNDESKTOP,
        (PROMETHEUS_CONTROLLER, "metrics") => &PROMETHEUS,
        ("accounting", "metrics") => &METRICS,
        ("key", "key") => &KEY,
        _ => return None,
    })
}

/// The methods of each path shape of the routes whose extra segments name things.
mod shapes;

#[cfg(test)]
mod tests;
