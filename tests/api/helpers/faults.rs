//! The fault harness: the real `huzhu serve` process under a steady mixed
//! load (needs posted, claims, near-me reads, rounds), a real SMTP server on
//! loopback, and a ledger of every write the server acknowledged, to check
//! after a fault that nothing acknowledged was lost and that every email
//! due arrived once. Shared by the short fault tests (`tests/api/faults.rs`)
//! and the full harness (`cargo bench --bench faults`).

// The bench uses parts the short tests do not.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use huzhu::domain::new_account::{Assignment, NewAccount, Profile};
use huzhu::domain::{Category, OutboxStatus, Password, Role};
use huzhu::settings::Settings;
use huzhu::store::entity::{matches, need, outbox};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::smtp::SmtpSink;

const PASSWORD: &str = "柑橘林里的小路很长很长";
const TOWNSHIP: &str = "430525101";
const VOLUNTEERS: usize = 12;
const HOUSEHOLDS: usize = 150;

/// What the load saw: every request's outcome, and the writes acknowledged.
#[derive(Debug, Default)]
pub struct Ledger {
    pub requests: u64,
    /// Answers by status ("201", "503"…), and "no answer" for a request
    /// that got none (the process was down).
    pub outcomes: BTreeMap<String, u64>,
    /// The same, by what the request did: "read 200", "write 503"…
    pub by_kind: BTreeMap<String, u64>,
    /// Answers that broke the rules under a fault: a 5xx other than a 503
    /// problem, or a 503 without `Retry-After`.
    pub bad_answers: Vec<String>,
    pub needs: Vec<Uuid>,
    pub matches: Vec<Uuid>,
}

impl Ledger {
    /// Starts counting answers afresh (the acknowledged ids stay).
    pub fn new_phase(&mut self) {
        self.requests = 0;
        self.outcomes.clear();
        self.by_kind.clear();
    }

    /// How many answers of `kind` ("read", "write") had `status`.
    pub fn count(&self, kind: &str, status: &str) -> u64 {
        self.by_kind
            .get(&format!("{kind} {status}"))
            .copied()
            .unwrap_or(0)
    }

    /// Answers that were not 2xx, by status.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.outcomes
            .iter()
            .filter(|(status, _)| !status.starts_with('2'))
            .map(|(s, n)| (s.clone(), *n))
            .collect()
    }
}

/// One `huzhu serve` child process on a fixed port.
pub struct Server {
    bin: PathBuf,
    env: Vec<(String, String)>,
    pub url: String,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn spawn(&mut self) {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = Command::new(&self.bin)
            .arg("serve")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("huzhu serve starts");
        self.child = Some(child);
    }

    /// Kills the process with SIGKILL: no shutdown, no flush, nothing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// Starts the process again; returns once `/readyz` answers 200, with
    /// how long that took.
    pub async fn restart(&mut self, client: &reqwest::Client) -> Duration {
        let started = Instant::now();
        self.spawn();
        self.wait_ready(client, Duration::from_secs(60)).await;
        started.elapsed()
    }

