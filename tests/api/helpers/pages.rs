//! The pages as a browser without script uses them: a session cookie from
//! the login form, pages fetched with it, forms posted with the session's
//! CSRF token, and a form's redirect followed with its flash message.

use serde_json::Value;

use super::{SmtpSink, TestApp, TestUser};

/// The value of the cookie `name` that `response` sets, and its whole
/// `Set-Cookie` header (to read its attributes).
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let text = v.to_str().ok()?.to_owned();
            let value = text
                .strip_prefix(&format!("{name}="))?
                .split(';')
                .next()?
                .to_owned();
            Some((value, text))
        })
}

/// The form token in a page's hidden `csrf_token` field.
pub fn hidden_csrf(html: &str) -> String {
    let field = "name=\"csrf_token\" value=\"";
    let start = html.find(field).expect("a CSRF field") + field.len();
    html[start..].chars().take_while(|c| *c != '"').collect()
}

/// HTML with the entities the templates write put back (minijinja writes
/// `/` as `&#x2f;` in attributes), so that tests look for links, form
/// actions and text as a browser reads them.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A good `form` with `changes` over it: a changed field replaces every
/// value of its name, and the value `<none>` leaves the field out.
pub fn with_changes<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (key, _) in changes {
        form.retain(|(k, _)| k != key);
    }
    form.extend_from_slice(changes);
    form.retain(|(_, v)| *v != "<none>");
    form
}

/// The message shown beside the form field `name`, if any.
pub fn error_beside(html: &str, name: &str) -> Option<String> {
    let marker = format!("<p class=\"field-error\" id=\"e-{name}\">");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split("</p>").next()?.to_owned())
}

/// The `id` of a JSON answer.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Loads regions from a small CSV (`code,name,level,parent_code,lat,lon`),
/// as `huzhu regions load` does.
pub async fn load_regions(app: &TestApp, csv: &str) {
    huzhu::services::regions::load_csv(&app.context.db, csv.as_bytes())
        .await
        .expect("regions load");
}

/// Logs in through the login form, as a browser does, and returns the
/// session cookie's value. Checks that the form's token is its cookie's,
/// and that the session cookie is `HttpOnly`, `SameSite=Lax` and, over
/// plain http, not `Secure`.
pub async fn login_with_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let form = app.get("/login").await;
    let (csrf_cookie, _) = set_cookie(&form, "huzhu_csrf").expect("a CSRF cookie");
    let csrf = hidden_csrf(&form.text().await.expect("HTML"));
    assert_eq!(csrf, csrf_cookie);
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("huzhu_csrf={csrf_cookie}"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 303);
    let (session, attributes) = set_cookie(&response, "huzhu_session").expect("a session cookie");
    assert!(attributes.contains("HttpOnly"), "{attributes}");
    assert!(attributes.contains("SameSite=Lax"), "{attributes}");
    assert!(
        !attributes.contains("Secure"),
        "plain http is not Secure: {attributes}"
    );
    session
}

/// An answer as a browser gets it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    /// Where a redirect points.
    pub location: Option<String>,
    /// The flash cookie it sets (`huzhu_flash=…`), for the page it
    /// redirects to.
    pub flash: Option<String>,
    /// The body, [`unescape`]d.
    pub html: String,
}

impl Page {
    pub async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let flash = set_cookie(&response, "huzhu_flash").map(|(v, _)| format!("huzhu_flash={v}"));
        let html = unescape(&response.text().await.expect("a body"));
        Self {
            status,
            location,
            flash,
            html,
        }
    }

    /// Checks that this is a redirect to `path` (a form that went through).
    pub fn assert_redirects_to(&self, path: &str) {
        assert_eq!(
            (self.status, self.location.as_deref()),
            (303, Some(path)),
            "{}",
            self.html
        );
    }
}

/// GETs `path` with the `Cookie` header `cookie`.
pub async fn get_page(app: &TestApp, cookie: &str, path: &str) -> Page {
    let response = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("sent");
    Page::read(response).await
}

/// A person logged in twice: a bearer token for the API, and a session
/// cookie with its form token for the pages.
pub struct LoggedIn {
    pub user: TestUser,
    pub token: String,
    /// `huzhu_session=…`, for a `Cookie` header.
    pub cookie: String,
    /// The session's form token.
    pub csrf: String,
}

impl LoggedIn {
    /// Logs `user` in to the API and through the login form.
    pub async fn new(app: &TestApp, user: TestUser) -> Self {
        let token = app.login(&user).await;
        let session = login_with_cookie(app, &user.email, &user.password).await;
        let cookie = format!("huzhu_session={session}");
        // Every page's layout carries the session's form token; this one
        // renders for every role and changes nothing (a cadre's home, the
        // work list, counts as a visit).
        let csrf = hidden_csrf(&get_page(app, &cookie, "/forgot").await.html);
        Self {
            user,
            token,
            cookie,
            csrf,
        }
    }

    /// GETs `path` in this session.
    pub async fn get(&self, app: &TestApp, path: &str) -> Page {
        get_page(app, &self.cookie, path).await
    }

    /// Posts the form `fields` to `path` in this session, with its form
    /// token unless `fields` holds a `csrf_token` of its own.
    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = fields.to_vec();
        if !form.iter().any(|(k, _)| *k == "csrf_token") {
            form.push(("csrf_token", &self.csrf));
        }
        let response = app
            .client
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .expect("sent");
        Page::read(response).await
    }

    /// Posts a file as a page's upload form does (`multipart/form-data`):
    /// the text `fields` first — with this session's form token unless they
    /// hold their own — then the file as the field `file`.
    pub async fn upload(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        (file_name, bytes): (&str, &[u8]),
    ) -> Page {
        let mut fields = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf_token") {
            fields.insert(0, ("csrf_token", &self.csrf));
        }
        let request = app
            .client
            .post(app.url(path))
            .header("cookie", &self.cookie);
        let response = super::multipart::with_file(request, &fields, file_name, bytes)
            .send()
            .await
            .expect("sent");
        Page::read(response).await
    }

    /// Follows a form's redirect as a browser does, with the flash cookie
    /// it set; the page it lands on, which must be there.
    pub async fn follow(&self, app: &TestApp, answer: &Page) -> Page {
        assert_eq!(answer.status, 303, "a form redirects: {}", answer.html);
        let to = answer.location.as_deref().expect("a redirect's location");
        let cookie = match &answer.flash {
            Some(flash) => format!("{}; {flash}", self.cookie),
            None => self.cookie.clone(),
        };
        let page = get_page(app, &cookie, to).await;
        assert_eq!(page.status, 200, "{to}");
        page
    }
}

/// The plain text of the `count`-th email to `to`, waiting for it.
pub async fn mail_text(sink: &SmtpSink, to: &str, count: usize) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mails: Vec<super::smtp::ReceivedMail> = sink
            .received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect();
        if mails.len() >= count {
            let parsed = mail_parser::MessageParser::default()
                .parse(&mails[count - 1].data)
                .expect("MIME");
            return parsed.body_text(0).expect("text").replace("\r\n", "\n");
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "email {count} to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// The path (and query) of the first link in `text` that holds `part`.
pub fn link_path(app: &TestApp, text: &str, part: &str) -> String {
    let base = app.context.public_url.as_str().trim_end_matches('/');
    let at = text
        .find(part)
        .unwrap_or_else(|| panic!("{part} in {text}"));
    let start = text[..at].rfind(base).expect("the link's start") + base.len();
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != ')')
        .collect()
}
