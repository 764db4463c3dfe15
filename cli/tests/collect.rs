//! `qrseal collect` and `qrseal upload` end to end: the collection flow, two collectors on
//! one journal, and uploads cut off at each step against a stand-in for the service that
//! follows the samples contract (stores a batch once, answers a repeat with 200).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use qrseal_journal::{Journal, Options};
use tempfile::TempDir;

const NOW: &str = "2026-11-21T08:00:00Z";
const LATER: &str = "2026-11-21T09:00:00Z";

fn qrseal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qrseal"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A key directory and `n` green tokens for distinct people, and one red token.
fn tokens(dir: &Path, n: usize) -> (PathBuf, Vec<String>, String) {
    let keys = dir.join("keys");
    assert!(
        qrseal()
            .args(["keygen", "--dir"])
            .arg(&keys)
            .status()
            .unwrap()
            .success()
    );
    let mut csv = String::from("id,colour\n");
    for i in 0..n {
        csv.push_str(&format!("1101011990{i:07}X,green\n"));
    }
    csv.push_str("11010119909999999X,red\n");
    let (code, out, err) = run(
        qrseal()
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
            .arg(&keys),
        &csv,
    );
    assert_eq!(code, 0, "{err}");
    let mut lines: Vec<String> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    let red = lines.pop().unwrap();
    (keys, lines, red)
}

fn collect(keys: &Path, journal: &Path, tube_size: &str) -> Command {
    let mut cmd = qrseal();
    cmd.args([
        "collect", "--site", "site-1", "--device", "gate-1", "--now", LATER,
    ])
    .args(["--tube-size", tube_size, "--journal"])
    .arg(journal)
    .arg("--keys")
    .arg(keys);
    cmd
}

#[test]
fn collect_fills_and_seals_tubes_and_records_no_id() {
    let dir = TempDir::new().unwrap();
    let (keys, green, red) = tokens(dir.path(), 5);
    let journal = dir.path().join("j.qsj");
    let input = format!(
        "TUBE:T-1\n{}\n{}\n{}\n{red}\nnot a token\n{}\n\nTUBE:T-2\n{}\nSEAL\n",
        green[0], green[1], green[0], green[2], green[3]
    );
    let (code, out, err) = run(&mut collect(&keys, &journal, "3"), &input);
    assert_eq!(code, 0, "{err}");
    let expected = [
        "TUBE T-1 opened (tube 1)",
        "ADMIT scan 0 green into tube 1 (1/3)",
        "ADMIT scan 1 green into tube 1 (2/3)",
        "ADMIT scan 2 green not in a tube: the same person is already in this tube",
        "DENY scan 3: colour red is not accepted",
        "REJECT",
        "ADMIT scan 4 green into tube 1 (3/3)",
        "SEALED tube 1 (full)",
        "TUBE T-2 opened (tube 2)",
        "ADMIT scan 5 green into tube 2 (1/3)",
        "SEALED tube 2 (by hand)",
    ];
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{out}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "{line:?} should start with {want:?}"
        );
    }
    let (j, _) = Journal::open(&journal, Options::default()).unwrap();
    let batches = j.pending_batches().unwrap();
    assert_eq!(
        batches.iter().map(|b| b.samples).collect::<Vec<_>>(),
        [3, 1]
    );
    let bytes = std::fs::read(&journal).unwrap();
    assert!(
        !bytes.windows(7).any(|w| w == b"1101011"),
        "no ID number in the journal"
    );
    drop(j);
    // Another site's collector may not write this journal.
    let (code, _, err) = run(
        qrseal()
            .args([
                "collect", "--site", "site-2", "--device", "gate-1", "--keys",
            ])
            .arg(&keys)
            .arg("--journal")
            .arg(&journal),
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("belongs to site site-1"), "{err}");
}