    /// Waits until `/readyz` answers 200.
    pub async fn wait_ready(&self, client: &reqwest::Client, limit: Duration) -> Duration {
        let started = Instant::now();
        while started.elapsed() < limit {
            let ready = client
                .get(format!("{}/readyz", self.url))
                .timeout(Duration::from_secs(3))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().as_u16() == 200) {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: String = log
            .chars()
            .rev()
            .take(4000)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        panic!("huzhu was not ready within {limit:?}; its log ends:\n{tail}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The server, its mail server, its database and the accounts of the load.
pub struct Harness {
    pub server: Server,
    pub sink: SmtpSink,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub ledger: Arc<Mutex<Ledger>>,
    cadre: String,
    coordinator: String,
    /// (token, offer id) of each volunteer.
    volunteers: Vec<(String, String)>,
    households: Vec<String>,
    _dir: tempfile::TempDir,
}

/// A free loopback port, for a server that must come back on the same one.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Harness {
    /// Prepares `database_url` (migrations, accounts), starts an SMTP
    /// server and `huzhu serve`, and seeds households and offers through
    /// the API. `env` adds or overrides the server's settings.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let sink = SmtpSink::start().await;
        let port = free_port();
        let mut vars: HashMap<String, String> = HashMap::from([
            ("HUZHU_DATABASE_URL".into(), database_url.to_owned()),
            ("HUZHU_BIND".into(), format!("127.0.0.1:{port}")),
            ("HUZHU_SMTP_URL".into(), sink.url()),
            (
                "HUZHU_MAIL_DIR".into(),
                dir.path().join("mail").display().to_string(),
            ),
            ("HUZHU_MAIL_POLL_MS".into(), "50".into()),
            // A killed process's leased emails go out again after this.
            ("HUZHU_MAIL_LEASE_SECS".into(), "5".into()),
            ("HUZHU_MAIL_RETRY_BASE_SECS".into(), "1".into()),
            ("HUZHU_MAIL_RETRY_MAX_SECS".into(), "20".into()),
            ("HUZHU_MAIL_MAX_ATTEMPTS".into(), "100".into()),
            ("HUZHU_LOG_FORMAT".into(), "json".into()),
            ("RUST_LOG".into(), "info,sqlx=warn".into()),
        ]);
        for (k, v) in env {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let settings = Settings::from_sources(&vars, None).expect("settings");
        let db = huzhu::startup::prepare_database(&settings)
            .await
            .expect("database prepared");
        let account = |role: Role, region: Option<&str>, n: usize| {
            let email = format!(
                "{}-{n}-{}@example.org",
                role.as_str(),
                Uuid::now_v7().simple()
            );
            (email, role, region.map(str::to_owned))
        };
        let mut accounts = vec![
            account(Role::Cadre, Some(TOWNSHIP), 0),
            account(Role::Coordinator, Some("430525"), 0),
        ];
        accounts.extend((0..VOLUNTEERS).map(|n| account(Role::Volunteer, None, n)));
        for (email, role, region) in &accounts {
            let name = "测试用户";
            let new = NewAccount {
                profile: Profile::parse(email, name, Some("13800138000"), None).expect("profile"),
                assignment: Assignment::parse(*role, region.as_deref()).expect("region"),
            };
            let password = Password::parse(PASSWORD, email, name).expect("password");
            huzhu::services::accounts::create_with_password(&db, new, password)
                .await
                .expect("account");
        }
        let mut server = Server {
            bin: PathBuf::from(env!("CARGO_BIN_EXE_huzhu")),
            env: vars.into_iter().collect(),
            url: format!("http://127.0.0.1:{port}"),
            log: dir.path().join("huzhu.log"),
            child: None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("client");
        server.spawn();
        server.wait_ready(&client, Duration::from_secs(60)).await;
        let mut harness = Self {
            server,
            sink,
            db,
            client,
            ledger: Arc::default(),
            cadre: String::new(),
            coordinator: String::new(),
            volunteers: Vec::new(),
            households: Vec::new(),
            _dir: dir,
        };
        let tokens = {
            let mut tokens = Vec::new();
            for (email, _, _) in &accounts {
                tokens.push(harness.login(email).await);
            }
            tokens
        };
        harness.cadre = tokens[0].clone();
        harness.coordinator = tokens[1].clone();
        for n in 0..HOUSEHOLDS {
            let body = json!({"region": format!("{TOWNSHIP}000"), "head_name": format!("户主{n}"),
                "members": 3, "lat": 27.10 + n as f64 * 0.001, "lon": 110.55, "tags": []});
            let created = harness
                .post_ok("/api/v1/households", &body, &harness.cadre.clone())
                .await;
            harness
                .households
                .push(created["id"].as_str().expect("id").to_owned());
        }
        for token in &tokens[2..] {
            let body = json!({"categories": Category::ALL.map(Category::code), "lat": 27.10, "lon": 110.55,
                "radius_km": 30, "remote": false, "capacity": 50});
            let offer = harness.post_ok("/api/v1/offers", &body, token).await;
            let id = offer["id"].as_str().expect("id").to_owned();
            harness.volunteers.push((token.clone(), id));
        }
        harness
    }

    /// The bearer token of volunteer `n`.
    pub fn volunteer_token(&self, n: usize) -> &str {
        &self.volunteers[n % self.volunteers.len()].0
    }

    async fn login(&self, email: &str) -> String {
        let body = json!({"email": email, "password": PASSWORD});
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.server.url))
            .json(&body)
            .send()
            .await
            .expect("login sent");
        assert_eq!(response.status().as_u16(), 200, "login");
        let body: Value = response.json().await.expect("JSON");
        body["token"].as_str().expect("token").to_owned()
    }

    async fn post_ok(&self, path: &str, body: &Value, token: &str) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.server.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 201, "{path}");
        response.json().await.expect("JSON")
    }

