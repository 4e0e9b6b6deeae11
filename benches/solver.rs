//! End-to-end solver benchmark: `cargo bench --bench solver`.
//!
//! Generates instances with `benches/tools/gen_instance.py` (cached under
//! `target/bench-instances/`), then runs parse → solve → write several
//! times per instance in a child process of its own, so that the peak RSS
//! it reports (VmHWM) belongs to that instance alone. Prints the median
//! time of each phase, the result and the peak RSS, and fails unless the
//! county instance gives the known optimum.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use huzhu::matching::run;

/// Known optimum of the county instance, seed 1 (docs/matching.md's benchmark).
const COUNTY_OPTIMUM: (usize, i64) = (68_151, -112_294_324_460);

/// One benchmark instance: a name, generator arguments, runs to time.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    runs: usize,
}

const CASES: &[Case] = &[
    Case {
        name: "small",
        args: &["--seed", "1", "--needs", "2000", "--offers", "1800"],
        runs: 7,
    },
    Case {
        name: "medium",
        args: &["--seed", "1", "--needs", "20000", "--offers", "18000"],
        runs: 5,
    },
    Case {
        name: "county",
        args: &["--seed", "1", "--needs", "104096", "--offers", "92507"],
        runs: 5,
    },
    Case {
        name: "county-seed2",
        args: &["--seed", "2", "--needs", "104096", "--offers", "92507"],
        runs: 3,
    },
    Case {
        name: "county-hamlets0",
        args: &[
            "--seed",
            "1",
            "--needs",
            "104096",
            "--offers",
            "92507",
            "--hamlets",
            "0",
        ],
        runs: 1,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(k) = args.iter().position(|a| a == "--child") {
        return child(Path::new(&args[k + 1]), args[k + 2].parse().unwrap_or(1));
    }
    // `cargo bench --bench solver -- county small` runs just those.
    let only: Vec<&String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cache = manifest.join("target").join("bench-instances");
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>8} {:>8}  {:>8} {:>16} {:>9}",
        "instance", "runs", "parse", "solve", "write", "total", "matched", "cost", "peak RSS"
    );
    let mut ok = true;
    for case in CASES
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|o| *o == c.name))
    {
        let dir = cache.join(case.name);
        if let Err(e) = generate(&manifest, &dir, case.args) {
            eprintln!("{}: cannot generate: {e}", case.name);
            return ExitCode::FAILURE;
        }
        let out = Command::new(std::env::current_exe().expect("own path"))
            .args(["--child", &dir.to_string_lossy(), &case.runs.to_string()])
            .output()
            .expect("child process");
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            eprintln!(
                "{}: child failed: {}",
                case.name,
                String::from_utf8_lossy(&out.stderr)
            );
            return ExitCode::FAILURE;
        }
        println!("{:<16} {}", case.name, text.trim_end());
        if case.name == "county" {
            let want = format!("{:>8} {:>16}", COUNTY_OPTIMUM.0, COUNTY_OPTIMUM.1);
            if !text.contains(&want) {
                eprintln!(
                    "county: expected matched={} cost={}",
                    COUNTY_OPTIMUM.0, COUNTY_OPTIMUM.1
                );
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Writes the instance with the generator unless it is already there.
fn generate(manifest: &Path, dir: &Path, args: &[&str]) -> std::io::Result<()> {
    if dir.join("meta.json").exists() {
        return Ok(());
    }
    let script = manifest.join("benches/tools/gen_instance.py");
    let status = Command::new("python3")
        .arg(script)
        .args(args)
        .arg("--out")
        .arg(dir)
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "generator exited with {status}"
        )))
    }
}

/// Runs one instance `runs` times and prints one summary line.
fn child(dir: &Path, runs: usize) -> ExitCode {
    let out = std::env::temp_dir().join(format!("huzhu-bench-{}.csv", std::process::id()));
    let mut phases: [Vec<Duration>; 4] = Default::default();
    let mut result = (0, 0);
    for _ in 0..runs {
        let s = match run(dir, &out) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        for (p, d) in phases.iter_mut().zip([s.parse, s.solve, s.write, s.total]) {
            p.push(d);
        }
        result = (s.matched, s.total_cost);
    }
    let _ = std::fs::remove_file(&out);
    let ms = |v: &mut Vec<Duration>| {
        v.sort();
        format!("{:>6.0}ms", v[v.len() / 2].as_secs_f64() * 1e3)
    };
    let [p, s, w, t] = &mut phases;
    println!(
        "{runs:>8} {} {} {} {}  {:>8} {:>16} {:>6} MiB",
        ms(p),
        ms(s),
        ms(w),
        ms(t),
        result.0,
        result.1,
        peak_rss_kib() / 1024
    );
    ExitCode::SUCCESS
}

/// VmHWM of this process, in KiB (0 where /proc is not available).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
