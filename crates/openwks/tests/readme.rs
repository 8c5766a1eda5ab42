//! The README's first command, exactly as written, in a fresh clone: it must build and start
//! openwks with its embedded defaults and answer `/health`. (A second binary in the workspace
//! once made `cargo run` refuse to pick one.)
//!
//! The clone is of the committed `HEAD` of this repository (what a newcomer gets); its build
//! goes to `target/readme-serve/`. Configuration comes from the documented environment
//! variables only (`OPENWKS_LISTEN=127.0.0.1:0`, so no fixed port is needed), never from
//! changed arguments. The release profile is made cheap through cargo's `CARGO_PROFILE_RELEASE_*`
//! variables (no optimisation, no LTO: 5 minutes less on CI's two cores); which binary
//! `cargo run` picks, and what it serves, do not depend on them. It runs on the SQLite pass
//! only: it involves no store of the test run.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The README's serve command: the first line of its first code block that runs `cargo run`.
fn readme_serve_command(readme: &str) -> String {
    let block = readme
        .split("```")
        .nth(1)
        .expect("the README opens with a code block");
    block
        .lines()
        .find(|l| l.trim_start().starts_with("cargo run"))
        .expect("the first code block has a `cargo run` line")
        .split('#')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn the_readme_names_serve_first_and_the_test_command_second() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert_eq!(
        readme_serve_command(&readme),
        "cargo run --release -- serve"
    );
    let block = readme.split("```").nth(1).unwrap_or_default();
    let second = block
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("sh"))
        .nth(1)
        .unwrap_or_default();
    assert!(second.starts_with("./test.sh"), "{second}");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(
        ci.contains("exec ./test.sh"),
        ".ci/run calls the README's test command"
    );
}

#[test]
fn the_readme_serve_command_starts_openwks_in_a_fresh_clone() {
    if std::env::var_os("OPENWKS_TEST_DATABASE_URL").is_some() {
        eprintln!("the README's serve command is checked on the SQLite pass");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let serve = readme_serve_command(&readme);
    let tmp = tempfile::tempdir().expect("tmp");
    let clone = tmp.path().join("openwks");
    let st = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(&root)
        .arg(&clone)
        .status()
        .expect("git clone");
    assert!(st.success(), "git clone failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("readme-serve");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("exec {serve}"))
        .current_dir(&clone)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("OPENWKS_LISTEN", "127.0.0.1:0")
        .env("OPENWKS_LOG", "warn")
        .env_remove("OPENWKS_DATABASE_URL")
        .env_remove("OPENWKS_DATA_DIR")
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the README's serve command");
    let pgid = child.id();
    let stderr = child.stderr.take().expect("stderr");
    let err_lines = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut addr = None;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(a) = line.trim_end().strip_prefix("openwks listening on http://") {
            addr = Some(a.to_string());
            break;
        }
        line.clear();
    }
    std::thread::spawn(move || for _ in reader.lines() {});
    // The listener is bound before the line is printed.
    let health = addr.as_ref().map(|a| {
        use std::io::{Read, Write};
        let mut answer = String::new();
        if let Ok(mut s) = std::net::TcpStream::connect(a) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "GET /health HTTP/1.1\r\nHost: {a}\r\nConnection: close\r\n\r\n"
            );
            let _ = s.read_to_string(&mut answer);
        }
        answer
    });
    // The whole group: cargo and the openwks it started.
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{pgid}")])
        .status();
    let _ = child.wait();
    let errors = err_lines.join().unwrap_or_default();
    let Some(health) = health else {
        panic!(
            "`{serve}` printed no listening line in a fresh clone; stderr:\n{}",
            errors.join("\n")
        );
    };
    assert!(
        health.starts_with("HTTP/1.1 200"),
        "GET /health after `{serve}`: {health}"
    );
    assert!(health.contains("\"status\""), "{health}");
    assert!(
        clone.join("openwks-data/credentials.json").exists(),
        "the embedded defaults keep state in ./openwks-data"
    );
}