#[test]
fn a_second_collector_on_one_journal_is_refused() {
    let dir = TempDir::new().unwrap();
    let (keys, green, _) = tokens(dir.path(), 1);
    let journal = dir.path().join("j.qsj");
    let mut first = collect(&keys, &journal, "10")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    let mut stdout = BufReader::new(first.stdout.take().unwrap());
    writeln!(stdin, "TUBE:T-1").unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("TUBE"), "{line}");
    let (code, out, err) = run(
        &mut collect(&keys, &journal, "10"),
        &format!("{}\n", green[0]),
    );
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("open in another process"), "{err}");
    drop(stdin);
    assert!(first.wait().unwrap().success());
}

/// What the stand-in service does with the next POST.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    /// 503 with `Retry-After: 0`.
    Shed,
    /// Store the batch, then close the connection without answering.
    StoreThenHangUp,
    /// Follow the contract.
    Serve,
}

#[derive(Default)]
struct Service {
    script: Vec<Act>,
    /// Stored batches: key -> (body, stored_at).
    stored: HashMap<String, (String, u64)>,
    tubes: HashMap<String, String>,
    posts: usize,
}

/// Starts the stand-in on a free port; returns its base URL.
fn service(state: Arc<Mutex<Service>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            answer(stream, &state);
        }
    });
    url
}

fn answer(mut stream: TcpStream, state: &Mutex<Service>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut len = 0;
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if lower.starts_with("authorization:") {
            auth = line.trim_end().to_owned();
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();
    assert!(head.starts_with("POST /v1/samples "), "{head}");
    assert_eq!(
        auth.to_ascii_lowercase(),
        "authorization: bearer site-secret"
    );
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = json["batch"].as_str().unwrap().to_owned();
    let tube = json["tube"].as_str().unwrap().to_owned();
    let n = json["samples"].as_array().unwrap().len();
    let mut s = state.lock().unwrap();
    s.posts += 1;
    let act = if s.script.is_empty() {
        Act::Serve
    } else {
        s.script.remove(0)
    };
    let reply = |status: &str, extra: &str, body: String| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n{extra}\r\n{body}",
            body.len()
        )
    };
    let stored_at = 1_790_000_000 + s.stored.len() as u64;
    let response = match act {
        Act::Shed => reply(
            "503 Service Unavailable",
            "Retry-After: 0\r\n",
            r#"{"error":"overloaded"}"#.to_owned(),
        ),
        Act::StoreThenHangUp | Act::Serve => {
            let ack = |at: u64| {
                format!(r#"{{"batch":"{key}","tube":"{tube}","samples":{n},"stored_at":{at}}}"#)
            };
            let response = match s.stored.get(&key) {
                Some((b, at)) if *b == body => reply("200 OK", "", ack(*at)),
                Some(_) => reply(
                    "409 Conflict",
                    "",
                    r#"{"error":"batch_conflict"}"#.to_owned(),
                ),
                None if s.tubes.contains_key(&tube) => reply(
                    "409 Conflict",
                    "",
                    r#"{"error":"batch_conflict"}"#.to_owned(),
                ),
                None => {
                    s.stored.insert(key.clone(), (body.clone(), stored_at));
                    s.tubes.insert(tube.clone(), key.clone());
                    reply("201 Created", "", ack(stored_at))
                }
            };
            if act == Act::StoreThenHangUp {
                return;
            }
            response
        }
    };
    drop(s);
    let _ = stream.write_all(response.as_bytes());
}

fn upload(journal: &Path, url: &str, credential: &Path) -> (i32, String, String) {
    run(
        qrseal()
            .args(["upload", "--attempts", "3", "--url", url, "--journal"])
            .arg(journal)
            .arg("--credential-file")
            .arg(credential),
        "",
    )
}

/// Two sealed tubes; returns the journal and credential paths.
fn two_tubes(dir: &Path) -> (PathBuf, PathBuf) {
    let (keys, green, _) = tokens(dir, 4);
    let journal = dir.join("j.qsj");
    let input = format!(
        "TUBE:T-1\n{}\n{}\nTUBE:T-2\n{}\n{}\n",
        green[0], green[1], green[2], green[3]
    );
    let (code, _, err) = run(&mut collect(&keys, &journal, "2"), &input);
    assert_eq!(code, 0, "{err}");
    let credential = dir.join("site.credential");
    std::fs::write(&credential, "site-secret\n").unwrap();
    (journal, credential)
}

