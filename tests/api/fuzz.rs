//! Schemathesis against the live server: every route of the served OpenAPI
//! document, once per role, fails the test on any 5xx, any answer the
//! document does not describe (status, content type, headers, body), any
//! request the document calls invalid that is accepted (or valid that is
//! refused), and any answer slower than 2 s.
//!
//! The runner is `$HUZHU_SCHEMATHESIS` (the path of `st`) when set, else a
//! virtualenv made once under the target directory (needs `python3`).
//! `HUZHU_FUZZ_SEED` replays a run by the seed it printed;
//! `HUZHU_FUZZ_HOLD=DIR` instead keeps the seeded server up and writes each
//! role's configuration to DIR, for running `st` by hand while working on
//! the document.

mod runner;
mod seed;

use std::path::Path;
use std::time::Instant;

use huzhu::domain::Role;
use huzhu::routes::policy;

use crate::helpers::{TestApp, spawn_app};
use runner::{requests_in, schemathesis};
use seed::{Session, seed};

/// Generated cases per operation and phase: with four roles and two
/// databases, enough to find what the fuzzer finds in a CI under its
/// 20 minutes.
const MAX_EXAMPLES: &str = "8";

/// Cases per operation that the policy refuses the run's role.
const REFUSED_EXAMPLES: u32 = 3;

/// Stateful scenarios per run (each a chain of linked requests).
const STATEFUL_EXAMPLES: u32 = 40;

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
# One worker: hypothesis parses its lambdas' sources with `ast`, which on
# CPython 3.11 fails now and then when two threads do it at once
# ("AST constructor recursion depth mismatch"), failing a run for nothing.
workers = 1

[auth.openapi.bearer]
bearer = "{token}"

# Found ids (households, needs, offers…) are tried in other operations.
[phases.fuzzing.extra-data-sources]
responses = true

# Sequences that follow the document's links (a list or a creation to its
# items' routes): more of them than single-operation cases per operation.
[phases.stateful.generation]
max-examples = {stateful}

# Unmarking needs a key mark, which a household just created lacks: its 404
# is right, though schemathesis infers a link from the creation and reads
# any 404 after it as a created resource gone missing.
[[operations]]
include-name = "DELETE /api/v1/households/{{id}}/key"
checks.ensure_resource_availability.enabled = false

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
    text.push_str(&refused_lightly(session.role));
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

/// The API operations the policy refuses `role`: each is still called
/// (and must answer a documented 403), but with a few cases instead of the
/// coverage phase's hundreds, which would all be that same 403.
fn refused_lightly(role: Role) -> String {
    let names: Vec<String> = policy::RULES
        .iter()
        .filter(|(_, path, allow)| path.starts_with("/api/") && !allow.permits(Some(role)))
        .map(|(method, path, _)| format!("{:?}", format!("{method} {path}")))
        .collect();
    format!(
        "\n# Refused to this role by the policy table.\n[[operations]]\n\
         include-name = [{}]\nphases.coverage.enabled = false\n\
         generation.max-examples = {REFUSED_EXAMPLES}\n",
        names.join(", ")
    )
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
