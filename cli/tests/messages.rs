//! The mistakes a new user made, each answered with a message that says what to do, and the
//! conveniences they asked for.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A directory with an issuer key set in keys/ and the QR text of a green token in
/// token.txt (issued at NOW).
fn setup() -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    let keys = dir.path().join("keys");
    qrseal()
        .args(["keygen", "--dir", s(&keys)])
        .assert()
        .success();
    let out = qrseal()
        .args(["issue", "--keys", s(&keys), "--id", ID, "--colour", "green"])
        .args(["--now", NOW])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let token = String::from_utf8(out).unwrap().trim().to_owned();
    fs::write(dir.path().join("token.txt"), format!("{token}\n")).unwrap();
    (dir, token)
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn a_file_name_or_a_link_in_place_of_the_token_says_what_to_give() {
    let (dir, token) = setup();
    let keys = dir.path().join("keys");
    qrseal()
        .current_dir(dir.path())
        .args(["verify", "token.txt", "--keys", s(&keys), "--now", LATER])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("is a file name"))
        .stdout(predicate::str::contains("`- < token.txt`"));

    // The URL form inside a whole link.
    let url = qrseal()
        .args(["inspect", &token, "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let url = json(&url)["url_text"].as_str().unwrap().to_owned();
    let link = format!("https://status.example.org/s#{url}");
    let a = qrseal()
        .args([
            "verify",
            &link,
            "--keys",
            s(&keys),
            "--now",
            LATER,
            "--json",
        ])
        .assert()
        .code(1);
    let v = json(&a.get_output().stdout);
    let hint = v["hint"].as_str().unwrap();
    assert!(hint.contains("the part after '#'"), "{hint}");
    assert!(hint.contains(&url[..20]), "{hint}");
    qrseal()
        .args(["inspect", &link])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the part after '#'"));
}

#[test]
fn a_qr_code_of_something_else_is_not_a_qrseal_code() {
    let (dir, _) = setup();
    let png = QrSymbol::new("HTTPS://EXAMPLE.ORG/MENU", Ecc::M)
        .unwrap()
        .to_png(RenderOptions {
            module_size: 8,
            quiet_zone: true,
        })
        .unwrap();
    let image = dir.path().join("menu.png");
    fs::write(&image, png).unwrap();
    qrseal()
        .args(["verify", "--image", s(&image), "--keys"])
        .arg(dir.path().join("keys"))
        .args(["--now", LATER])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not a qrseal code"));
    qrseal()
        .args(["inspect", "--image", s(&image)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a qrseal code"));
}

#[test]
fn a_secret_key_given_as_the_key_to_trust_points_to_the_public_one() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("root");
    qrseal()
        .args(["root-keygen", "--dir", s(&root)])
        .assert()
        .success();
    qrseal()
        .args(["verify", "QS:ABC", "--root", s(&root.join("root.key"))])
        .args(["--trust", "trust.qstl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a secret key"))
        .stderr(predicate::str::contains("root.pub"));
}

#[test]
fn render_draws_only_tokens_and_writes_png_to_stdout() {
    let (dir, token) = setup();
    qrseal()
        .args([
            "render",
            "hello world",
            "--png",
            s(&dir.path().join("x.png")),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("QR text form of a token"));
    assert!(!dir.path().join("x.png").exists());
    let mut damaged = token.clone();
    damaged.truncate(token.len() - 3);
    qrseal()
        .args(["render", &damaged, "--png", s(&dir.path().join("x.png"))])
        .assert()
        .code(1);
    assert!(!dir.path().join("x.png").exists());
    let out = qrseal()
        .args(["render", &token, "--png", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(out.starts_with(b"\x89PNG\r\n"), "PNG bytes on stdout");
    assert!(!dir.path().join("-").exists());
    // The PNG read back is the token.
    let png = dir.path().join("token.png");
    fs::write(&png, out).unwrap();
    let a = qrseal()
        .args(["inspect", "--image", s(&png), "--json"])
        .assert()
        .success();
    assert_eq!(json(&a.get_output().stdout)["qr_text"], token);
}

#[test]
fn keys_repeat_accept_takes_spaces_and_times_read_as_hours() {
    let (dir, token) = setup();
    let other = dir.path().join("other");
    qrseal()
        .args(["keygen", "--dir", s(&other)])
        .assert()
        .success();
    let keys = dir.path().join("keys");
    qrseal()
        .args(["verify", &token, "--keys", s(&other), "--keys", s(&keys)])
        .args(["--now", LATER, "--accept", "green, yellow"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("VALID: admitted"));
    // Expired by 229 h 03 min (and some seconds): the message reads in hours and minutes.
    let a = qrseal()
        .args([
            "verify",
            &token,
            "--keys",
            s(&keys),
            "--json",
            "--skew",
            "0s",
        ])
        .args(["--now", "2026-12-01T14:00:00Z"])
        .assert()
        .code(1);
    let v = json(&a.get_output().stdout);
    assert_eq!(v["code"], "expired");
    let message = v["message"].as_str().unwrap();
    assert!(
        message.starts_with("token expired ") && message.ends_with("m ago"),
        "{message}"
    );
    assert!(!message.contains(" s ago"), "{message}");
}
