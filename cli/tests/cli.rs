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
        .code(2);
    assert_eq!(json_of(&a)["code"], "no_qr_code");
    assert_eq!(json_of(&a)["category"], "unusable");

    // The crafted image of issue 10 (a 40 KB PNG: 4096x4096 of repeated finder patterns),
    // which once drove `verify --image` past 11 GiB: a plain miss now.
    let grid = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds/image_decode/adversarial-finder-grid-4096-m1-g1.png");
    let a = qrseal()
        .args(["verify", "--json", "--image"])
        .arg(&grid)
        .arg("--keys")
        .arg(k.path())
        .assert()
        .code(2);
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
        .stdout(predicate::str::contains("[10/10]"))
        .stdout(predicate::str::contains("(revoked)"))
        .stdout(predicate::str::contains("QR version"))
        .stdout(predicate::str::contains("bytes"));
    assert!(fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // Nothing but the PNG is written.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

// Trust lists, rotation and revocation from files.

const T0: &str = "2026-11-21T07:00:00Z";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `qrseal ARGS`, expecting success; returns stdout.
fn ok(args: &[&str]) -> String {
    let out = qrseal()
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Runs `qrseal ARGS`, expecting exit 2 with one error line on stderr naming `code`.
fn refused(args: &[&str], code: &str) {
    qrseal()
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("qrseal: error: "))
        .stderr(predicate::str::contains(code))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

/// `qrseal issue` for `id` at `now`.
fn issue_at(keys: &Path, id: &str, now: &str) -> String {
    ok(&[
        "issue",
        "--keys",
        s(keys),
        "--id",
        id,
        "--colour",
        "green",
        "--now",
        now,
    ])
    .trim_end()
    .to_owned()
}

/// A root key in DIR/root and an issuer key set in DIR/k1, listed by DIR/trust.qstl
/// (sequence 1, issued at T0, next update a week later).
struct Setup {
    dir: TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("root");
        let out = ok(&["root-keygen", "--dir", s(&root)]);
        assert!(out.contains("root.pub"), "{out}");
        ok(&["keygen", "--dir", s(&dir.path().join("k1"))]);
        let setup = Setup { dir };
        let out = ok(&[
            "trust-list",
            "--root",
            s(&setup.path("root")),
            "--add-issuer",
            s(&setup.path("k1")),
            "--out",
            s(&setup.path("trust.qstl")),
            "--now",
            T0,
        ]);
        assert!(out.contains("sequence 1"), "{out}");
        assert!(out.contains("active"), "{out}");
        setup
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// `qrseal verify TEXT --root root/root.pub --trust FILE --now NOW --json` plus `extra`.
    fn verify(&self, trust: &str, text: &str, now: &str, extra: &[&str]) -> (i32, Value) {
        let root_pub = self.path("root").join("root.pub");
        let a = qrseal()
            .args(["verify", text, "--root", s(&root_pub), "--trust"])
            .arg(self.path(trust))
            .args(["--now", now, "--json"])
            .args(extra)
            .assert();
        let code = a.get_output().status.code().unwrap();
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        let v = json_of(&a);
        assert!(
            code != 2 || v["result"] == "rejected",
            "verify failed: {stderr}"
        );
        (code, json_of(&a))
    }

    /// Like `verify`, expecting exit 2 (a refused file) with `code` on stderr.
    fn verify_refused(&self, trust: &str, text: &str, now: &str, extra: &[&str], code: &str) {
        let root_pub = self.path("root").join("root.pub");
        let mut args = vec!["verify", text, "--root", s(&root_pub), "--now", now]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        args.push("--trust".to_owned());
        args.push(s(&self.path(trust)).to_owned());
        args.extend(extra.iter().map(|e| (*e).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, code);
    }

    /// `qrseal trust-list --root root --previous trust.qstl --out OUT --now NOW` plus `extra`.
    fn next_trust_list(&self, out: &str, now: &str, extra: &[&str]) {
        let (root, previous, out) = (self.path("root"), self.path("trust.qstl"), self.path(out));
        let mut args = vec![
            "trust-list",
            "--root",
            s(&root),
            "--previous",
            s(&previous),
            "--out",
            s(&out),
            "--now",
            now,
        ];
        args.extend_from_slice(extra);
        ok(&args);
    }
}

fn key_id_of(token: &str) -> String {
    let a = qrseal().args(["inspect", token, "--json"]).assert().code(0);
    json_of(&a)["key_id"].as_str().unwrap().to_owned()
}

fn subject_of(token: &str) -> String {
    let a = qrseal().args(["inspect", token, "--json"]).assert().code(0);
    json_of(&a)["subject"].as_str().unwrap().to_owned()
}

#[test]
fn root_keygen_writes_a_private_key_and_never_overwrites() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("root");
    ok(&["root-keygen", "--dir", s(&root)]);
    let key = fs::read(root.join("root.key")).unwrap();
    assert!(String::from_utf8_lossy(&key).contains("BEGIN PRIVATE KEY"));
    let public = fs::read_to_string(root.join("root.pub")).unwrap();
    assert!(public.contains("BEGIN PUBLIC KEY"));
    #[cfg(unix)]
    assert_eq!(mode(&root.join("root.key")), 0o600);
    refused(&["root-keygen", "--dir", s(&root)], "refusing to overwrite");
    assert_eq!(fs::read(root.join("root.key")).unwrap(), key);
    assert_eq!(fs::read_dir(&root).unwrap().count(), 2);
}

#[test]
fn trust_list_rotation_and_revocation_from_files() {
    let t = Setup::new();
    let (k1, k2, rev) = (t.path("k1"), t.path("k2"), t.path("rev"));
    let t1 = issue_at(&k1, ID, NOW);
    let (code, v) = t.verify("trust.qstl", &t1, LATER, &[]);
    assert_eq!((code, v["result"].as_str()), (0, Some("admitted")));
    assert_eq!(v["stale"], Value::Null);

    // Rotate at 10:00, publishing at 09:30: a new key set with the same subject secret.
    let out = ok(&[
        "rotate",
        "--root",
        s(&t.path("root")),
        "--trust",
        s(&t.path("trust.qstl")),
        "--old",
        s(&k1),
        "--new",
        s(&k2),
        "--at",
        "2026-11-21T10:00:00Z",
        "--now",
        "2026-11-21T09:30:00Z",
    ]);
    assert!(
        out.contains("sequence 2") && out.contains("retired"),
        "{out}"
    );
    assert_eq!(
        fs::read(k1.join("subject.key")).unwrap(),
        fs::read(k2.join("subject.key")).unwrap()
    );
    assert_ne!(
        fs::read(k1.join("issuer.key")).unwrap(),
        fs::read(k2.join("issuer.key")).unwrap()
    );
    // Only the trust list was replaced: no temporary file is left.
    let mut names: Vec<String> = fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["k1", "k2", "root", "trust.qstl"]);

    // The old key's token still verifies; the new key's does too, with the same subject.
    let (code, _) = t.verify("trust.qstl", &t1, "2026-11-21T10:30:00Z", &[]);
    assert_eq!(code, 0);
    let t2 = issue_at(&k2, ID, "2026-11-21T10:30:00Z");
    assert_eq!(subject_of(&t1), subject_of(&t2));
    let (code, _) = t.verify("trust.qstl", &t2, "2026-11-21T11:00:00Z", &[]);
    assert_eq!(code, 0);
    // The old key signs nothing new.
    let late = issue_at(&k1, ID, "2026-11-21T10:30:00Z");
    let (code, v) = t.verify("trust.qstl", &late, "2026-11-21T11:00:00Z", &[]);
    assert_eq!(
        (code, v["code"].as_str()),
        (1, Some("outside_signing_window"))
    );

    // Revoke the holder's tokens issued before 11:00 and publish: full list, sequence 1.
    let out = ok(&[
        "revoke",
        "--keys",
        s(&k2),
        "--revocations",
        s(&rev),
        "--id",
        ID,
        "--before",
        "2026-11-21T11:00:00Z",
    ]);
    assert!(out.contains(&subject_of(&t1)), "{out}");
    let publish = |now: &str| {
        ok(&[
            "publish-revocations",
            "--keys",
            s(&k2),
            "--revocations",
            s(&rev),
            "--now",
            now,
        ])
    };
    let out = publish("2026-11-21T11:00:00Z");
    assert!(
        out.contains("sequence 1") && !out.contains("delta"),
        "{out}"
    );
    // Published entries leave the queue.
    assert_eq!(fs::read_to_string(rev.join("pending")).unwrap(), "");
    let full1 = t.path("full-1.qsrl");
    fs::copy(rev.join("full.qsrl"), &full1).unwrap();
    let with_full1 = ["--revocations", s(&full1)];
    for token in [&t1, &t2] {
        let (code, v) = t.verify("trust.qstl", token, "2026-11-21T11:30:00Z", &with_full1);
        assert_eq!((code, v["code"].as_str()), (1, Some("revoked")));
    }
    // A refreshed token, issued after the revocation time, verifies.
    let t3 = issue_at(&k2, ID, "2026-11-21T11:30:00Z");
    let (code, _) = t.verify("trust.qstl", &t3, "2026-11-21T12:00:00Z", &with_full1);
    assert_eq!(code, 0);

    // A second holder, revoked in a delta: sequence 2.
    let other_id = "110101198001011234";
    let other = issue_at(&k2, other_id, "2026-11-21T11:30:00Z");
    ok(&[
        "revoke",
        "--keys",
        s(&k2),
        "--revocations",
        s(&rev),
        "--id",
        other_id,
        "--before",
        "2026-11-21T12:00:00Z",
    ]);
    let out = publish("2026-11-21T12:00:00Z");
    assert!(out.contains("delta-00000002.qsrl"), "{out}");
    let delta = rev.join("delta-00000002.qsrl");
    let with_delta = ["--revocations", s(&full1), "--revocations", s(&delta)];
    let at = "2026-11-21T12:30:00Z";
    let (code, _) = t.verify("trust.qstl", &other, at, &with_full1);
    assert_eq!(code, 0, "not revoked by the first full list");
    let (code, v) = t.verify("trust.qstl", &other, at, &with_delta);
    assert_eq!((code, v["code"].as_str()), (1, Some("revoked")));
    let (code, v) = t.verify("trust.qstl", &t1, at, &with_delta);
    assert_eq!((code, v["code"].as_str()), (1, Some("revoked")));
    let (code, _) = t.verify("trust.qstl", &t3, at, &with_delta);
    assert_eq!(code, 0);
    // The new full list holds both; a delta without its base list is refused.
    let full2_path = rev.join("full.qsrl");
    let full2 = ["--revocations", s(&full2_path)];
    let (code, _) = t.verify("trust.qstl", &other, at, &full2);
    assert_eq!(code, 1);
    t.verify_refused(
        "trust.qstl",
        &t3,
        at,
        &["--revocations", s(&delta)],
        "delta_gap",
    );
    let listing = ok(&["inspect-list", s(&rev.join("full.qsrl"))]);
    assert!(listing.starts_with("NOT VERIFIED"), "{listing}");
    assert!(listing.contains("revocation list (full)"), "{listing}");
    assert!(listing.contains(&subject_of(&other)), "{listing}");
    let listing = ok(&["inspect-list", s(&t.path("trust.qstl"))]);
    assert!(listing.contains(&key_id_of(&t1)) && listing.contains(&key_id_of(&t2)));

    // An empty delta still moves the sequence on.
    let out = publish("2026-11-21T13:00:00Z");
    assert!(
        out.contains("delta-00000003.qsrl") && out.contains("0 new entries"),
        "{out}"
    );

    // `verify --keys DIR` still works alongside.
    verify(&k1, &t1, &[]).code(0);
}

#[test]
fn forged_and_rolled_back_lists_and_a_clock_set_back_are_refused() {
    let t = Setup::new();
    let token = issue_at(&t.path("k1"), ID, NOW);

    // A byte flipped anywhere in the signed bytes: forged_list.
    let mut bytes = fs::read(t.path("trust.qstl")).unwrap();
    let i = bytes.len() - 100; // inside the key entry
    bytes[i] ^= 1;
    fs::write(t.path("forged.qstl"), &bytes).unwrap();
    t.verify_refused("forged.qstl", &token, LATER, &[], "forged_list");
    let mut bytes = fs::read(t.path("trust.qstl")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    fs::write(t.path("forged.qstl"), &bytes).unwrap();
    t.verify_refused("forged.qstl", &token, LATER, &[], "forged_list");
    // The publisher refuses a forged previous list too.
    refused(
        &[
            "trust-list",
            "--root",
            s(&t.path("root")),
            "--previous",
            s(&t.path("forged.qstl")),
            "--out",
            s(&t.path("next.qstl")),
            "--now",
            NOW,
        ],
        "forged_list",
    );
    assert!(!t.path("next.qstl").exists());
    // A list signed by another root.
    let other = Setup::new();
    fs::copy(other.path("trust.qstl"), t.path("other.qstl")).unwrap();
    t.verify_refused("other.qstl", &token, LATER, &[], "wrong_root");

    // Sequence 2; with a checkpoint, sequence 1 is then a rollback.
    t.next_trust_list("trust-2.qstl", "2026-11-21T07:30:00Z", &[]);
    let checkpoint = t.path("scanner.ckpt");
    let with_checkpoint = ["--checkpoint", s(&checkpoint)];
    let (code, _) = t.verify("trust-2.qstl", &token, LATER, &with_checkpoint);
    assert_eq!(code, 0);
    assert_eq!(fs::read(&checkpoint).unwrap().len(), 44);
    t.verify_refused("trust.qstl", &token, LATER, &with_checkpoint, "rollback");
    let (code, _) = t.verify("trust.qstl", &token, LATER, &[]);
    assert_eq!(code, 0, "without the checkpoint nothing is remembered");

    // The checkpoint holds the newest signed time seen (the token's, 08:00): a clock set
    // back to 07:50 is caught even though the token was valid then.
    let (code, v) = t.verify(
        "trust-2.qstl",
        &token,
        "2026-11-21T07:50:00Z",
        &with_checkpoint,
    );
    assert_eq!((code, v["code"].as_str()), (2, Some("clock_behind")));
    let (code, _) = t.verify("trust-2.qstl", &token, LATER, &with_checkpoint);
    assert_eq!(code, 0);

    // A damaged checkpoint is refused, not ignored.
    fs::write(&checkpoint, b"not a checkpoint").unwrap();
    t.verify_refused(
        "trust-2.qstl",
        &token,
        LATER,
        &with_checkpoint,
        "invalid_checkpoint",
    );
}

#[test]
fn retired_and_compromised_keys() {
    let t = Setup::new();
    let k1 = t.path("k1");
    let token = issue_at(&k1, ID, NOW);
    let key_id = key_id_of(&token);

    // Retired at 08:30: its earlier tokens verify, later ones do not.
    t.next_trust_list(
        "retired.qstl",
        "2026-11-21T08:30:00Z",
        &["--retire", &key_id],
    );
    let (code, _) = t.verify("retired.qstl", &token, LATER, &[]);
    assert_eq!(code, 0);
    let late = issue_at(&k1, ID, "2026-11-21T08:45:00Z");
    let (code, v) = t.verify("retired.qstl", &late, LATER, &[]);
    assert_eq!(
        (code, v["code"].as_str()),
        (1, Some("outside_signing_window"))
    );

    // Compromised since 08:30: from then on none of its tokens verify.
    let compromised = format!("{key_id}@2026-11-21T08:30:00Z");
    t.next_trust_list(
        "bad.qstl",
        "2026-11-21T08:40:00Z",
        &["--compromised", &compromised],
    );
    let (code, v) = t.verify("bad.qstl", &token, LATER, &[]);
    assert_eq!((code, v["code"].as_str()), (1, Some("key_compromised")));
    let listing = ok(&["inspect-list", s(&t.path("bad.qstl"))]);
    assert!(
        listing.contains("compromised since 2026-11-21T08:30:00Z"),
        "{listing}"
    );

    // Unknown key ids and keys listed twice are usage errors; nothing is written.
    let root = t.path("root");
    let previous = t.path("trust.qstl");
    let base = [
        "trust-list",
        "--root",
        s(&root),
        "--previous",
        s(&previous),
        "--now",
        LATER,
        "--out",
    ];
    let out = t.path("never.qstl");
    for extra in [
        &["--retire", "00000000"][..],
        &["--compromised", "00000000@2026-11-21T08:30:00Z"],
        &["--add-issuer", s(&k1)],
    ] {
        let mut args = base.to_vec();
        args.push(s(&out));
        args.extend_from_slice(extra);
        qrseal()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
        assert!(!out.exists());
    }
    // Rotating into an existing key directory changes nothing.
    let before = fs::read(t.path("trust.qstl")).unwrap();
    qrseal()
        .args([
            "rotate",
            "--root",
            s(&root),
            "--trust",
            s(&t.path("trust.qstl")),
        ])
        .args(["--old", s(&k1), "--new", s(&k1), "--now", LATER])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refusing to overwrite"));
    assert_eq!(fs::read(t.path("trust.qstl")).unwrap(), before);
}

#[test]
fn stale_trust_data_warns_then_denies() {
    let t = Setup::new();
    // A list issued at 07:00 promising the next by 08:00.
    t.next_trust_list("short.qstl", T0, &["--valid-for", "1h"]);
    let token = issue_at(&t.path("k1"), ID, NOW);
    // Within the default 24 h grace: fresh.
    let (code, v) = t.verify("short.qstl", &token, "2026-11-21T10:00:00Z", &[]);
    assert_eq!((code, &v["stale"]), (0, &Value::Null));
    // Past a 1 h grace: stale by 2 h, admitted with a warning.
    let (code, v) = t.verify(
        "short.qstl",
        &token,
        "2026-11-21T10:00:00Z",
        &["--grace", "1h"],
    );
    assert_eq!(code, 0);
    assert_eq!(v["stale"]["data"], "trust_list");
    assert_eq!(v["stale"]["overdue_secs"], 7200);
    let root_pub = t.path("root").join("root.pub");
    let text = |extra: &[&str]| {
        qrseal()
            .args(["verify", &token, "--root", s(&root_pub), "--trust"])
            .arg(t.path("short.qstl"))
            .args(["--now", "2026-11-21T10:00:00Z", "--grace", "1h"])
            .args(extra)
            .assert()
    };
    text(&[]).code(0).stdout(predicate::str::contains(
        "warning: trust list is stale: 2h00m past its next update",
    ));
    // More than --max-stale past its next update: denied.
    text(&["--max-stale", "1h"])
        .code(3)
        .stdout(predicate::str::starts_with(
            "VALID: denied: trust list is 2h00m",
        ));
    let (code, v) = t.verify(
        "short.qstl",
        &token,
        "2026-11-21T10:00:00Z",
        &["--grace", "1h", "--max-stale", "1h"],
    );
    assert_eq!(code, 3);
    assert_eq!(v["result"], "denied");
    assert_eq!(v["denial_codes"], serde_json::json!(["stale_trust_data"]));
}

#[test]
fn verify_needs_exactly_one_source_of_trust() {
    let k = keys();
    let qr = issue(k.path(), "green", &[]);
    let dir = s(k.path());
    let pub_file = k.path().join("issuer.pub");
    let usage: &[&[&str]] = &[
        &["verify", &qr],
        &[
            "verify",
            &qr,
            "--keys",
            dir,
            "--root",
            s(&pub_file),
            "--trust",
            "t",
        ],
        &["verify", &qr, "--root", s(&pub_file)],
        &["verify", &qr, "--keys", dir, "--trust", "t"],
        &["verify", &qr, "--keys", dir, "--revocations", "r"],
        &["verify", &qr, "--keys", dir, "--checkpoint", "c"],
        &[
            "trust-list",
            "--root",
            dir,
            "--out",
            "x",
            "--compromised",
            "abc",
        ],
        &["revoke", "--keys", dir, "--revocations", "r"],
    ];
    for args in usage {
        qrseal()
            .args(*args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("qrseal: error: "))
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    }
    // Not a list at all.
    qrseal()
        .args(["inspect-list"])
        .arg(&pub_file)
        .assert()
        .code(1);
}

/// `verify --json` answers every outcome on stdout, refusals with exit 2 included, with the
/// error table's code, number and category.
#[test]
fn verify_json_covers_refused_lists_and_usage_errors() {
    let t = Setup::new();
    let token = issue_at(&t.path("k1"), ID, NOW);
    let mut bytes = fs::read(t.path("trust.qstl")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    fs::write(t.path("forged.qstl"), &bytes).unwrap();
    let root_pub = t.path("root").join("root.pub");
    let a = qrseal()
        .args([
            "verify",
            &token,
            "--json",
            "--now",
            LATER,
            "--root",
            s(&root_pub),
        ])
        .arg("--trust")
        .arg(t.path("forged.qstl"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("forged_list"));
    let v = json_of(&a);
    assert_eq!(v["result"], "error");
    assert_eq!(v["code"], "forged_list");
    assert_eq!(v["number"], 308);
    assert_eq!(v["category"], "unusable");

    // No trust data at all: a usage error, still one JSON line, with no code.
    let a = qrseal()
        .args(["verify", &token, "--json", "--now", LATER])
        .assert()
        .code(2);
    let v = json_of(&a);
    assert_eq!(v["result"], "error");
    assert!(v["code"].is_null());
    assert!(v["message"].as_str().unwrap().contains("--keys"));
}

/// Without `--revocations` a revoked token would verify: the verdict says so, and
/// `--require-revocations` denies.
#[test]
fn verify_reports_missing_revocation_data() {
    let t = Setup::new();
    let token = issue_at(&t.path("k1"), ID, NOW);
    let (code, v) = t.verify("trust.qstl", &token, LATER, &[]);
    assert_eq!(code, 0);
    assert!(v["revocations"].is_null());
    let root_pub = t.path("root").join("root.pub");
    qrseal()
        .args(["verify", &token, "--now", LATER, "--root", s(&root_pub)])
        .arg("--trust")
        .arg(t.path("trust.qstl"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "warning: no revocation list loaded",
        ));
    let (code, v) = t.verify("trust.qstl", &token, LATER, &["--require-revocations"]);
    assert_eq!(code, 3);
    assert_eq!(v["result"], "denied");
    assert_eq!(v["denial_codes"][0], "no_revocation_data");
}
