//! Schemathesis against the live server: every route of the served OpenAPI
//! document, once per role, fails the test on any 5xx, any answer the
//! document does not describe (status, content type, headers, body), any
//! request the document calls invalid that is accepted (or valid that is
//! refused), and any answer slower than 2 s.
//!
//! The runner is `$HUZHU_SCHEMATHESIS` (the path of `st`) when set, else a
//! virtualenv made once under the target directory (needs `python3`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use huzhu::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// The schemathesis release the runs are made with.
const SCHEMATHESIS: &str = "4.32.5";

/// Generated cases per operation and phase: with four roles and two
/// databases, enough to find what the fuzzer finds in a CI under its
/// 20 minutes.
const MAX_EXAMPLES: &str = "8";

/// Stateful scenarios per run (each a chain of linked requests).
const STATEFUL_EXAMPLES: u32 = 40;

/// The `st` to run: `$HUZHU_SCHEMATHESIS`, or the pinned release in a
/// virtualenv under the target directory, made on first use.
fn schemathesis() -> PathBuf {
    if let Some(st) = std::env::var_os("HUZHU_SCHEMATHESIS") {
        return st.into();
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schemathesis-{SCHEMATHESIS}"));
    let st = venv.join("bin").join("st");
    // Written last, so that an interrupted install is never taken for a
    // finished one (a virtualenv cannot be made elsewhere and moved).
    let done = venv.join("installed");
    if done.exists() {
        return st;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |program: &Path, args: &[&str]| {
        let status = std::process::Command::new(program)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("{} could not run: {e}", program.display()));
        assert!(status.success(), "{} {args:?}: {status}", program.display());
    };
    run(
        Path::new("python3"),
        &["-m", "venv", &venv.display().to_string()],
    );
    run(
        &venv.join("bin").join("pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={SCHEMATHESIS}"),
        ],
    );
    std::fs::write(&done, SCHEMATHESIS).expect("install marked");
    st
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn created(response: reqwest::Response, what: &str) -> Value {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    assert!(status == 200 || status == 201, "{what}: {status} {body}");
    body
}

/// One account of each role, logged in twice: the run's token and a spare
/// that `POST /auth/logout` may end without ending the run's session.
struct Session {
    role: Role,
    token: String,
    spare: String,
}

/// A small village's worth of data, so that reads by id and actions find
/// something: households (one a key household with a pairing), needs, an
/// offer, a claimed and a proposed match, a round and a meeting.
async fn seed(app: &TestApp) -> Vec<Session> {
    let mut sessions = Vec::new();
    for (role, region) in [
        (Role::Volunteer, None),
        (Role::Cadre, Some("430525101")),
        (Role::Coordinator, Some("430525")),
        (Role::Admin, None),
    ] {
        let user = app.create_user(role, region).await;
        sessions.push(Session {
            role,
            token: app.login(&user).await,
            spare: app.login(&user).await,
        });
    }
    let [volunteer, cadre, coordinator, _] = sessions
        .iter()
        .map(|s| s.token.as_str())
        .collect::<Vec<_>>()[..]
    else {
        unreachable!("four roles")
    };
    let post = |path: &'static str, body: Value, token: &str| {
        let token = token.to_owned();
        async move { created(app.post_json(path, &body, Some(&token)).await, path).await }
    };
    let household = |lat: f64| {
        json!({"region": "430525101000", "head_name": "王大山", "members": 3, "lat": lat,
            "lon": 110.55, "phone": "13907390001", "tags": ["elderly_alone"]})
    };
    let first = id(&post("/api/v1/households", household(27.10), cadre).await);
    let second = id(&post("/api/v1/households", household(27.11), cadre).await);
    let need = |household: &str, category: &str| {
        json!({"household_id": household, "category": category, "title": "需要帮助",
            "description": "每周两次", "urgency": 2})
    };
    let claimed = id(&post("/api/v1/needs", need(&first, "care"), cadre).await);
    let proposed = id(&post("/api/v1/needs", need(&first, "education"), cadre).await);
    post("/api/v1/needs", need(&second, "living"), cadre).await;
    let offer = json!({"categories": ["care", "education", "living"], "lat": 27.10,
        "lon": 110.55, "radius_km": 20, "remote": false, "capacity": 3});
    let offer = id(&post("/api/v1/offers", offer, volunteer).await);
    let path = format!("/api/v1/needs/{claimed}/claim");
    created(
        app.post_json(&path, &json!({"offer_id": offer}), Some(volunteer))
            .await,
        "claim",
    )
    .await;
    post(
        "/api/v1/matches",
        json!({"need_id": proposed, "offer_id": offer}),
        coordinator,
    )
    .await;
    post("/api/v1/rounds", json!({}), coordinator).await;
    post(
        "/api/v1/meetings",
        json!({"region": "430525101000", "held_on": "2026-12-01", "attendance": 12,
            "notes": "院落会", "needs": []}),
        cadre,
    )
    .await;
    let standing = app
        .client
        .put(app.url("/api/v1/me/standing"))
        .bearer_auth(volunteer)
        .json(&json!({"standing": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(standing.status().as_u16(), 200);
    let helper = id(&app.get_json("/api/v1/me", volunteer).await);
    let path = format!("/api/v1/households/{second}/key");
    created(
        app.post_json(&path, &json!({"reason": "elderly_alone"}), Some(cadre))
            .await,
        "key",
    )
    .await;
    post(
        "/api/v1/pairings",
        json!({"household_id": second, "helper_id": helper}),
        cadre,
    )
    .await;
    sessions
}

/// Operations whose valid-looking requests the server may refuse with 422
/// for a rule no schema can state, and the rule. `positive_data_acceptance`
/// accepts 422 there, and only there; everything else is checked in full.
const RULES_BEYOND_THE_SCHEMA: &[(&str, &[&str])] = &[
    (
        "an address's length is counted in bytes, and a password must not be a common one",
        &["POST /api/v1/auth/register", "POST /api/v1/users"],
    ),
    (
        "a token must be one the server sent, a password the account's own",
        &[
            "POST /api/v1/auth/verify",
            "POST /api/v1/auth/password",
            "DELETE /api/v1/me",
        ],
    ),
    (
        "ids in a body must name items in the caller's reach, a region a village in it",
        &[
            "POST /api/v1/needs",
            "POST /api/v1/matches",
            "POST /api/v1/pairings",
            "POST /api/v1/rounds",
            "PATCH /api/v1/users/{id}",
        ],
    ),
    (
        "a resident ID's check digit and birth date, a known village",
        &["POST /api/v1/households", "PATCH /api/v1/households/{id}"],
    ),
    (
        "days must be real calendar days, and not in the future (or far enough ahead)",
        &[
            "POST /api/v1/visits",
            "POST /api/v1/meetings",
            "POST /api/v1/offers",
            "PATCH /api/v1/offers/{id}",
            "POST /api/v1/needs/{id}/acknowledge",
            "GET /api/v1/visits",
            "GET /api/v1/stats/summary",
            "GET /api/v1/stats/breakdown",
            "GET /api/v1/stats/export",
            "GET /api/v1/stats/pairings",
            "GET /api/v1/stats/pairings/export",
        ],
    ),
    (
        "a file must be a spreadsheet of households",
        &["POST /api/v1/imports/households"],
    ),
    (
        "a cursor must be one the list wrote for the same order (`near` or not)",
        &["GET /api/v1/needs"],
    ),
];

/// The configuration of one role's run (`schemathesis.toml`).
fn config(app: &TestApp, session: &Session) -> String {
    let mut text = format!(
        r#"
base-url = "{base}"
workers = 2

[auth.openapi.bearer]
bearer = "{token}"

# Found ids (households, needs, offers…) are tried in other operations.
[phases.fuzzing.extra-data-sources]
responses = true

# Sequences that follow the document's links (a list or a creation to its
# items' routes): more of them than single-operation cases per operation.
[phases.stateful.generation]
max-examples = {stateful}

# Logging out ends the session it is called with: the spare one, so that
# the rest of the run keeps its token.
[[operations]]
include-name = "POST /api/v1/auth/logout"
headers = {{ Authorization = "Bearer {spare}" }}
"#,
        base = app.address,
        token = session.token,
        spare = session.spare,
        stateful = STATEFUL_EXAMPLES,
    );
    for (rule, operations) in RULES_BEYOND_THE_SCHEMA {
        let names = operations
            .iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        text.push_str(&format!(
            "\n# 422 when {rule}.\n[[operations]]\ninclude-name = [{names}]\n\
             checks.positive_data_acceptance.expected-statuses = \
             [\"2xx\", \"401\", \"403\", \"404\", \"409\", \"422\", \"429\"]\n"
        ));
    }
    text
}

/// What one run did.
struct Outcome {
    requests: u64,
    passed: bool,
    output: String,
}

async fn run(st: &Path, app: &TestApp, session: &Session, dir: &Path) -> Outcome {
    let role = session.role.as_str();
    let config = dir.join(format!("{role}.toml"));
    std::fs::write(&config, self::config(app, session)).expect("config written");
    let report = dir.join(format!("{role}.ndjson"));
    let mut command = tokio::process::Command::new(st);
    command
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--checks", "all", "--max-response-time", "2"])
        // A request that hangs fails the run instead of holding CI.
        .args(["--request-timeout", "10"])
        .args(["--max-examples", MAX_EXAMPLES, "--no-color"])
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&report)
        // Its cache (`.schemathesis/`) stays with the run, not in the clone.
        .current_dir(dir)
        .kill_on_drop(true);
    if let Ok(seed) = std::env::var("HUZHU_FUZZ_SEED") {
        command.args(["--seed", &seed]);
    }
    let output = command.output().await.expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Outcome {
        requests: requests_in(&report),
        passed: output.status.success(),
        output: text,
    }
}

/// The number of HTTP requests an ndjson report records.
fn requests_in(report: &Path) -> u64 {
    let text = std::fs::read_to_string(report).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|event| count_interactions(&event))
        .sum()
}

fn count_interactions(event: &Value) -> u64 {
    match event {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| match (key.as_str(), value) {
                ("interactions", Value::Object(cases)) => cases.len() as u64,
                _ => count_interactions(value),
            })
            .sum(),
        Value::Array(list) => list.iter().map(count_interactions).sum(),
        _ => 0,
    }
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_no_undocumented_answer_and_no_slow_one_for_any_role() {
    let st = schemathesis();
    let app = spawn_app().await;
    let sessions = seed(&app).await;
    let dir = tempfile::tempdir().expect("run directory");
    if let Some(hold) = std::env::var_os("HUZHU_FUZZ_HOLD") {
        // For working on the document: the seeded server and each role's
        // configuration stay up while schemathesis is run by hand.
        for session in &sessions {
            let role = session.role.as_str();
            std::fs::write(
                Path::new(&hold).join(format!("{role}.toml")),
                config(&app, session),
            )
            .expect("config written");
        }
        println!("holding {} with configurations in {hold:?}", app.address);
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    let started = Instant::now();
    let mut total = 0;
    let mut failed = Vec::new();
    // The admin last: it may deactivate the others' accounts.
    for session in &sessions {
        let began = Instant::now();
        let outcome = run(&st, &app, session, dir.path()).await;
        let role = session.role.as_str();
        println!(
            "== schemathesis as {role}: {} requests in {:.0?}, {}\n{}",
            outcome.requests,
            began.elapsed(),
            if outcome.passed { "passed" } else { "FAILED" },
            outcome.output
        );
        total += outcome.requests;
        if !outcome.passed {
            failed.push(role);
        }
        // The run's own session outlived it (only the spare may end).
        let me = app.get_with("/api/v1/me", &session.token).await;
        assert_eq!(me.status().as_u16(), 200, "{role}'s session ended");
    }
    println!(
        "schemathesis: {total} requests in {:.0?} over {} roles",
        started.elapsed(),
        sessions.len()
    );
    assert!(failed.is_empty(), "schemathesis failed as {failed:?}");
}