    /// Starts `workers` tasks of mixed load; they run until the returned
    /// handle is stopped.
    pub fn load(&self, workers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..workers)
            .map(|worker| {
                let actor = Actor {
                    client: self.client.clone(),
                    url: self.server.url.clone(),
                    ledger: self.ledger.clone(),
                    cadre: self.cadre.clone(),
                    coordinator: self.coordinator.clone(),
                    volunteer: self.volunteers[worker % self.volunteers.len()].clone(),
                    households: self.households.clone(),
                };
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut step = worker as u64;
                    while !stop.load(Ordering::Relaxed) {
                        actor.act(worker, step).await;
                        step += 1;
                    }
                })
            })
            .collect();
        Load { stop, tasks }
    }

    /// Every acknowledged need and match, looked up in the database:
    /// (checked, lost).
    pub async fn check_writes(&self) -> (usize, usize) {
        let (checked, lost) = self.lost_writes().await;
        (checked, lost.len())
    }

    /// Every acknowledged need and match the database lacks, with how many
    /// were checked.
    pub async fn lost_writes(&self) -> (usize, Vec<Uuid>) {
        let (needs, matches) = {
            let ledger = self.ledger.lock().expect("ledger");
            (ledger.needs.clone(), ledger.matches.clone())
        };
        let mut found = HashSet::new();
        for chunk in needs.chunks(500) {
            let rows = need::Entity::find()
                .filter(need::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await
                .expect("needs");
            found.extend(rows.into_iter().map(|n| n.id));
        }
        for chunk in matches.chunks(500) {
            let rows = matches::Entity::find()
                .filter(matches::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await
                .expect("matches");
            found.extend(rows.into_iter().map(|m| m.id));
        }
        let checked = needs.len() + matches.len();
        let lost = needs
            .iter()
            .chain(&matches)
            .filter(|id| !found.contains(id))
            .copied()
            .collect();
        (checked, lost)
    }

    /// Message-IDs the SMTP server received, with how many times each.
    pub fn received(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for mail in self.sink.received() {
            let id = mail_parser::MessageParser::default()
                .parse(&mail.data)
                .and_then(|m| m.message_id().map(str::to_owned))
                .unwrap_or_default();
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }

    /// Emails a dead process handed to the mail server and had not
    /// recorded as sent: the only ones a restart may send again. Asked
    /// between the kill and the restart.
    pub async fn in_doubt(&self) -> usize {
        let unsent = self.unsent().await;
        let received: HashSet<String> = self.received().into_keys().collect();
        unsent.intersection(&received).count()
    }

    /// Message-IDs of the emails the outbox still holds unsent.
    pub async fn unsent(&self) -> HashSet<String> {
        outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .all(&self.db)
            .await
            .expect("outbox")
            .iter()
            .map(|row| self.message_id(row))
            .collect()
    }

    fn message_id(&self, row: &outbox::Model) -> String {
        let id = huzhu::mail::transport::message_id(&row.idempotency_key, "127.0.0.1");
        id.trim_matches(['<', '>']).to_owned()
    }

    /// Waits until the outbox holds nothing pending, then compares what was
    /// due with what the SMTP server received.
    pub async fn settle_mail(&self, limit: Duration) -> MailCheck {
        let started = Instant::now();
        loop {
            let pending = outbox::Entity::find()
                .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
                .count(&self.db)
                .await
                .expect("outbox");
            if pending == 0 {
                break;
            }
            assert!(
                started.elapsed() < limit,
                "{pending} emails still pending after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rows = outbox::Entity::find().all(&self.db).await.expect("outbox");
        let received = self.received();
        let failed = rows
            .iter()
            .filter(|r| r.status == OutboxStatus::Failed)
            .count();
        let due: HashSet<String> = rows.iter().map(|r| self.message_id(r)).collect();
        MailCheck {
            due: due.len(),
            failed,
            missing: due.iter().filter(|id| !received.contains_key(*id)).count(),
            duplicated: received.values().map(|n| n.saturating_sub(1)).sum(),
            unexpected: received.keys().filter(|id| !due.contains(*id)).count(),
        }
    }

    /// The value of a metric family in `/metrics` (its first sample).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.server.url))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or(0.0)
    }
}

/// How the outbox and the SMTP server agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailCheck {
    pub due: usize,
    /// Given up: must be 0 after an outage the retries outlast.
    pub failed: usize,
    /// Due and never received.
    pub missing: usize,
    /// Receptions beyond the first of one Message-ID.
    pub duplicated: usize,
    /// Received and not in the outbox.
    pub unexpected: usize,
}

/// A running load.
pub struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("load task");
        }
    }
}

