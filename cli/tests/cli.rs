//! End-to-end tests: run the real `qrseal` binary and check its output, files and exit codes.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const ID: &str = "11010119900307888X";
const NOW: &str = "2026-11-21T08:00:00Z";
const LATER: &str = "2026-11-21T09:00:00Z";

fn qrseal() -> Command {
    let mut cmd = Command::cargo_bin("qrseal").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A fresh key directory made by `qrseal keygen`.
fn keys() -> TempDir {
    let dir = TempDir::new().unwrap();
    qrseal()
        .args(["keygen", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    dir
}

/// `qrseal issue` with `extra` flags at NOW; returns the printed text (one line).
fn issue(keys: &Path, colour: &str, extra: &[&str]) -> String {
    let out = qrseal()
        .args(["issue", "--keys"])
        .arg(keys)
        .args(["--id", ID, "--colour", colour, "--now", NOW])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 1, "issue prints one line: {out:?}");
    assert!(out.ends_with('\n'));
    out.trim_end().to_owned()
}

/// `qrseal verify TEXT --keys DIR --now LATER` plus `extra`.
fn verify(keys: &Path, text: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    qrseal()
        .arg("verify")
        .arg(text)
        .arg("--keys")
        .arg(keys)
        .args(["--now", LATER])
        .args(extra)
        .assert()
}

fn json_of(assert: &assert_cmd::assert::Assert) -> Value {
    let stdout = &assert.get_output().stdout;
    assert_eq!(
        stdout.iter().filter(|&&b| b == b'\n').count(),
        1,
        "one JSON line"
    );
    serde_json::from_slice(stdout).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_three_files_and_never_overwrites() {
    let dir = TempDir::new().unwrap();
    let keys = dir.path().join("keys");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .success()
        .stdout(predicate::str::contains("key id"))
        .stdout(predicate::str::contains("issuer.pub"));
    let names = ["issuer.key", "issuer.pub", "subject.key"];
    let before: Vec<Vec<u8>> = names
        .iter()
        .map(|n| fs::read(keys.join(n)).unwrap())
        .collect();
    assert!(String::from_utf8_lossy(&before[0]).contains("BEGIN PRIVATE KEY"));
    assert!(String::from_utf8_lossy(&before[1]).contains("BEGIN PUBLIC KEY"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&keys.join("issuer.key")), 0o600);
        assert_eq!(mode(&keys.join("subject.key")), 0o600);
    }

    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("qrseal: error: "))
        .stderr(predicate::str::contains("refusing to overwrite"))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    for (name, old) in names.iter().zip(&before) {
        assert_eq!(&fs::read(keys.join(name)).unwrap(), old, "{name} changed");
    }
    assert_eq!(fs::read_dir(&keys).unwrap().count(), 3);
}

#[test]
fn issue_then_verify_admits_in_both_text_forms() {
    let k = keys();
    let qr = issue(
        k.path(),
        "green",
        &[
            "--test",
            "negative@2026-11-20T09:30:00Z",
            "--doses",
            "2",
            "--last-dose",
            "2026-08-01",
            "--display",
            "张*明 ****1234",
        ],
    );
    assert!(qr.starts_with("QS:"), "{qr}");
    verify(k.path(), &qr, &[])
        .code(0)
        .stdout(predicate::str::starts_with("VALID: admitted\n"))
        .stdout(predicate::str::contains("张*明 ****1234"))
        .stdout(predicate::str::contains("2 doses, last dose 2026-08-01"));

    let url = issue(k.path(), "green", &["--url"]);
    assert!(!url.contains(':'), "{url}");
    let a = verify(k.path(), &url, &["--json"]).code(0);
    let v = json_of(&a);
    assert_eq!(v["result"], "admitted");
    assert_eq!(v["code"], Value::Null);
    assert_eq!(v["denials"], serde_json::json!([]));
    assert_eq!(v["claims"]["colour"], "green");
    assert_eq!(v["claims"]["issued_at"], NOW);
}

#[test]
fn token_text_from_stdin_with_surrounding_white_space() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    qrseal()
        .args(["verify", "-", "--now", LATER, "--keys"])
        .arg(k.path())
        .write_stdin(format!("  {qr}\r\n"))
        .assert()
        .code(0);
    // More than 4 KiB on stdin is refused as a usage error.
    qrseal()
        .args(["verify", "-", "--keys"])
        .arg(k.path())
        .write_stdin("A".repeat(5000))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stdin"));
}

