//! Authentication and the route policy, applied to every request before it
//! reaches a handler: the token (bearer header or session cookie) becomes a
//! `Caller`, and the policy table decides whether the caller may go on.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use ipnet::IpNet;

use crate::context::AppContext;
use crate::domain::Caller;
use crate::error::{ApiError, problem_response};
use crate::i18n::Text;
use crate::routes::policy::{self, Decision};
use crate::services::sessions;

/// The cookie that carries a web session's token.
pub const SESSION_COOKIE: &str = "huzhu_session";
/// The header that carries the session's CSRF token on API calls made with
/// the cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn refuse(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

/// Resolves the caller and applies the policy table.
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(ctx) = req.app_data::<web::Data<AppContext>>().cloned() else {
        return Ok(refuse(
            req,
            ApiError::Internal(anyhow::anyhow!("no application context")),
        ));
    };
    let token = match bearer(&req) {
        Some(t) => Some((t, false)),
        None => req
            .cookie(SESSION_COOKIE)
            .map(|c| (c.value().to_owned(), true)),
    };
    let caller = match token {
        Some((t, via_cookie)) => match sessions::authenticate(&ctx.db, &t, via_cookie).await {
            Ok(caller) => caller,
            Err(e) => return Ok(refuse(req, e.into())),
        },
        None => None,
    };
    match policy::decide(req.method(), req.path()) {
        Decision::Unknown => return Ok(refuse(req, ApiError::NotFound)),
        Decision::OtherMethod => {}
        Decision::Rule(allow) => {
            if !allow.permits(caller.as_ref().map(|c| c.role)) {
                let err = if caller.is_some() {
                    policy::refusal(req.method(), req.path())
                        .map_or(ApiError::Forbidden, ApiError::Refused)
                } else {
                    ApiError::Unauthorized
                };
                return Ok(refuse(req, err));
            }
        }
    }
    if let Some(caller) = &caller
        && caller.is_staff_without_region()
        && policy::needs_region(req.method(), req.path())
    {
        // Fail closed: every list filters by the caller's region, and no
        // region would mean no filter. The account needs an admin's fix.
        // No id in the log (personal data); `huzhu` admins find such
        // accounts by their empty or malformed region.
        tracing::warn!("a cadre or coordinator without a readable region was refused");
        let why = Text::fixed(
            "您的账号没有有效的负责地区，请联系管理员设置",
            "Your account has no valid region; ask an administrator to set it",
        );
        return Ok(req.into_response(problem_response(StatusCode::FORBIDDEN, Some(&why), &[])));
    }
    if let Some(caller) = caller {
        // A cookie is sent by the browser on its own: API writes made with it
        // must prove they come from our pages. Pages check their forms.
        let api = req.path().starts_with("/api/");
        if caller.via_cookie && api && is_unsafe(req.method()) {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(caller.csrf_token.as_str()) {
                return Ok(refuse(req, ApiError::Forbidden));
            }
        }
        // A page session speaks its account's language (the one its emails
        // come in); API clients keep choosing theirs by `Accept-Language`.
        let locale = caller.via_cookie.then_some(caller.locale);
        req.extensions_mut().insert(caller);
        if let Some(locale) = locale {
            return crate::i18n::with_locale(locale, next.call(req))
                .await
                .map(ServiceResponse::map_into_boxed_body);
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// The caller when logged in, for routes open to anyone.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.extensions().get::<Caller>().cloned())))
    }
}

/// The client's address, for throttling: the TCP peer, unless the peer is
/// one of `HUZHU_TRUSTED_PROXIES`; then what the proxies said in
/// `X-Forwarded-For` (see [`client_address`]).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_owned();
    };
    let trusted = req
        .app_data::<web::Data<AppContext>>()
        .map(|ctx| ctx.settings.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    client_address(peer, forwarded, trusted).to_string()
}

/// The client behind `peer`. Each proxy appends the address it was
/// connected from to `X-Forwarded-For`, so reading from the right, every
/// address is believed as long as the one who wrote it is a trusted proxy:
/// the right-most address that is not itself trusted is the client. What
/// lies further left was written by the client and is never believed.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    for hop in hops.into_iter().rev() {
        // Not an address: the last proxy we believe is the client we know.
        let Some(ip) = hop_address(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("CIDR")).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn the_client_is_the_right_most_address_not_written_by_the_client() {
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8", "2001:db8:1::/48"]);
        let cases: &[(&str, &[&str], &str)] = &[
            // An untrusted peer is the client, whatever it says.
            ("198.51.100.7", &["203.0.113.1"], "198.51.100.7"),
            // A trusted peer without the header is the client.
            ("127.0.0.1", &[], "127.0.0.1"),
            ("127.0.0.1", &["203.0.113.1"], "203.0.113.1"),
            // Spoofed entries on the left are skipped over.
            ("127.0.0.1", &["1.1.1.1, 203.0.113.1"], "203.0.113.1"),
            // Chains of trusted proxies, in one header or several.
            (
                "127.0.0.1",
                &["203.0.113.1, 10.0.0.2, 10.0.0.3"],
                "203.0.113.1",
            ),
            (
                "127.0.0.1",
                &["1.1.1.1, 203.0.113.1", "10.0.0.2"],
                "203.0.113.1",
            ),
            // Ports, IPv6 and IPv4-mapped IPv6.
            ("127.0.0.1", &["203.0.113.1:4711"], "203.0.113.1"),
            ("127.0.0.1", &["[2001:db8:2::5]:443"], "2001:db8:2::5"),
            ("::ffff:127.0.0.1", &["::ffff:203.0.113.1"], "203.0.113.1"),
            ("2001:db8:1::1", &["2001:db8:2::5"], "2001:db8:2::5"),
            // Garbage behind a trusted proxy: that proxy is as far as we know.
            ("127.0.0.1", &["nonsense, 10.0.0.2"], "10.0.0.2"),
            ("127.0.0.1", &["nonsense"], "127.0.0.1"),
            // Only trusted addresses: the furthest one.
            ("127.0.0.1", &["10.0.0.1, 10.0.0.2"], "10.0.0.1"),
        ];
        for (peer, headers, client) in cases {
            let got = client_address(ip(peer), headers.iter().copied(), &trusted);
            assert_eq!(got, ip(client), "{peer} {headers:?}");
        }
    }

    #[test]
    fn nothing_is_believed_without_trusted_proxies() {
        let got = client_address(ip("127.0.0.1"), ["203.0.113.1"].into_iter(), &[]);
        assert_eq!(got, ip("127.0.0.1"));
    }
}
