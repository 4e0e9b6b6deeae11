//! `huzhu match` on instances from benches/tools/gen_instance.py, checked by
//! benches/tools/check_matching.py.

use std::path::Path;
use std::process::Command;

/// The instance generator and checker, kept in the repository: a test that
/// cannot find them fails rather than passes.
fn tool(name: &str) -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/tools")
        .join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path
}

fn generate(dir: &Path, args: &[&str]) {
    let status = Command::new("python3")
        .arg(tool("gen_instance.py"))
        .args(args)
        .arg("--out")
        .arg(dir)
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

#[test]
fn huzhu_match_writes_a_matching_the_checker_accepts() {
    let dir = tempfile::tempdir().expect("dir");
    for (name, args) in [
        (
            "plain",
            vec!["--seed", "3", "--needs", "400", "--offers", "300"],
        ),
        (
            "scattered",
            vec![
                "--seed",
                "4",
                "--needs",
                "300",
                "--offers",
                "250",
                "--hamlets",
                "0",
            ],
        ),
    ] {
        let instance = dir.path().join(name);
        generate(&instance, &args);
        let out = instance.join("matches.csv");
        let run = Command::new(env!("CARGO_BIN_EXE_huzhu"))
            .arg("match")
            .arg(&instance)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("ran");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
        let first = stdout.lines().next().expect("a result line").to_owned();
        assert!(first.starts_with("matched="), "{stdout}");
        let check = Command::new("python3")
            .arg(tool("check_matching.py"))
            .arg(&instance)
            .arg(&out)
            .output()
            .expect("checker runs");
        let report = String::from_utf8_lossy(&check.stdout).into_owned()
            + &String::from_utf8_lossy(&check.stderr);
        assert!(check.status.success(), "{report}");
        let matched = first
            .split_whitespace()
            .next()
            .expect("matched")
            .trim_start_matches("matched=");
        assert!(
            report.contains(matched),
            "checker: {report}, huzhu: {first}"
        );
    }
}

#[test]
fn a_malformed_instance_names_the_file_line_and_field() {
    let dir = tempfile::tempdir().expect("dir");
    generate(
        dir.path(),
        &["--seed", "1", "--needs", "20", "--offers", "20"],
    );
    let needs = dir.path().join("needs.csv");
    let text = std::fs::read_to_string(&needs).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut fields: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
    fields[5] = "urgent".to_owned();
    lines[3] = fields.join(",");
    std::fs::write(&needs, lines.join("\n") + "\n").expect("write");
    let run = Command::new(env!("CARGO_BIN_EXE_huzhu"))
        .arg("match")
        .arg(dir.path())
        .output()
        .expect("ran");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("needs.csv") && stderr.contains("line 4") && stderr.contains("urgency"),
        "{stderr}"
    );
}