#[test]
fn another_issuers_key_is_unknown() {
    let k = keys();
    let other = keys();
    let qr = issue(k.path(), "green", &[]);
    let a = verify(other.path(), &qr, &["--json"]).code(1);
    let v = json_of(&a);
    assert_eq!(v["result"], "rejected");
    assert_eq!(v["code"], "unknown_key");
    assert_eq!(v["claims"], Value::Null);
    verify(other.path(), &qr, &[])
        .code(1)
        .stdout(predicate::str::starts_with("REJECTED: "));
}

#[test]
fn any_one_character_change_is_rejected() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    let chars: Vec<char> = qr.chars().collect();
    // Change characters in the key id, the claims and the signature.
    for &i in &[4, 10, 20, chars.len() / 2, chars.len() - 5, chars.len() - 1] {
        let mut changed = chars.clone();
        changed[i] = if chars[i] == '0' { '1' } else { '0' };
        let changed: String = changed.into_iter().collect();
        let a = verify(k.path(), &changed, &["--json"]).code(1);
        assert_eq!(json_of(&a)["result"], "rejected", "position {i}");
    }
}

#[test]
fn expired_token_is_rejected() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    let a = qrseal()
        .arg("verify")
        .arg(&qr)
        .arg("--keys")
        .arg(k.path())
        .args(["--now", "2027-01-01T00:00:00Z", "--json"])
        .assert()
        .code(1);
    assert_eq!(json_of(&a)["code"], "expired");
    // A shorter --ttl expires sooner: 2h (spread 15m) is over by three hours later.
    let short = issue(k.path(), "green", &["--ttl", "2h"]);
    let a = qrseal()
        .arg("verify")
        .arg(&short)
        .arg("--keys")
        .arg(k.path())
        .args(["--now", "2026-11-21T11:00:00Z", "--json"])
        .assert()
        .code(1);
    assert_eq!(json_of(&a)["code"], "expired");
}

#[test]
fn policy_denials_exit_3() {
    let k = keys();
    let yellow = issue(k.path(), "yellow", &[]);
    verify(k.path(), &yellow, &[])
        .code(3)
        .stdout(predicate::str::starts_with(
            "VALID: denied: colour yellow is not accepted",
        ));
    verify(k.path(), &yellow, &["--accept", "green,yellow"]).code(0);

    // A test collected 50 hours before verification, against a 48 h limit.
    let tested = issue(
        k.path(),
        "green",
        &["--test", "negative@2026-11-19T07:00:00Z"],
    );
    let a = verify(k.path(), &tested, &["--max-test-age", "48h", "--json"]).code(3);
    let v = json_of(&a);
    assert_eq!(v["result"], "denied");
    assert_eq!(v["code"], Value::Null);
    assert_eq!(v["denials"].as_array().unwrap().len(), 1);
    assert!(v["denials"][0].as_str().unwrap().contains("50h00m"));
    verify(k.path(), &tested, &["--max-test-age", "2d 3h"]).code(0);
    verify(k.path(), &tested, &["--min-doses", "1"]).code(3);
}