/// One worker of the load, acting as the cadre, a volunteer or the
/// coordinator in turn.
struct Actor {
    client: reqwest::Client,
    url: String,
    ledger: Arc<Mutex<Ledger>>,
    cadre: String,
    coordinator: String,
    volunteer: (String, String),
    households: Vec<String>,
}

impl Actor {
    async fn act(&self, worker: usize, step: u64) {
        let pick = (step.wrapping_mul(2_654_435_761) >> 7) % 20;
        match pick {
            0..=5 => {
                let household =
                    &self.households[(step as usize * 31 + worker) % self.households.len()];
                let category = Category::ALL[(step as usize / 3 + worker) % Category::COUNT].code();
                let body = json!({"household_id": household, "category": category,
                    "title": "照看老人", "description": "白天需要有人照看", "urgency": 1 + step % 3});
                if let Some(id) = self
                    .send(self.post("/api/v1/needs", &self.cadre, &body))
                    .await
                {
                    self.ledger.lock().expect("ledger").needs.push(id);
                }
            }
            6..=8 => {
                if let Some(need) = self.some(step, worker, |l| &l.needs) {
                    let path = format!("/api/v1/needs/{need}/claim");
                    let body = json!({"offer_id": self.volunteer.1});
                    if let Some(id) = self.send(self.post(&path, &self.volunteer.0, &body)).await {
                        self.ledger.lock().expect("ledger").matches.push(id);
                    }
                }
            }
            9 => {
                if let Some(need) = self.some(step, worker, |l| &l.needs) {
                    let path = format!("/api/v1/needs/{need}/cancel");
                    let body = json!({"reason": "已由亲属照看"});
                    self.send(self.post(&path, &self.cadre, &body)).await;
                }
            }
            10 if worker == 0 => {
                let body = json!({});
                self.send(self.post("/api/v1/rounds", &self.coordinator, &body))
                    .await;
            }
            11 => {
                if let Some(m) = self.some(step, worker, |l| &l.matches) {
                    let path = format!("/api/v1/matches/{m}/complete");
                    let body = json!({"note": "已照看"});
                    self.send(self.post(&path, &self.cadre, &body)).await;
                }
            }
            _ => {
                let path = "/api/v1/needs?near=27.10,110.55&within_km=20";
                let request = self
                    .client
                    .get(format!("{}{path}", self.url))
                    .bearer_auth(&self.volunteer.0);
                self.send(request).await;
            }
        }
    }

    /// One of the acknowledged ids `of` the ledger holds, if any.
    fn some(&self, step: u64, worker: usize, of: impl Fn(&Ledger) -> &Vec<Uuid>) -> Option<Uuid> {
        let ledger = self.ledger.lock().expect("ledger");
        let ids = of(&ledger);
        (!ids.is_empty()).then(|| ids[(step as usize * 7 + worker) % ids.len()])
    }

    fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
    }

    /// Sends, records the outcome, and returns the id a 201 acknowledged.
    async fn send(&self, request: reqwest::RequestBuilder) -> Option<Uuid> {
        let kind = match request.try_clone().and_then(|r| r.build().ok()) {
            Some(r) if r.method() == reqwest::Method::GET => "read",
            _ => "write",
        };
        let response = request.send().await;
        let (status, retry_after, content_type) = match &response {
            Ok(r) => (
                r.status().as_u16().to_string(),
                r.headers().contains_key("retry-after"),
                r.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
            ),
            Err(_) => ("no answer".to_owned(), false, String::new()),
        };
        let acknowledged = match response {
            Ok(r) if r.status().as_u16() == 201 => r
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["id"].as_str().and_then(|id| id.parse().ok())),
            _ => None,
        };
        if matches!(status.as_str(), "no answer" | "503") {
            // Down or full: a client waits a little before trying again.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut ledger = self.ledger.lock().expect("ledger");
        ledger.requests += 1;
        *ledger.outcomes.entry(status.clone()).or_insert(0) += 1;
        *ledger
            .by_kind
            .entry(format!("{kind} {status}"))
            .or_insert(0) += 1;
        let problem = content_type.starts_with("application/problem+json");
        if status.starts_with('5') && (status != "503" || !retry_after || !problem) {
            ledger
                .bad_answers
                .push(format!("{status} {content_type} retry-after={retry_after}"));
        }
        // A round's 201 acknowledges a round, not a need or a match.
        acknowledged.filter(|_| status == "201")
    }
}
