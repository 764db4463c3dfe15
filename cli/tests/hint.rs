//! `qrseal issue --display`: typed text is normalised to NFC, and a hint that could carry an
//! ID number is refused.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn qrseal() -> Command {
    let mut cmd = Command::cargo_bin("qrseal").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

#[test]
fn display_hints_are_normalised_and_may_not_carry_an_id_number() {
    let tmp = TempDir::new().unwrap();
    let keys = tmp.path().join("keys");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .success();
    let issue = |hint: &str| {
        qrseal()
            .args(["issue", "--id", "11010119900307888X", "--colour", "green"])
            .args(["--now", "2026-11-21T08:00:00Z", "--display", hint, "--keys"])
            .arg(&keys)
            .assert()
    };
    // The report's example: a name and a whole ID number.
    issue("张三明 110101199003078888")
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("18 decimal digits; at most 4"));
    issue("张*明 １２３４５").code(2);
    // Typed decomposed, signed precomposed: the two spellings give one token.
    let decomposed = issue("Zoe\u{301} ****1234")
        .success()
        .get_output()
        .stdout
        .clone();
    let precomposed = issue("Zo\u{e9} ****1234")
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(decomposed, precomposed);
    let text = String::from_utf8(precomposed).unwrap();
    qrseal()
        .args(["inspect", text.trim()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Zo\u{e9} ****1234"));
}