#[test]
fn inspect_shows_every_field_unverified() {
    let k = keys();
    let qr = issue(
        k.path(),
        "dark-red",
        &[
            "--test",
            "pending@2026-11-21T07:00:00+08:00",
            "--doses",
            "3",
            "--last-dose",
            "2026-01-31",
            "--display",
            "李*",
        ],
    );
    let a = qrseal().args(["inspect", &qr, "--json"]).assert().code(0);
    let v = json_of(&a);
    assert_eq!(v["verified"], false);
    assert_eq!(v["version"], 1);
    assert_eq!(v["key_id"].as_str().unwrap().len(), 8);
    assert_eq!(v["subject"].as_str().unwrap().len(), 24);
    assert_eq!(v["colour"], "dark-red");
    assert_eq!(v["test"]["result"], "pending");
    assert_eq!(v["test"]["collected_at"], "2026-11-20T23:00:00Z");
    assert_eq!(v["vaccination"]["doses"], 3);
    assert_eq!(v["vaccination"]["last_dose"], "2026-01-31");
    assert_eq!(v["issued_at"], NOW);
    assert!(v["expires_at"].as_str().unwrap() > NOW);
    assert!(v["refresh_at"].as_str().unwrap() < v["expires_at"].as_str().unwrap());
    assert_eq!(v["display_hint"], "李*");
    assert_eq!(v["form"], "qr");
    assert_eq!(v["qr_text"], qr.as_str());
    let bytes = v["token_bytes"].as_u64().unwrap();
    assert!(bytes > 64 && bytes < 200, "{bytes}");

    // The key id matches the one keygen reported, and verification is not needed.
    let other = keys();
    qrseal()
        .args(["inspect", &qr])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("NOT VERIFIED"))
        .stdout(predicate::str::contains("dark-red"))
        .stdout(predicate::str::contains(format!("{bytes} bytes")));
    verify(other.path(), &qr, &[]).code(1);

    qrseal()
        .args(["inspect", "QS:NOPE"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("qrseal: error: "));
}

#[test]
fn render_png_then_verify_image() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("token.png");
    qrseal()
        .args(["render", &qr, "--png"])
        .arg(&png)
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::is_match(r"^QR version \d+-M, \d+x\d+ modules\n$").unwrap());
    assert!(fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // Only the PNG: no temporary file is left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    let a = qrseal()
        .args(["verify", "--now", LATER, "--json", "--image"])
        .arg(&png)
        .arg("--keys")
        .arg(k.path())
        .assert()
        .code(0);
    assert_eq!(json_of(&a)["result"], "admitted");
}

#[test]
fn render_svg_and_terminal() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    let dir = TempDir::new().unwrap();
    let svg = dir.path().join("token.svg");
    fs::write(&svg, "old contents").unwrap();
    qrseal()
        .args(["render", &qr, "--ecc", "H", "--module-size", "4", "--svg"])
        .arg(&svg)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("-H, "));
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.trim_end().ends_with("</svg>"));
    qrseal()
        .args(["render", &qr, "--terminal"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("█"));
    qrseal()
        .args(["render", &qr, "--terminal", "--svg"])
        .arg(&svg)
        .assert()
        .code(2);
}

#[test]
fn image_without_qr_code_is_rejected_and_non_images_are_errors() {
    let k = keys();
    let dir = TempDir::new().unwrap();
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255u8]))
        .save(&blank)
        .unwrap();
    let a = qrseal()
        .args(["verify", "--json", "--image"])
        .arg(&blank)
        .arg("--keys")
        .arg(k.path())
        .assert()
        .code(1);
    assert_eq!(json_of(&a)["code"], "no_qr_code");

    let binary = dir.path().join("random.bin");
    fs::write(
        &binary,
        (0..=255u8).cycle().take(10_000).collect::<Vec<_>>(),
    )
    .unwrap();
    for file in [
        binary.as_path(),
        dir.path(),
        &dir.path().join("missing.png"),
    ] {
        qrseal()
            .args(["verify", "--image"])
            .arg(file)
            .arg("--keys")
            .arg(k.path())
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("qrseal: error: "))
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    }
}

