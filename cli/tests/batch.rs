//! `qrseal issue-batch` end to end: tokens equal to those `qrseal issue` signs, in input
//! order, no ID number in the output, bad rows stopped or skipped with their line number,
//! and no partial output file.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const NOW: &str = "2026-11-21T08:00:00Z";
const LATER: &str = "2026-11-21T09:00:00Z";
const HEADER: &str = "subject,qr,url,expires_at,refresh_at";

fn qrseal() -> Command {
    let mut cmd = Command::cargo_bin("qrseal").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

fn id(i: usize) -> String {
    format!("1101011990{i:07}X")
}

/// `n` rows exercising every column; the columns in a different order than documented.
fn holders(n: usize) -> String {
    let mut csv = String::from("display,colour,id,test,doses,last_dose\n");
    for i in 0..n {
        let colour = ["green", "yellow", "red", "dark-red"][i % 4];
        let (test, doses, last) = match i % 3 {
            0 => ("negative@2026-11-20T09:30:00Z", "2", "2026-08-01"),
            1 => ("", "", ""),
            _ => ("pending@2026-11-21T07:00:00Z", "", ""),
        };
        let display = if i.is_multiple_of(2) {
            format!("张*明 ****{:04}", i % 10_000)
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "{display},{colour},{},{test},{doses},{last}\n",
            id(i)
        ));
    }
    csv
}

/// What `qrseal issue` prints for row `i` of [`holders`].
fn issued_alone(keys: &Path, i: usize) -> String {
    let colour = ["green", "yellow", "red", "dark-red"][i % 4];
    let mut cmd = qrseal();
    cmd.args([
        "issue",
        "--now",
        NOW,
        "--colour",
        colour,
        "--id",
        &id(i),
        "--keys",
    ])
    .arg(keys);
    match i % 3 {
        0 => {
            cmd.args(["--test", "negative@2026-11-20T09:30:00Z", "--doses", "2"])
                .args(["--last-dose", "2026-08-01"]);
        }
        1 => {}
        _ => {
            cmd.args(["--test", "pending@2026-11-21T07:00:00Z"]);
        }
    }
    if i.is_multiple_of(2) {
        cmd.args(["--display", &format!("张*明 ****{:04}", i % 10_000)]);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap().trim().to_owned()
}

fn setup() -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let keys = tmp.path().join("keys");
    qrseal()
        .args(["keygen", "--dir"])
        .arg(&keys)
        .assert()
        .success();
    (tmp, keys)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn batch_tokens_equal_single_issues_in_input_order_without_id_numbers() {
    let (tmp, keys) = setup();
    // More rows than one chunk, so that chunks and their order are exercised.
    let n = 9000;
    let input = tmp.path().join("holders.csv");
    fs::write(&input, holders(n)).unwrap();
    let output = tmp.path().join("tokens.csv");
    qrseal()
        .args(["issue-batch", "--now", NOW, "--keys"])
        .arg(&keys)
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::starts_with(format!(
            "Issued {n} tokens (0 rows skipped) in "
        )))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    let text = fs::read_to_string(&output).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], HEADER);
    assert_eq!(rows.len(), n + 1);
    assert!(!text.contains("1101011990"), "an ID number in the output");
    for i in [0, 1, 2, 3, 5000, 8191, 8192, 8999] {
        let fields: Vec<&str> = rows[i + 1].split(',').collect();
        assert_eq!(fields.len(), 5);
        assert_eq!(fields[1], issued_alone(&keys, i), "row {i}");
        // The URL form is the same token; the times are RFC 3339.
        qrseal()
            .args([
                "verify",
                fields[2],
                "--json",
                "--accept",
                "green,yellow,red,dark-red",
            ])
            .args(["--now", LATER, "--keys"])
            .arg(&keys)
            .assert()
            .success()
            .stdout(predicate::str::contains(fields[0]))
            .stdout(predicate::str::contains(fields[3]));
        assert!(fields[4] < fields[3] && fields[4].ends_with('Z'));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&output).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(names(tmp.path()), ["holders.csv", "keys", "tokens.csv"]);
}

