//! ID numbers read from a file or standard input (`--id-file`), so that they never appear on
//! a command line; `--id` stays for tests.

use std::fs;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const ID: &str = "11010119900307888X";
const NOW: &str = "2026-11-21T08:00:00Z";

fn qrseal() -> Command {
    let mut cmd = Command::cargo_bin("qrseal").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

fn keys(tmp: &TempDir) -> std::path::PathBuf {
    let dir = tmp.path().join("keys");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&dir)
        .assert()
        .success();
    dir
}

fn stdout(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn issue_reads_the_id_number_from_stdin_or_a_file() {
    let tmp = TempDir::new().unwrap();
    let keys = keys(&tmp);
    let issue = |extra: &[&str], stdin: &str| {
        stdout(
            qrseal()
                .args(["issue", "--colour", "green", "--now", NOW, "--keys"])
                .arg(&keys)
                .args(extra)
                .write_stdin(stdin)
                .assert()
                .success(),
        )
    };
    // Signing is deterministic: the same holder at the same time gives the same token.
    let by_arg = issue(&["--id", ID], "");
    assert_eq!(issue(&["--id-file", "-"], &format!("{ID}\n")), by_arg);
    assert_eq!(
        issue(&["--id-file", "-"], &format!("\n  {ID}  \r\n\n")),
        by_arg
    );
    let file = tmp.path().join("id.txt");
    fs::write(&file, format!("{ID}\n")).unwrap();
    assert_eq!(issue(&["--id-file", file.to_str().unwrap()], ""), by_arg);

    // One holder per token: two IDs, none, or something else are refused.
    for (input, message) in [
        (format!("{ID}\n{ID}\n"), "more than 1 ID number"),
        ("\n\n".to_owned(), "no ID number"),
        ("x".repeat(5000), "longer than 1024 bytes"),
        ("1101-0119\n".to_owned(), "ASCII letters and digits"),
    ] {
        qrseal()
            .args(["issue", "--colour", "green", "--id-file", "-", "--keys"])
            .arg(&keys)
            .write_stdin(input)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
    // Neither flag, or both.
    qrseal()
        .args(["issue", "--colour", "green", "--keys"])
        .arg(&keys)
        .assert()
        .code(2);
    qrseal()
        .args([
            "issue",
            "--colour",
            "green",
            "--id",
            ID,
            "--id-file",
            "-",
            "--keys",
        ])
        .arg(&keys)
        .assert()
        .code(2);
    // The help says what --id costs.
    qrseal()
        .args(["issue", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("For tests only"))
        .stdout(predicate::str::contains("--id-file -"));
}

#[test]
fn revoke_reads_many_id_numbers_one_per_line() {
    let tmp = TempDir::new().unwrap();
    let keys = keys(&tmp);
    let rev = tmp.path().join("rev");
    let ids = "11010119900307888X\n\n110101199003071234\r\n  11010119900307555x  \n";
    let out = stdout(
        qrseal()
            .args(["revoke", "--id-file", "-", "--before", NOW, "--keys"])
            .arg(&keys)
            .arg("--revocations")
            .arg(&rev)
            .write_stdin(ids)
            .assert()
            .success(),
    );
    assert!(out.contains("Added 3 revocations"), "{out}");
    let pending = fs::read_to_string(rev.join("pending")).unwrap();
    assert_eq!(pending.lines().count(), 3, "{pending}");
    // The same subjects as --id gives, and never the ID numbers themselves.
    assert!(!pending.contains("1101"), "{pending}");
    let rev2 = tmp.path().join("rev2");
    qrseal()
        .args(["revoke", "--before", NOW, "--keys"])
        .arg(&keys)
        .arg("--revocations")
        .arg(&rev2)
        .args(["--id", "11010119900307888X", "--id", "110101199003071234"])
        .args(["--id", "11010119900307555X"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(rev2.join("pending")).unwrap(), pending);

    // From a file; a bad line is reported with its number and nothing is queued.
    let file = tmp.path().join("ids.txt");
    fs::write(&file, "11010119900307888X\n1101 0119\n").unwrap();
    let rev3 = tmp.path().join("rev3");
    qrseal()
        .args(["revoke", "--before", NOW, "--keys"])
        .arg(&keys)
        .arg("--revocations")
        .arg(&rev3)
        .arg("--id-file")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ID number 2"));
    assert!(!rev3.join("pending").exists());
    qrseal()
        .args(["revoke", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("For tests only"));
}
