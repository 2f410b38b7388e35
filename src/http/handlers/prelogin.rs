//! `auth/prelogin` (auth.md §5.8): the login page with a one-time session id bound to the
//! user id the request asserts. Every value put in the page is HTML-escaped (pyos's
//! template rendered them as given), and a template that could not be read stops the
//! server at start instead of being shown to users as an error text.

use crate::http::context::Ctx;
use crate::http::error::ApiError;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// Serves the prelogin page.
pub async fn page(ctx: &Ctx) -> Result<Response, ApiError> {
    let (Some(prelogin), Some(page)) = (ctx.state.sessions.prelogin(), &ctx.state.prelogin_page) else {
        return Err(ApiError::bad_request(
            "prelogin service is disabled in configuration file",
        ));
    };
    if !prelogin.required(&ctx.facts) {
        ctx.state.sessions.bans().record_ip_failure(ctx.facts.client_ip).await;
        return Err(ApiError::bad_request(
            "prelogin service is denied, invalid request parameters",
        ));
    }
    let requested = ctx
        .query
        .iter()
        .find(|(key, _)| key == "userid")
        .map(|(_, value)| value.as_str());
    let userid = prelogin
        .asserted_userid(&ctx.facts, requested)
        .ok_or_else(|| ApiError::bad_request("invalid userid parameter"))?;
    let session = prelogin.open(userid).await.map_err(|error| match error {
        crate::domain::auth::PreloginError::Unavailable(error) => ApiError::unavailable("cache", error),
        invalid => ApiError::bad_request(invalid.to_string()),
    })?;
    let refresh = page.refresh_timeout.to_string();
    let html = render(
        &page.template,
        &[
            ("base_url", "../.."),
            ("loginsessionid", &session),
            ("cuid", userid),
            ("refresh_timeout", &refresh),
        ],
    );
    let mut response = crate::http::envelope::text(StatusCode::OK, html, "text/html; charset=utf-8");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    Ok(response)
}

/// Replaces `{{name}}` and `{{{name}}}` by the HTML-escaped value of `name`.
fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut html = template.to_owned();
    for (name, value) in values {
        let escaped = escape(value);
        html = html
            .replace(&format!("{{{{{{{name}}}}}}}"), &escaped)
            .replace(&format!("{{{{{name}}}}}"), &escaped);
    }
    html
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_escaped_even_in_triple_braces() {
        let html = super::render(
            "<p>{{cuid}}</p><input value=\"{{{cuid}}}\"><a href=\"{{base_url}}\">",
            &[("cuid", "<script>\"x\"</script>"), ("base_url", "../..")],
        );
        assert_eq!(
            html,
            "<p>&lt;script&gt;&quot;x&quot;&lt;/script&gt;</p><input value=\"&lt;script&gt;&quot;x&quot;&lt;/script&gt;\"><a href=\"../..\">"
        );
    }
}