fn pending(journal: &Path) -> usize {
    let (j, _) = Journal::open(journal, Options::default()).unwrap();
    j.pending_batches().unwrap().len()
}

#[test]
fn upload_cut_off_before_send_is_sent_by_the_next_run() {
    let dir = TempDir::new().unwrap();
    let (journal, credential) = two_tubes(dir.path());
    // Nothing listens on a port just released: the upload never reaches a service.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, out, _) = upload(&journal, &closed, &credential);
    assert_eq!(code, 2);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("PENDING")).count(),
        2,
        "{out}"
    );
    assert_eq!(pending(&journal), 2);
    let state = Arc::new(Mutex::new(Service::default()));
    let url = service(state.clone());
    let (code, out, err) = upload(&journal, &url, &credential);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("UPLOADED")).count(), 2);
    assert_eq!(pending(&journal), 0);
    // Nothing left: a further run sends nothing.
    let (code, out, _) = upload(&journal, &url, &credential);
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(state.lock().unwrap().stored.len(), 2);
    assert_eq!(state.lock().unwrap().posts, 2);
}

#[test]
fn upload_stored_but_not_acknowledged_is_acknowledged_by_the_retry_once() {
    let dir = TempDir::new().unwrap();
    let (journal, credential) = two_tubes(dir.path());
    let state = Arc::new(Mutex::new(Service {
        script: vec![Act::StoreThenHangUp, Act::Serve, Act::StoreThenHangUp],
        ..Service::default()
    }));
    let url = service(state.clone());
    // Tube 1: stored, the answer lost, retried: 200 and acknowledged. Tube 2: stored, the
    // answer lost, retried: 200.
    let (code, out, err) = upload(&journal, &url, &credential);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(pending(&journal), 0);
    let s = state.lock().unwrap();
    assert_eq!(s.stored.len(), 2, "each tube stored once");
    assert_eq!(s.tubes.len(), 2);
    assert_eq!(s.posts, 4);
}

#[test]
fn upload_answered_503_is_retried_after_retry_after() {
    let dir = TempDir::new().unwrap();
    let (journal, credential) = two_tubes(dir.path());
    let state = Arc::new(Mutex::new(Service {
        script: vec![Act::Shed, Act::Serve, Act::Shed, Act::Shed, Act::Shed],
        ..Service::default()
    }));
    let url = service(state.clone());
    // Tube 1 after one 503; tube 2 shed on all 3 attempts: left pending.
    let (code, out, _) = upload(&journal, &url, &credential);
    assert_eq!(code, 2, "{out}");
    assert!(out.lines().next().unwrap().starts_with("UPLOADED"), "{out}");
    assert!(out.lines().nth(1).unwrap().starts_with("PENDING"), "{out}");
    assert_eq!(pending(&journal), 1);
    let (code, _, _) = upload(&journal, &url, &credential);
    assert_eq!(code, 0);
    assert_eq!(pending(&journal), 0);
    assert_eq!(state.lock().unwrap().stored.len(), 2);
}

#[test]
fn upload_conflict_is_reported_and_left_pending() {
    let dir = TempDir::new().unwrap();
    let (journal, credential) = two_tubes(dir.path());
    let state = Arc::new(Mutex::new(Service::default()));
    let (j, _) = Journal::open(&journal, Options::default()).unwrap();
    let first = j.pending_batches().unwrap()[0].clone();
    drop(j);
    // The service already holds tube T-1 under another batch.
    state
        .lock()
        .unwrap()
        .tubes
        .insert("T-1".to_owned(), "elsewhere-1".to_owned());
    let url = service(state.clone());
    let (code, out, _) = upload(&journal, &url, &credential);
    assert_eq!(code, 2);
    assert!(out.starts_with(&format!("CONFLICT {}", first.key)), "{out}");
    assert_eq!(pending(&journal), 1);
}
