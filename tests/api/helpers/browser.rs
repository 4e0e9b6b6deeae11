//! A real Chromium, driven over WebDriver, to click and type through the
//! pages as a person does.
//!
//! Each [`Browser`] starts its own `chromedriver` on a free loopback port (a
//! child process, killed on drop) and one headless Chromium session with a
//! profile of its own, showing pages at a phone's size ([`PHONE`], 390×844)
//! until told otherwise, in Chinese (`Accept-Language: zh-CN`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them; `HUZHU_CHROMIUM` and `HUZHU_CHROMEDRIVER` name other binaries).
//! Where they are missing or cannot start, the test fails and says so: it
//! never skips.
//!
//! Screenshots land in `$HUZHU_SCREENSHOTS/<test>/<NN>-<step>.png`, where
//! `HUZHU_SCREENSHOTS` defaults to `target/screenshots` under the crate.
//! Screenshots hold the whole page, not just what fits on the screen. Each
//! test's folder is emptied when its browser opens, and also holds
//! chromedriver's log. When a test fails while its browser is open, the
//! page as it was is saved as `<NN>-failed.png` beside the browser's
//! console (`console.txt`).

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::TestApp;

/// How long a wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A viewport, in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// A phone held upright: where most of huzhu's users read its pages.
pub const PHONE: Size = Size {
    width: 390,
    height: 844,
};

/// A laptop's window.
pub const DESKTOP: Size = Size {
    width: 1280,
    height: 900,
};

impl Size {
    fn label(self) -> String {
        format!("{}x{}", self.width, self.height)
    }

    /// Phones lay pages out by their `<meta name="viewport">`, desktops
    /// don't.
    fn is_mobile(self) -> bool {
        self.width < 600
    }
}