#[test]
fn bad_input_is_an_error_never_a_panic() {
    let k = keys();
    verify(k.path(), "", &[])
        .code(1)
        .stdout(predicate::str::contains("empty"));
    // Long arguments (a single argument is limited to 128 KiB on Linux).
    verify(k.path(), &format!("QS:{}", "0".repeat(100_000)), &[]).code(1);
    verify(k.path(), &"A".repeat(100_000), &[]).code(1);
    verify(k.path(), "\u{1F600}", &["--json"]).code(1);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        qrseal()
            .arg("verify")
            .arg(std::ffi::OsStr::from_bytes(b"QS:\xff\xfe"))
            .arg("--keys")
            .arg(k.path())
            .assert()
            .code(1);
        qrseal()
            .args(["issue", "--colour", "green", "--keys"])
            .arg(k.path())
            .arg("--id")
            .arg(std::ffi::OsStr::from_bytes(b"\xff"))
            .assert()
            .code(2);
    }
    let usage_errors: &[&[&str]] = &[
        &["verify", "x", "--keys", ".", "--bogus"],
        &["verify", "x", "--keys", ".", "--now", "yesterday"],
        &[
            "verify",
            "x",
            "--keys",
            ".",
            "--skew",
            "99999999999999999999999d",
        ],
        &["verify", "x", "--keys", ".", "--min-doses", "300"],
        &["verify", "--keys", "."],
        &["issue", "--keys", ".", "--id", ID, "--colour", "blue"],
        &[
            "issue", "--keys", ".", "--id", ID, "--colour", "red", "--doses", "2",
        ],
        &[
            "issue", "--keys", ".", "--id", ID, "--colour", "red", "--test", "negative",
        ],
        &["render", "QS:AB", "--png", "a.png", "--svg", "a.svg"],
        &["render", "QS:AB"],
        &["frobnicate"],
    ];
    for args in usage_errors {
        qrseal()
            .args(*args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("qrseal: error: "))
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    }
    // Values the libraries refuse are usage errors too, reported on one line.
    let keys = k.path().to_str().unwrap();
    let refused: &[&[&str]] = &[
        &["--ttl", "30d"],
        &["--ttl", "2h", "--spread", "3h"],
        &["--ttl", "9999999999999h"],
        &["--display", "0123456789012345678901234567890123"],
        &["--display", "tab\there"],
        &["--test", "negative@2026-11-22T00:00:00Z"],
        &["--doses", "0", "--last-dose", "2026-01-01"],
    ];
    for extra in refused {
        qrseal()
            .args(["issue", "--keys", keys, "--id", ID, "--colour", "red"])
            .args(["--now", NOW])
            .args(*extra)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("qrseal: error: "))
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    }
}

#[test]
fn missing_or_bad_key_directory_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no-such-dir");
    qrseal()
        .args(["verify", "QS:AB", "--keys"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("issuer.pub"));
    qrseal()
        .args(["issue", "--id", ID, "--colour", "green", "--keys"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("qrseal: error: "));
    // A key directory whose issuer.pub is not a key.
    fs::write(dir.path().join("issuer.pub"), [0xffu8, 0, 1, 2]).unwrap();
    qrseal()
        .args(["verify", "QS:AB", "--keys"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn help_and_version_succeed() {
    qrseal()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes"));
    qrseal()
        .args(["issue", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("TTL/8"))
        .stdout(predicate::str::contains("--url"));
    qrseal().arg("--version").assert().code(0);
    qrseal().assert().code(2);
}

#[test]
fn demo_runs_every_step() {
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("demo.png");
    qrseal()
        .args(["demo", "--out"])
        .arg(&png)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("admitted"))
        .stdout(predicate::str::contains("[6/6]"))
        .stdout(predicate::str::contains("QR version"))
        .stdout(predicate::str::contains("bytes"));
    assert!(fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // Nothing but the PNG is written.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}
