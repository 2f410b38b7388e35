//! The external manager's two steps: `getauthconfig` hands every OAuth provider a fresh
//! authorization URL (state and PKCE challenge remembered server-side), and
//! `GET /API/auth/oauth` redeems the state once, exchanges the code and answers pyos's
//! page that stores the user token and reloads the front end.
//!
//! abcdesktop's front end may replace `state` by base64 of the JSON desktop features it
//! wants (auth.md §5.4 step 2). The state is then carried by a cookie `getauthconfig` set
//! in the same browser (HttpOnly, SameSite=Lax, only sent to the callback), so the login
//! stays bound to the browser that started it and the PKCE verifier to its code.

use crate::domain::auth::{AuthorizationCode, LoginRequest};
use crate::http::context::Ctx;
use crate::http::envelope::raw;
use crate::http::error::ApiError;
use serde_json::Value;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// The providers for the login page, OAuth ones with a fresh `dialog_url` and `state`.
pub async fn getauthconfig(ctx: &Ctx) -> Result<Response, ApiError> {
    let managers = ctx.state.sessions.login_service().managers();
    let mut config = managers.client_config();
    if managers
        .providers()
        .any(|provider| matches!(provider.method, crate::domain::auth::ProviderMethod::OAuth { .. }))
    {
        ctx.state.oauth_states.admit(ctx.facts.client_ip)?;
    }
    let urls = ctx
        .state
        .oauth_states
        .begin_all(managers)
        .await
        .map_err(|error| ApiError::unavailable("cache", error))?;
    let providers = config["managers"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter_map(|manager| manager["providers"].as_array_mut())
        .flatten();
    for provider in providers {
        if let Some((_, url, state)) = urls.iter().find(|(name, ..)| provider["name"] == name.as_str()) {
            provider["dialog_url"] = Value::String(url.clone());
            provider["state"] = Value::String(state.clone());
        }
    }
    let mut response = raw(&config);
    for (name, url, state) in &urls {
        let Some(cookie) = state_cookie_name(name) else {
            continue;
        };
        let secure = if returns_over_https(url) { "; Secure" } else { "" };
        let value = format!(
            "{cookie}={state}; Path=/API/auth/oauth; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            crate::domain::auth::STATE_LIFETIME.as_secs()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// Whether the provider sends the browser back over https (the `redirect_uri` of the
/// authorization URL): the state cookie is then `Secure`. The callback's scheme is the
/// operator's configuration, not a header a client or proxy could write.
fn returns_over_https(authorization_url: &str) -> bool {
    let Some((_, query)) = authorization_url.split_once('?') else {
        return false;
    };
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "redirect_uri")
        .is_some_and(|(_, uri)| {
            uri.get(..8)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        })
}

/// The cookie carrying `provider`'s state; none for a name a cookie name cannot hold.
fn state_cookie_name(provider: &str) -> Option<String> {
    let plain = !provider.is_empty()
        && provider.len() <= 64
        && provider
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| format!("deskplane_oauth_{provider}"))
}

/// The value of cookie `name` in the request.
fn cookie<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.header("cookie")?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The features a front end put in place of the state: base64 (standard or URL-safe,
/// padded or not) of a JSON object.
fn features_in_state(state: &str) -> Option<Value> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    if state.len() > 4096 {
        return None;
    }
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(state).ok())?;
    serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object)
}

/// One refusal for every bad state: missing, unknown, expired, replayed or another
/// provider's (the client cannot tell them apart, nor can an attacker).
fn bad_state() -> ApiError {
    ApiError::unauthorized("invalid or expired state, please log in again")
}