/// Chromium's flags: headless as root, and nothing that reaches out to the
/// network by itself.
const CHROMIUM_FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// One headless Chromium session on one test's huzhu.
pub struct Browser {
    client: Client,
    address: String,
    session: String,
    shots: PathBuf,
    shot: u32,
    size: Size,
    /// Everything the browser's console said so far.
    console: Vec<Value>,
    closed: bool,
    // Dropped after the session is closed, in this order: the driver, then
    // the profile Chromium wrote to.
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a browser on `app`, its screenshots in a folder named after
    /// the running test.
    pub async fn open(app: &TestApp) -> Self {
        let test = std::thread::current()
            .name()
            .filter(|name| *name != "main")
            .map(|name| name.rsplit("::").next().unwrap_or(name).to_owned())
            .expect("a browser test runs on a thread named after the test");
        let shots = screenshots_root().join(&test);
        if shots.exists() {
            std::fs::remove_dir_all(&shots).expect("clear the old screenshots");
        }
        std::fs::create_dir_all(&shots).expect("screenshot folder");

        // Chromium's profile, and every temporary file it and chromedriver
        // write, in one folder removed on drop.
        let profile = tempfile::tempdir().expect("a profile directory");
        let driver = Driver::start(&shots, profile.path()).await;
        let chromium = binary("HUZHU_CHROMIUM", "chromium");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!(
            "--window-size={},{}",
            DESKTOP.width, DESKTOP.height
        ));
        args.push(format!("--user-data-dir={}", user_data_dir(profile.path())));
        args.push("--lang=zh-CN".to_owned());
        let capabilities: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {"intl.accept_languages": "zh-CN,zh"},
            },
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"pageLoad": WAIT.as_millis() as u64, "script": WAIT.as_millis() as u64},
        }))
        .expect("capabilities");
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "Chromium ({chromium}) did not start under chromedriver: {e}\n\
                     (Debian's chromium: apt-get install chromium chromium-driver)\n\
                     chromedriver's log: {}",
                    driver.log.display()
                )
            });
        let session = client
            .session_id()
            .await
            .expect("session id")
            .expect("a WebDriver session");
        let mut browser = Self {
            client,
            address: app.address.clone(),
            session,
            shots,
            shot: 0,
            size: DESKTOP,
            console: Vec::new(),
            closed: false,
            driver,
            _profile: profile,
        };
        browser.resize(PHONE).await;
        browser
    }

    /// Loads a page of the app, `path` as in `/login`.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.address);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The path (and query) of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Types `text` into the field labelled `label_or_name` (a `<label>`'s
    /// text, else the field's `name`), after clearing it.
    pub async fn fill(&self, label_or_name: &str, text: &str) {
        let wanted = literal(label_or_name);
        let field = "(self::input and not(@type='hidden')) or self::textarea or self::select";
        let xpath = format!(
            "//*[({field}) and @id=//label[normalize-space(.)={wanted}]/@for] \
             | //label[normalize-space(.)={wanted}]//*[{field}] \
             | //*[({field}) and @name={wanted}]"
        );
        let input = self
            .find(
                Locator::XPath(&xpath),
                &format!("a field “{label_or_name}”"),
            )
            .await;
        input.clear().await.expect("clear the field");
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into “{label_or_name}”: {e}"));
    }

    /// Chooses the file at `path` in the file field labelled `label`, as a
    /// person picks it in the file dialog (chromedriver takes the path typed
    /// into the field).
    pub async fn attach(&self, label: &str, path: &Path) {
        let wanted = literal(label);
        let xpath =
            format!("//input[@type='file' and @id=//label[normalize-space(.)={wanted}]/@for]");
        let input = self
            .find(Locator::XPath(&xpath), &format!("a file field “{label}”"))
            .await;
        let path = path.to_str().expect("a UTF-8 path");
        input
            .send_keys(path)
            .await
            .unwrap_or_else(|e| panic!("choose {path} in “{label}”: {e}"));
    }

    /// Picks the option shown as `option` in the select labelled `label`,
    /// as a person taps it (the page's script sees the change).
    pub async fn choose(&self, label: &str, option: &str) {
        let (wanted, shown) = (literal(label), literal(option));
        let xpath = format!(
            "//select[@id=//label[normalize-space(.)={wanted}]/@for]//option[normalize-space(.)={shown}]"
        );
        let element = self
            .find(
                Locator::XPath(&xpath),
                &format!("the option “{option}” of “{label}”"),
            )
            .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("choose “{option}” in “{label}”: {e}"));
    }

    /// Clicks the button or link whose text is `target`, else the element
    /// the CSS selector `target` finds.
    pub async fn click(&self, target: &str) {
        let text = literal(target);
        let within = |scope: &str| {
            format!(
                "{scope}//button[normalize-space(.)={text}] | {scope}//a[normalize-space(.)={text}] \
                 | {scope}//input[(@type='submit' or @type='button') and @value={text}]"
            )
        };
        // The page's own content first, as a person looks there before the
        // menu: the login form's “登录” rather than the menu's.
        let (in_main, anywhere) = (within("//main"), within(""));
        let deadline = Instant::now() + WAIT;
        let element = loop {
            if let Ok(e) = self.client.find(Locator::XPath(&in_main)).await {
                break e;
            }
            if let Ok(e) = self.client.find(Locator::XPath(&anywhere)).await {
                break e;
            }
            // Not every text is a selector: a text that isn't just isn't found.
            if let Ok(e) = self.client.find(Locator::Css(target)).await {
                break e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("no button, link or element “{target}” to click"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click “{target}”: {e}"));
    }

    /// Logs in on the (Chinese) login page shown now, as a person does:
    /// their email, their password, then 登录.
    pub async fn log_in(&self, email: &str, password: &str) {
        self.fill("邮箱", email).await;
        self.fill("密码", password).await;
        self.click("登录").await;
    }

    /// The page's text as shown (`innerText` of its body).
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("a body")
            .text()
            .await
            .expect("the body's text")
    }

    /// Waits (at most [`WAIT`]) until the CSS `selector` finds an element.
    pub async fn wait_for(&self, selector: &str) {
        self.find(Locator::Css(selector), &format!("an element “{selector}”"))
            .await;
    }

    /// Waits (at most [`WAIT`]) until the page shows `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let xpath = format!("//body[contains(normalize-space(.), {})]", literal(text));
        self.find(Locator::XPath(&xpath), &format!("the text “{text}”"))
            .await;
    }

    /// Runs `script` in the page and returns what it returned.
    pub async fn execute(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("run {script}: {e}"))
    }

    /// Shows pages at `size` from now on. Headless Chromium's window is at
    /// least 500 px wide, so the size is DevTools' device emulation, as its
    /// device toolbar does: a phone's viewport, laid out as a phone does.
    pub async fn resize(&mut self, size: Size) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": size.width,
                "height": size.height,
                "deviceScaleFactor": 1,
                "mobile": size.is_mobile(),
            }),
        )
        .await;
        self.size = size;
        // What follows the window's size settles first: Leaflet redraws a
        // map's layers 200 ms after a resize.
        tokio::time::sleep(Duration::from_millis(400)).await;
    }

    /// Saves the whole page, as it looks now, as
    /// `<folder>/<NN>-<step>.png`; fails the test on a CSP violation so far.
    pub async fn screenshot(&mut self, step: &str) {
        self.shot += 1;
        let file = format!("{:02}-{step}.png", self.shot);
        self.save_page(&file).await;
        self.check_console().await;
    }

    /// Saves the step at the phone's size and at the desktop's, as
    /// `<NN>-<step>-390x844.png` and `<NN>-<step>-1280x900.png`, and goes
    /// back to the size it had.
    pub async fn shots_at_both_sizes(&mut self, step: &str) {
        self.shot += 1;
        let before = self.size;
        for size in [PHONE, DESKTOP] {
            self.resize(size).await;
            let file = format!("{:02}-{step}-{}.png", self.shot, size.label());
            self.save_page(&file).await;
        }
        self.resize(before).await;
        self.check_console().await;
    }

    /// The folder this test's screenshots go to.
    pub fn screenshots(&self) -> &Path {
        &self.shots
    }

    /// What the browser's console said since the browser opened: entries
    /// as chromedriver reports them (`level`, `source`, `message`).
    pub async fn console(&mut self) -> &[Value] {
        let new = self
            .client
            .issue_cmd(SessionCommand::browser_log())
            .await
            .expect("the browser's console log");
        self.console
            .extend(new.as_array().cloned().unwrap_or_default());
        &self.console
    }

    /// The console's reports of Content-Security-Policy violations so far.
    pub async fn csp_violations(&mut self) -> Vec<String> {
        self.console()
            .await
            .iter()
            .filter(|entry| is_csp_violation(entry))
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Waits (at most [`WAIT`]) until the console has said `text`.
    pub async fn wait_for_console(&mut self, text: &str) {
        let deadline = Instant::now() + WAIT;
        while !self
            .console()
            .await
            .iter()
            .any(|entry| entry["message"].as_str().is_some_and(|m| m.contains(text)))
        {
            if Instant::now() > deadline {
                self.fail(&format!("waited {WAIT:?} for the console to say “{text}”"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Forgets what the console said so far: for a test that provoked it.
    pub fn forget_console(&mut self) {
        self.console.clear();
    }

    /// Ends the session: fails the test if the console reported a
    /// Content-Security-Policy violation, then closes Chromium. Every test
    /// ends with it.
    pub async fn close(mut self) {
        self.check_console().await;
        self.closed = true;
        let client = self.client.clone();
        client.close().await.expect("close the browser");
    }

    /// Fails the test on any CSP violation the console reported.
    async fn check_console(&mut self) {
        let violations = self.csp_violations().await;
        if !violations.is_empty() {
            self.fail(&format!(
                "the page broke its Content-Security-Policy:\n{}",
                violations.join("\n")
            ))
            .await;
        }
    }

    async fn find(&self, locator: Locator<'_>, what: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(WAIT).for_element(locator).await {
            Ok(element) => element,
            Err(e) => self.fail(&format!("waited {WAIT:?} for {what}: {e}")).await,
        }
    }

    /// Fails the test, saying where the browser was and what it showed.
    async fn fail(&self, why: &str) -> ! {
        let path = self.path().await;
        let text = self.text().await;
        panic!(
            "{why}\nat {path}, showing:\n{text}\nscreenshots: {}",
            self.shots.display()
        )
    }

    async fn save_page(&self, file: &str) {
        // The whole page, not just the viewport: a phone's page is long.
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let content = &metrics["cssContentSize"];
        let width = content["width"]
            .as_f64()
            .unwrap_or(0.0)
            .max(f64::from(self.size.width));
        let height = content["height"]
            .as_f64()
            .unwrap_or(0.0)
            .clamp(f64::from(self.size.height), 20_000.0);
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("a screenshot"))
            .expect("a base64 PNG");
        std::fs::write(self.shots.join(file), png).expect("write the screenshot");
    }

    /// Sends a DevTools command through chromedriver.
    async fn cdp(&self, command: &str, params: Value) -> Value {
        self.client
            .issue_cmd(SessionCommand::cdp(command, params))
            .await
            .unwrap_or_else(|e| panic!("{command}: {e}"))
    }
}

impl Drop for Browser {
    /// A test that fails with its browser open keeps the page as it was
    /// and the console; the session ends either way. Drop can't wait on
    /// async code: these few requests go to chromedriver over a plain
    /// blocking socket.
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        let port = self.driver.port;
        let session = format!("/session/{}", self.session);
        if std::thread::panicking() {
            let png = blocking_request(port, "GET", &format!("{session}/screenshot"), None)
                .and_then(|v| v.as_str().map(str::to_owned))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
            if let Some(png) = png {
                let file = self.shots.join(format!("{:02}-failed.png", self.shot + 1));
                let _ = std::fs::write(file, png);
            }
            let mut console = std::mem::take(&mut self.console);
            if let Some(Value::Array(new)) = blocking_request(
                port,
                "POST",
                &format!("{session}/se/log"),
                Some(json!({"type": "browser"})),
            ) {
                console.extend(new);
            }
            let lines: Vec<String> = console.iter().map(Value::to_string).collect();
            let _ = std::fs::write(self.shots.join("console.txt"), lines.join("\n"));
            eprintln!("screenshots of this test: {}", self.shots.display());
        }
        if blocking_request(port, "DELETE", &session, None).is_none() {
            // Chromium outlives a chromedriver killed under it.
            kill_chromium_using(self._profile.path());
        }
        if !std::thread::panicking() {
            panic!("end a browser test with `browser.close().await`: it checks the console");
        }
    }
}

/// Kills the Chromium processes started with `profile` as their
/// `--user-data-dir`: only this browser's.
fn kill_chromium_using(profile: &Path) {
    let flag = format!("--user-data-dir={}", user_data_dir(profile));
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return;
    };
    for process in processes.flatten() {
        let pid = process.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
        if cmdline.split(|b| *b == 0).any(|arg| arg == flag.as_bytes()) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}

fn user_data_dir(profile: &Path) -> String {
    profile.join("chromium").display().to_string()
}

/// Whether a console entry is Chromium reporting a CSP violation.
fn is_csp_violation(entry: &Value) -> bool {
    entry["message"]
        .as_str()
        .is_some_and(|m| m.contains("Content Security Policy"))
}

/// A chromedriver command fantoccini has no method for.
#[derive(Debug)]
struct SessionCommand {
    path: &'static str,
    body: Value,
}

impl SessionCommand {
    /// Chromium's console entries since the last call (`goog:loggingPrefs`).
    fn browser_log() -> Self {
        Self {
            path: "se/log",
            body: json!({"type": "browser"}),
        }
    }

    /// A Chrome DevTools Protocol command.
    fn cdp(command: &str, params: Value) -> Self {
        Self {
            path: "goog/cdp/execute",
            body: json!({"cmd": command, "params": params}),
        }
    }
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(self.body.to_string()))
    }
}

