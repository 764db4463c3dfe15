//! Key files end to end: `keygen` and `root-keygen` killed at every crash point and run
//! again, and secret key files others could read refused by every command that signs.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn qrseal() -> Command {
    let mut cmd = Command::cargo_bin("qrseal").unwrap();
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("QRSEAL_TEST_CRASH_AT");
    cmd
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Runs `args` (which write the key set `files` into `dir`) with a crash injected at
/// point 1, 2, ... until a run gets through, re-running after each crash; checks that the
/// half-written set is never used and that the re-run leaves exactly the set.
fn crash_at_every_point_then_rerun(args: &[&str], files: &[&str], load: &[&str]) {
    let mut points = 0;
    for at in 1.. {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path().join("keys");
        let run = qrseal()
            .current_dir(tmp.path())
            .args(args)
            .arg(&dir)
            .env("QRSEAL_TEST_CRASH_AT", at.to_string())
            .output()
            .unwrap();
        if run.status.success() {
            assert_eq!(names(&dir), files, "crash point {at} never reached");
            break;
        }
        points = at;
        // Killed by the hook, not failed: no exit code.
        assert_eq!(run.status.code(), None, "crash point {at}: {run:?}");
        // Whatever is in place is not used, unless the set was complete.
        let complete = !dir.join(".qrseal-keys.staged").exists()
            && !dir.join(".qrseal-keys.writing").exists()
            && files.iter().all(|f| dir.join(f).exists());
        if !complete {
            qrseal()
                .current_dir(tmp.path())
                .args(load)
                .arg(&dir)
                .assert()
                .code(2);
        }
        if complete {
            // Committed: loading works and removes the second names left behind.
            qrseal()
                .current_dir(tmp.path())
                .args(load)
                .arg(&dir)
                .assert()
                .success();
            assert_eq!(names(&dir), files, "crash point {at}");
            continue;
        }
        // The re-run succeeds and leaves the set and nothing else: no hidden copy.
        qrseal()
            .current_dir(tmp.path())
            .args(args)
            .arg(&dir)
            .assert()
            .success();
        assert_eq!(names(&dir), files, "after crash point {at} and a re-run");
        qrseal()
            .current_dir(tmp.path())
            .args(load)
            .arg(&dir)
            .assert()
            .success();
    }
    // One crash point after each of the files, the rename, each link, the commit, each
    // removal and the last directory flush.
    assert_eq!(points, 3 * files.len() + 3, "crash points");
}

#[test]
fn keygen_killed_at_any_point_can_be_run_again() {
    crash_at_every_point_then_rerun(
        &["keygen", "--dir"],
        &["issuer.key", "issuer.pub", "subject.key"],
        &[
            "issue",
            "--id",
            "11010119900307888X",
            "--colour",
            "green",
            "--keys",
        ],
    );
}

#[test]
fn root_keygen_killed_at_any_point_can_be_run_again() {
    let tmp = TempDir::new().unwrap();
    let keys = tmp.path().join("issuer");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .success();
    // Relative to each run's own directory: trust-list never overwrites an existing list.
    let trust = "trust.qstl";
    let keys = keys.to_str().unwrap();
    crash_at_every_point_then_rerun(
        &["root-keygen", "--dir"],
        &["root.key", "root.pub"],
        &[
            "trust-list",
            "--add-issuer",
            keys,
            "--out",
            trust,
            "--now",
            "2026-11-21T08:00:00Z",
            "--root",
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_secret_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    let keys = tmp.path().join("keys");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .success();
    fs::set_permissions(keys.join("issuer.key"), fs::Permissions::from_mode(0o644)).unwrap();
    qrseal()
        .args([
            "issue",
            "--id",
            "11010119900307888X",
            "--colour",
            "green",
            "--keys",
        ])
        .arg(&keys)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("refusing to use this secret key"))
        .stderr(predicate::str::contains("0644"))
        .stderr(predicate::str::contains("chmod 600"));
    fs::set_permissions(keys.join("issuer.key"), fs::Permissions::from_mode(0o600)).unwrap();
    qrseal()
        .args([
            "issue",
            "--id",
            "11010119900307888X",
            "--colour",
            "green",
            "--keys",
        ])
        .arg(&keys)
        .assert()
        .success();
}

#[test]
fn rotate_killed_at_any_point_can_be_run_again() {
    let now = "2026-11-21T08:00:00Z";
    for at in 1..=13 {
        let tmp = TempDir::new().unwrap();
        let p = |name: &str| tmp.path().join(name);
        qrseal()
            .args(["root-keygen", "--dir"])
            .arg(p("root"))
            .assert()
            .success();
        qrseal()
            .args(["keygen", "--dir"])
            .arg(p("keys"))
            .assert()
            .success();
        qrseal()
            .args(["trust-list", "--now", now, "--root"])
            .arg(p("root"))
            .arg("--add-issuer")
            .arg(p("keys"))
            .arg("--out")
            .arg(p("trust.qstl"))
            .assert()
            .success();
        let rotate = || {
            let mut cmd = qrseal();
            cmd.args([
                "rotate",
                "--now",
                now,
                "--at",
                "2026-11-22T00:00:00Z",
                "--root",
            ])
            .arg(p("root"))
            .arg("--trust")
            .arg(p("trust.qstl"))
            .arg("--old")
            .arg(p("keys"))
            .arg("--new")
            .arg(p("keys-2"));
            cmd
        };
        let before = fs::read(p("trust.qstl")).unwrap();
        let run = rotate()
            .env("QRSEAL_TEST_CRASH_AT", at.to_string())
            .output()
            .unwrap();
        if run.status.success() {
            // Past the last crash point of the three-file set (3 * 3 + 3 = 12).
            assert_eq!(at, 13);
            // Run again once published: the rotation is reported as done, nothing changes.
            let after = fs::read(p("trust.qstl")).unwrap();
            rotate()
                .assert()
                .success()
                .stdout(predicate::str::contains("the rotation is done"));
            assert_eq!(fs::read(p("trust.qstl")).unwrap(), after);
            break;
        }
        assert_eq!(run.status.code(), None, "crash point {at}: {run:?}");
        // Killed while the key set was being written or before the trust list was replaced:
        // the trust list is untouched, and the same command run again completes the
        // rotation, with the key set the crashed run committed if it got that far.
        assert_eq!(
            fs::read(p("trust.qstl")).unwrap(),
            before,
            "crash point {at}"
        );
        let committed = at >= 8;
        let key_before = committed.then(|| fs::read(p("keys-2/issuer.pub")).unwrap());
        rotate().assert().success();
        if let Some(key) = key_before {
            assert_eq!(
                fs::read(p("keys-2/issuer.pub")).unwrap(),
                key,
                "crash point {at}"
            );
        }
        assert_eq!(
            names(&p("keys-2")),
            ["issuer.key", "issuer.pub", "subject.key"],
            "crash point {at}"
        );
        qrseal()
            .arg("inspect-list")
            .arg(p("trust.qstl"))
            .assert()
            .success()
            .stdout(predicate::str::contains("sequence"));
        qrseal()
            .args([
                "issue",
                "--id",
                "11010119900307888X",
                "--colour",
                "green",
                "--keys",
            ])
            .arg(p("keys-2"))
            .assert()
            .success();
    }
}