/// The callback the identity provider sends the browser to.
pub async fn callback(ctx: &Ctx) -> Result<Response, ApiError> {
    let query = |name: &str| {
        ctx.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if query("error").is_some() {
        return Err(ApiError::unauthorized(
            "the identity provider did not authorize the login",
        ));
    }
    let state = query("state").unwrap_or_default();
    let redeem = |state: &str| {
        let state = state.to_owned();
        async move {
            ctx.state
                .oauth_states
                .redeem(&state)
                .await
                .map_err(|error| ApiError::unavailable("cache", error))
        }
    };
    let (pending, features) = match redeem(state).await? {
        Some(pending) => (pending, None),
        None => {
            // The front end's features in place of the state: the state is the cookie's.
            let features = features_in_state(state).ok_or_else(bad_state)?;
            let cookie = query("provider")
                .and_then(state_cookie_name)
                .and_then(|name| cookie(ctx, &name))
                .ok_or_else(bad_state)?;
            let pending = redeem(cookie).await?.ok_or_else(bad_state)?;
            (pending, super::auth::features_gate(ctx, Some(&features))?)
        }
    };
    if query("provider").is_some_and(|provider| provider != pending.provider) {
        return Err(bad_state());
    }
    let code = query("code")
        .filter(|code| !code.is_empty() && code.len() <= 4096)
        .ok_or_else(|| ApiError::unauthorized("missing code parameter"))?;
    let request = LoginRequest {
        manager: Some("external".into()),
        provider: Some(pending.provider),
        features,
        authorization: Some(AuthorizationCode {
            code: code.to_owned(),
            verifier: pending.verifier,
        }),
        ..LoginRequest::default()
    };
    let done = ctx.state.sessions.authenticate(&request, &ctx.facts).await?;
    Ok(token_page(&done.token, &ctx.state.settings.default_host_url))
}

/// A JavaScript string literal that cannot close the script element it sits in.
fn script_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
}

/// pyos's answer to a successful callback: a 200 page (not a redirect: Safari drops what
/// a redirect sets) that hands the token to the front end's `/js/jwtstorage.js`, and a
/// `Refresh` back to the front end.
pub(super) fn token_page(token: &str, default_host_url: &str) -> Response {
    let home = script_string(default_host_url);
    let body = format!(
        "<!DOCTYPE html>\n<html dir=\"ltr\" lang=\"en\">\n<head>\n<title>abcdesktop.io</title>\n\
         <link rel=\"stylesheet\" href=\"../../css/css-dist/loginScreen.css\" type=\"text/css\" />\n\
         <script type=\"text/javascript\">var jwt_user_token={}; var default_host_url={home};</script>\n\
         <script type=\"text/javascript\" src=\"/js/jwtstorage.js\"></script>\n</head>\n\
         <body><div id=\"loginScreen\">Reloading</div></body>\n</html>\n",
        script_string(token)
    );
    let mut response = crate::http::envelope::text(StatusCode::OK, body, "text/html;charset=utf-8");
    let refresh = format!("5; url={default_host_url}");
    if let Ok(value) = HeaderValue::from_str(&refresh) {
        response.headers_mut().insert(header::REFRESH, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_strings_cannot_close_the_script() {
        let literal = super::script_string("https://desk.example/</script><script>alert(1)//\"");
        assert!(!literal.contains('<'), "{literal}");
        assert_eq!(
            serde_json::from_str::<String>(&literal).unwrap(),
            "https://desk.example/</script><script>alert(1)//\""
        );
    }

    #[test]
    fn the_state_cookie_is_secure_when_the_callback_is_https() {
        let url = |redirect: &str| {
            format!(
                "https://idp.example/authorize?client_id=d&{}&state=s",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("redirect_uri", redirect)
                    .finish()
            )
        };
        assert!(super::returns_over_https(&url(
            "https://desk.example/API/auth/oauth?manager=external"
        )));
        assert!(super::returns_over_https(&url("HTTPS://desk.example/API/auth/oauth")));
        assert!(!super::returns_over_https(&url("http://localhost:8000/API/auth/oauth")));
        assert!(!super::returns_over_https("https://idp.example/authorize"));
        assert!(!super::returns_over_https(
            "https://idp.example/authorize?next=https://x"
        ));
    }
}