#[test]
fn stdin_to_stdout() {
    let (_tmp, keys) = setup();
    let out = qrseal()
        .args([
            "issue-batch",
            "--now",
            NOW,
            "--input",
            "-",
            "--output",
            "-",
            "--keys",
        ])
        .arg(&keys)
        .write_stdin(holders(3))
        .assert()
        .success()
        .stderr(predicate::str::contains("Issued 3 tokens"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 4);
    assert_eq!(
        out.lines().nth(2).unwrap().split(',').nth(1).unwrap(),
        issued_alone(&keys, 1)
    );
}

#[test]
fn a_bad_row_stops_the_run_and_leaves_no_file_or_is_skipped() {
    let (tmp, keys) = setup();
    let input = tmp.path().join("holders.csv");
    let mut csv = holders(20);
    // Line 22 (the header is line 1): a bad colour; line 23: doses without a date; line
    // 24: a hint holding a whole ID number.
    csv.push_str(",purple,11010119900300001X,,,\n");
    csv.push_str(",green,11010119900300002X,,2,\n");
    csv.push_str("张三明 110101199003078888,green,11010119900300003X,,,\n");
    csv.push_str(",green,11010119900300004X,,,\n");
    fs::write(&input, &csv).unwrap();
    let output = tmp.path().join("tokens.csv");
    fs::write(&output, "the previous run's tokens").unwrap();
    let run = |on_error: &str| {
        qrseal()
            .args([
                "issue-batch",
                "--now",
                NOW,
                "--on-error",
                on_error,
                "--keys",
            ])
            .arg(&keys)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .assert()
    };
    run("stop")
        .code(2)
        .stderr(predicate::str::contains("line 22: colour"))
        .stderr(predicate::str::contains("nothing was written"));
    assert_eq!(
        fs::read_to_string(&output).unwrap(),
        "the previous run's tokens"
    );
    assert_eq!(names(tmp.path()), ["holders.csv", "keys", "tokens.csv"]);

    run("skip")
        .success()
        .stderr(predicate::str::contains("line 22: colour"))
        .stderr(predicate::str::contains("line 23: `doses` and `last_dose`"))
        .stderr(predicate::str::contains("line 24: display"))
        .stderr(predicate::str::contains(
            "Issued 21 tokens (3 rows skipped)",
        ));
    let text = fs::read_to_string(&output).unwrap();
    assert_eq!(text.lines().count(), 22);
    assert_eq!(names(tmp.path()), ["holders.csv", "keys", "tokens.csv"]);
}

#[test]
fn bad_files_are_refused_with_a_clear_message() {
    let (tmp, keys) = setup();
    let output = tmp.path().join("tokens.csv");
    for (input, message) in [
        ("id,colour,favourite\n", "unknown column `favourite`"),
        ("colour,display\ngreen,x\n", "no `id` column"),
        ("id,colour,id\n", "appears twice"),
        ("", "no `id` column"),
    ] {
        qrseal()
            .args(["issue-batch", "--now", NOW, "--input", "-", "--keys"])
            .arg(&keys)
            .arg("--output")
            .arg(&output)
            .write_stdin(input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    // A line far too long is refused before it fills memory; a row with too many fields is
    // a CSV error with its line.
    let long = format!("id,colour\n{},green\n", "1".repeat(100_000));
    qrseal()
        .args(["issue-batch", "--now", NOW, "--input", "-", "--keys"])
        .arg(&keys)
        .arg("--output")
        .arg(&output)
        .write_stdin(long)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("longer than 65536 bytes"));
    qrseal()
        .args(["issue-batch", "--now", NOW, "--input", "-", "--keys"])
        .arg(&keys)
        .arg("--output")
        .arg(&output)
        .write_stdin("id,colour\n11010119900300004X,green,extra\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2"));
    assert!(!output.exists());
    assert_eq!(names(tmp.path()), ["keys"]);
}

#[test]
fn a_run_killed_midway_leaves_the_previous_output_whole() {
    use std::io::Write as _;
    use std::process::Stdio;
    let (tmp, keys) = setup();
    let output = tmp.path().join("tokens.csv");
    fs::write(&output, "the previous run's tokens").unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qrseal"))
        .args(["issue-batch", "--now", NOW, "--input", "-", "--keys"])
        .arg(&keys)
        .arg("--output")
        .arg(&output)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Rows enough to fill the output buffer several times; stdin then stays open, so the
    // run is still going when it is killed.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(holders(20_000).as_bytes()).unwrap();
    stdin.flush().unwrap();
    let temporary = || {
        fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    };
    // Wait until tokens are being written to the temporary file.
    while temporary().is_none_or(|e| e.metadata().unwrap().len() == 0) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "issue-batch ended early"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(
        fs::read_to_string(&output).unwrap(),
        "the previous run's tokens"
    );
    // What a kill leaves is the hidden temporary file, never a partial tokens.csv.
    let left = temporary().unwrap().file_name().into_string().unwrap();
    assert!(left.starts_with(".tokens.csv."), "{left}");
}

#[test]
fn a_bad_row_ends_the_run_even_while_stdin_stays_open() {
    use std::io::Write as _;
    use std::process::Stdio;
    let (tmp, keys) = setup();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qrseal"))
        .args(["issue-batch", "--now", NOW, "--input", "-", "--keys"])
        .arg(&keys)
        .arg("--output")
        .arg(tmp.path().join("tokens.csv"))
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A full chunk of rows with a bad one, then nothing more (but no end of input either).
    let mut csv = holders(8191);
    csv.push_str(",purple,11010119900300001X,,,\n");
    stdin.write_all(csv.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // A safety net against a hang, not a speed requirement.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("issue-batch still running after a bad row");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(2));
    assert_eq!(names(tmp.path()), ["keys"]);
}
