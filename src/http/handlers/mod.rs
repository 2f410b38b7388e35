//! Route handlers, one file per controller.

mod accounting;
mod auth;
mod composer;
mod containers;
mod core;
mod key;
mod logmein;
mod manager;
mod manager_ban;
mod manager_datastore;
mod manager_desktop;
mod manager_user;
mod oauth;
mod prelogin;
mod progress_stream;
mod root;
mod store;
mod user;

use super::context::Ctx;
use super::error::ApiError;
use super::routes::Route;
use warp::reply::Response;

/// Runs the handler of `route`.
pub async fn run(route: Route, ctx: &Ctx) -> Result<Response, ApiError> {
    use Route::*;
    match route {
        Healthz => Ok(root::healthz()),
        Readyz => Ok(root::readyz(ctx).await),
        Version => Ok(root::version()),
        OpenApi => Ok(crate::http::envelope::raw(&crate::http::openapi::document(&ctx.state))),
        GetAuthConfig => oauth::getauthconfig(ctx).await,
        OAuthCallback => oauth::callback(ctx).await,
        Auth => auth::auth(ctx).await,
        BuildSecret => auth::buildsecret(ctx).await,
        AutoLogin => auth::autologin(ctx).await,
        Prelogin => prelogin::page(ctx).await,
        Logmein => logmein::logmein(ctx).await,
        AuthorizedKeys => logmein::authorized_keys(ctx).await,
        Logout => auth::logout(ctx).await,
        Disconnect => Ok(auth::disconnect(ctx)),
        RefreshToken => auth::refreshtoken(ctx).await,
        Labels => Ok(auth::labels(ctx)),
        Login => auth::login(ctx).await,
        LaunchDesktop => composer::launchdesktop(ctx).await,
        GetUserAppList => composer::getuserapplist(ctx),
        RefreshDesktopToken => composer::refreshdesktoptoken(ctx).await,
        GetLogs => composer::getlogs(ctx).await,
        GetDesktopDescription => composer::getdesktopdescription(ctx).await,
        ListSecrets => composer::listsecrets(ctx).await,
        Ocrun => containers::ocrun(ctx).await,
        ListContainer => containers::listcontainer(ctx).await,
        ListApplicationsByPhase => containers::by_phase(ctx).await,
        StopContainer => containers::stopcontainer(ctx).await,
        RemoveContainer => containers::removecontainer(ctx).await,
        LogContainer => containers::logcontainer(ctx).await,
        EnvContainer => containers::envcontainer(ctx).await,
        GetKeyInfo => Ok(core::getkeyinfo(ctx)),
        GetMessageInfo => core::getmessageinfo(ctx).await,
        ProgressStream => progress_stream::progress(ctx).await,
        CoreVersion => Ok(core::version(ctx)),
        WhoAmI => user::whoami(ctx).await,
        GetLocation => user::getlocation(ctx).await,
        StoreSet => store::set(ctx).await,
        StoreGet => store::get(ctx).await,
        StoreGetCollection => store::getcollection(ctx).await,
        ManagerHealtz | ManagerHealthz => Ok(manager::healtz()),
        ManagerEchoHttp => Ok(manager::echohttp(ctx)),
        ManagerDryRunDesktop => manager::dry_run_desktop(ctx).await,
        PrometheusMetrics => {
            // The gauge is read now; a scrape still answers when the orchestrator does not.
            match ctx.state.desktops.count_desktops().await {
                Ok(count) => ctx.state.metrics.active_desktops(count),
                Err(error) => tracing::warn!(%error, "desktops not counted for /metrics"),
            }
            Ok(crate::http::envelope::text(
                warp::http::StatusCode::OK,
                ctx.state.metrics.exposition(),
                "text/plain; version=0.0.4; charset=utf-8",
            ))
        }
        ManagerImages => manager::images(ctx).await,
        ManagerImage => manager::image(ctx).await,
        ManagerBuildAppList => manager::buildapplist(ctx).await,
        ManagerPyosEndpoints => manager::pyosendpoints(ctx).await,
        ManagerDesktop => manager_desktop::desktop(ctx).await,
        ManagerGarbageCollector => manager_desktop::garbagecollector(ctx).await,
        ManagerBan => manager_ban::ban(ctx).await,
        ManagerDatastore => manager_datastore::datastore(ctx).await,
        ManagerUser => manager_user::user(ctx).await,
        ManagerUpdateActiveDirectorySite => Ok(crate::http::envelope::raw(
            &ctx.state.sessions.login_service().refresh_directory_servers().await,
        )),
        AccountingMetrics => accounting::metrics(ctx).await,
        KeyKey => key::key(ctx).await,
    }
}
