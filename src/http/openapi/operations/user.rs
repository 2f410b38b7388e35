//! The operations of the public and user routes (`/API`, `auth`, `composer`, `core`,
//! `user`, `store`).

use super::super::schemas;
use super::{Answer, GET, GET_POST, HTML, Offered, Operation, POST};
use crate::http::routes::Route;

/// The operations of the public and user routes.
pub(super) fn user_operations(offered: &Offered) -> Vec<Operation> {
    use Route::*;
    let envelope = |route, path, summary| Operation::new(route, path, POST, Answer::Envelope, summary);
    let mut ops = vec![
        Operation::new(Healthz, "/API/healthz", GET_POST, HTML, "liveness: `OK`"),
        Operation::new(
            Readyz,
            "/API/readyz",
            GET,
            Answer::Json,
            "readiness of every data backend",
        ),
        Operation::new(
            Version,
            "/API/version",
            GET,
            Answer::Json,
            "build date and commit (null)",
        ),
        Operation::new(OpenApi, "/API/openapi", GET, Answer::Json, "this document"),
        Operation::new(
            GetAuthConfig,
            "/API/auth/getauthconfig",
            POST,
            Answer::Json,
            "login providers",
        )
        .body(schemas::any_json()),
        envelope(Auth, "/API/auth/auth", "log in").body(schemas::login(&offered.providers)),
        envelope(Logout, "/API/auth/logout", "remove the desktop and log out")
            .body(schemas::any_json())
            .text_query(&["redirect_uri"]),
        envelope(Disconnect, "/API/auth/disconnect", "log out, keep the desktop").body(schemas::any_json()),
        envelope(RefreshToken, "/API/auth/refreshtoken", "a new user token").body(schemas::any_json()),
        envelope(Labels, "/API/auth/labels", "the caller's labels").body(schemas::any_json()),
        envelope(Login, "/API/auth/login", "launch from the login page").body(schemas::login_launch()),
        envelope(
            BuildSecret,
            "/API/auth/buildsecret",
            "become the approved explicit provider's user",
        )
        .body(schemas::build_secret()),
        envelope(
            LaunchDesktop,
            "/API/composer/launchdesktop",
            "create or resume the desktop",
        )
        .body(schemas::any_object()),
        envelope(Ocrun, "/API/composer/ocrun", "start an application").body(schemas::run_application()),
        envelope(
            GetUserAppList,
            "/API/composer/getuserapplist",
            "applications the caller may run",
        )
        .body(schemas::any_json()),
        envelope(
            RefreshDesktopToken,
            "/API/composer/refreshdesktoptoken",
            "a new desktop token",
        )
        .body(schemas::any_json()),
        envelope(
            ListContainer,
            "/API/composer/listcontainer",
            "the caller's applications",
        )
        .body(schemas::any_json()),
        envelope(GetLogs, "/API/composer/getlogs", "the desktop's log").body(schemas::any_json()),
        envelope(
            GetDesktopDescription,
            "/API/composer/getdesktopdescription",
            "network description",
        )
        .body(schemas::any_json()),
        envelope(ListSecrets, "/API/composer/listsecrets", "the caller's secret types").body(schemas::any_json()),
        Operation::new(
            ListApplicationsByPhase,
            "/API/composer/list_applications_by_phase",
            POST,
            Answer::Json,
            "the caller's applications in one phase",
        )
        .body(schemas::by_phase()),
        Operation::new(
            GetKeyInfo,
            "/API/core/getkeyinfo",
            POST,
            Answer::Json,
            "front-end settings",
        )
        .body(schemas::key_info()),
        Operation::new(
            GetMessageInfo,
            "/API/core/getmessageinfo",
            POST,
            Answer::Media(&["application/json", "text/plain;charset=utf-8"]),
            "the next launch progress message",
        )
        .body(schemas::any_json()),
        Operation::new(
            ProgressStream,
            "/API/core/progress",
            GET,
            Answer::Media(&["text/event-stream"]),
            "launch progress as Server-Sent Events",
        ),
        Operation::new(CoreVersion, "/API/core/version", POST, Answer::Json, "the version"),
        Operation::new(WhoAmI, "/API/user/whoami", POST, Answer::Json, "who the caller is").body(schemas::any_json()),
        envelope(
            GetLocation,
            "/API/user/getlocation",
            "where the caller and the server are",
        )
        .body(schemas::any_json()),
        envelope(StoreSet, "/API/store/set", "store one setting").body(schemas::store_set()),
        envelope(StoreGet, "/API/store/get", "read one setting").body(schemas::store_get()),
        envelope(
            StoreGetCollection,
            "/API/store/getcollection",
            "the caller's login history",
        )
        .body(schemas::store_collection()),
    ];
    for (route, path, summary) in [
        (StopContainer, "/API/composer/stopcontainer", "stop an application"),
        (
            RemoveContainer,
            "/API/composer/removecontainer",
            "remove an application",
        ),
        (LogContainer, "/API/composer/logcontainer", "an application's log"),
        (
            EnvContainer,
            "/API/composer/envcontainer",
            "an application's environment",
        ),
    ] {
        ops.push(envelope(route, path, summary).body(schemas::application_ref()));
    }
    if offered.oauth {
        ops.push(
            Operation::new(
                OAuthCallback,
                "/API/auth/oauth",
                GET,
                HTML,
                "the identity provider's redirect",
            )
            .text_query(crate::http::routes::find("auth", "oauth").map_or(&[], |spec| spec.query)),
        );
    }
    if offered.autologin {
        ops.push(
            Operation::new(AutoLogin, "/API/auth/autologin", GET, HTML, "form login")
                .text_query(&["login", "provider", "password"]),
        );
        ops.push(Operation::new(AutoLogin, "/API/auth/autologin", POST, HTML, "form login").form());
    }
    if offered.prelogin {
        ops.push(
            Operation::new(Prelogin, "/API/auth/prelogin", GET_POST, HTML, "the prelogin page").text_query(&["userid"]),
        );
    }
    if offered.logmein {
        ops.push(
            Operation::new(
                Logmein,
                "/API/auth/logmein",
                GET_POST,
                Answer::Media(&["text/html;charset=utf-8", "application/json", "text/text;charset=utf-8"]),
                "log in the user a TLS proxy vouches for",
            )
            .text_query(&["provider", "userid"]),
        );
    }
    ops
}
