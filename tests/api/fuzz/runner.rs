//! The schemathesis runner: found or installed, and what its reports say.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The schemathesis release the runs are made with (`.ci/run` reads it).
pub const SCHEMATHESIS: &str = "4.32.5";

/// The `st` to run: `$HUZHU_SCHEMATHESIS`, or the pinned release in a
/// virtualenv under the target directory, made on first use.
pub fn schemathesis() -> PathBuf {
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

/// The number of HTTP requests an ndjson report records.
pub fn requests_in(report: &Path) -> u64 {
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