/// chromedriver, listening on a loopback port; killed on drop.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    async fn start(shots: &Path, profile: &Path) -> Self {
        let exe = binary("HUZHU_CHROMEDRIVER", "chromedriver");
        let tmp = profile.join("tmp");
        std::fs::create_dir_all(&tmp).expect("a temporary folder");
        let log = shots.join("chromedriver.log");
        // A port found free can be taken before chromedriver binds it.
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&exe)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .env("TMPDIR", &tmp)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "{exe} does not start ({e}): install Debian's chromium and \
                         chromium-driver (apt-get install chromium chromium-driver)"
                    )
                });
            let deadline = Instant::now() + WAIT;
            loop {
                if let Some(status) = child.try_wait().expect("chromedriver's status") {
                    last = format!("{exe} exited with {status}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Self { child, port, log };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = format!("{exe} did not listen on port {port} within {WAIT:?}");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        panic!(
            "{last}\nchromedriver said:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `HUZHU_SCREENSHOTS`, else `target/screenshots` under the crate.
fn screenshots_root() -> PathBuf {
    std::env::var_os("HUZHU_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"))
}

/// The program `$variable` names, else `name` found on the `PATH`; fails
/// the test, saying what to install, when there is none.
fn binary(variable: &str, name: &str) -> String {
    if let Some(path) = std::env::var_os(variable) {
        return path.to_string_lossy().into_owned();
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => path.display().to_string(),
        None => panic!(
            "no {name} on the PATH: browser tests need Debian's chromium and chromium-driver \
             (apt-get install chromium chromium-driver), or {variable} naming the binary"
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// An XPath string literal for `text`, whatever quotes it holds.
fn literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// One request to chromedriver without async, for `Drop`; `None` when it
/// fails or doesn't answer within a few seconds.
fn blocking_request(port: u16, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&address, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    // chromedriver keeps the connection open: read the head, then exactly
    // the body it announces.
    let mut reader = std::io::BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut json = vec![0; length];
    reader.read_exact(&mut json).ok()?;
    let mut value: Value = serde_json::from_slice(&json).ok()?;
    Some(value["value"].take())
}
