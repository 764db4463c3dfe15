//! Trust data on disk under real concurrency and crashes: many `qrseal` processes at once on
//! one revocation directory or one checkpoint, a publisher aborted between its writes, and
//! a checkpoint that cannot be saved. Each test starts the release binary as separate
//! processes, as operators and scanners would.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use qrseal_core::lists::RevocationList;
use qrseal_issuer::{Issuer, keyfile};
use qrseal_verifier::{Checkpoint, TrustStore, TrustedKey};
use tempfile::TempDir;

const T0: &str = "2026-11-21T07:00:00Z";
const LATER: &str = "2026-11-21T09:00:00Z";

fn qrseal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qrseal"));
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("QRSEAL_TEST_ABORT_AT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run(args: &[&str]) -> Output {
    qrseal().args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "qrseal {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn spawn(args: &[&str]) -> Child {
    qrseal().args(args).spawn().unwrap()
}

/// A key directory `k` in a fresh temporary directory.
fn setup() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let keys = dir.path().join("k");
    ok(&["keygen", "--dir", s(&keys)]);
    (dir, keys)
}

fn id(n: usize) -> String {
    format!("1101011990030{n:04}X")
}

fn revoke_args<'a>(keys: &'a Path, rev: &'a Path, id: &'a str) -> [&'a str; 7] {
    [
        "revoke",
        "--keys",
        s(keys),
        "--revocations",
        s(rev),
        "--id",
        id,
    ]
}

fn publish_args<'a>(keys: &'a Path, rev: &'a Path) -> [&'a str; 5] {
    [
        "publish-revocations",
        "--keys",
        s(keys),
        "--revocations",
        s(rev),
    ]
}

fn pending_lines(rev: &Path) -> Vec<String> {
    fs::read_to_string(rev.join("pending"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The subjects of the full list in REV.
fn full_list_subjects(rev: &Path) -> Vec<String> {
    let bytes = fs::read(rev.join("full.qsrl")).unwrap();
    let list = RevocationList::parse(&bytes).unwrap();
    list.entries().map(|e| e.subject.to_string()).collect()
}

fn subject(keys: &Path, id: &str) -> String {
    let (key, secret) = keyfile::load(keys).unwrap();
    Issuer::new(key, secret).subject(id).unwrap().to_string()
}

#[test]
fn ten_concurrent_revokes_all_reach_the_queue() {
    let (dir, keys) = setup();
    let rev = dir.path().join("rev");
    let ids: Vec<String> = (0..10).map(id).collect();
    let children: Vec<Child> = ids
        .iter()
        .map(|i| spawn(&revoke_args(&keys, &rev, i)))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lines = pending_lines(&rev);
    assert_eq!(lines.len(), 10, "{lines:?}");
    for i in &ids {
        let subject = subject(&keys, i);
        assert!(lines.iter().any(|l| l.starts_with(&subject)), "{i} lost");
    }
}

#[test]
fn revokes_racing_publications_lose_nothing() {
    let (dir, keys) = setup();
    let rev = dir.path().join("rev");
    ok(&revoke_args(&keys, &rev, &id(999)));
    ok(&publish_args(&keys, &rev));
    let ids: Vec<String> = (0..30).map(id).collect();
    let mut children = Vec::new();
    for (n, i) in ids.iter().enumerate() {
        children.push(spawn(&revoke_args(&keys, &rev, i)));
        if n % 6 == 0 {
            children.push(spawn(&publish_args(&keys, &rev)));
        }
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    ok(&publish_args(&keys, &rev));
    assert!(pending_lines(&rev).is_empty());
    let published = full_list_subjects(&rev);
    for i in ids.iter().chain([&id(999)]) {
        assert!(
            published.contains(&subject(&keys, i)),
            "{i} was acknowledged, then lost"
        );
    }
    assert_eq!(published.len(), 31);
}

/// A trust store trusting KEYS (a trust list signed by a throwaway root).
fn scanner(keys: &Path) -> TrustStore {
    let root = qrseal_issuer::RootKey::from_secret_bytes([0xA0; 32]);
    let (key, _) = keyfile::load(keys).unwrap();
    let now = qrseal_core::Timestamp::from_unix(0);
    let info = qrseal_core::lists::ListInfo {
        sequence: 1,
        issued_at: now,
        next_update_by: qrseal_core::Timestamp::from_unix(u64::MAX),
    };
    let entry = qrseal_issuer::publish::new_key_entry(key.public_key(), now);
    let list = qrseal_issuer::publish::sign_trust_list(&root, &info, &[entry]).unwrap();
    let mut store = TrustStore::new(TrustedKey::from_bytes(&root.public_key()).unwrap());
    store.load_trust_list(&list, now).unwrap();
    store
}

fn far_future() -> qrseal_core::Timestamp {
    qrseal_core::Timestamp::from_unix(4_000_000_000)
}

#[test]
fn a_publisher_killed_between_its_writes_is_completed_by_the_next_run() {
    let (dir, keys) = setup();
    let rev = dir.path().join("rev");
    ok(&revoke_args(&keys, &rev, &id(1)));
    ok(&publish_args(&keys, &rev));
    let full1 = fs::read(rev.join("full.qsrl")).unwrap();

    // Killed after writing delta 2, before the full list.
    ok(&revoke_args(&keys, &rev, &id(2)));
    let out = qrseal()
        .args(publish_args(&keys, &rev))
        .env("QRSEAL_TEST_ABORT_AT", "publish-after-delta")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "aborted by a signal");
    let delta2 = fs::read(rev.join("delta-00000002.qsrl")).unwrap();
    assert_eq!(fs::read(rev.join("full.qsrl")).unwrap(), full1);
    // A scanner already took delta 2.
    let mut early = scanner(&keys);
    early.load_revocations(&full1, far_future()).unwrap();
    early.load_revocations(&delta2, far_future()).unwrap();

    // More is queued meanwhile; the re-run completes sequence 2 exactly and nothing else.
    ok(&revoke_args(&keys, &rev, &id(3)));
    let out = ok(&publish_args(&keys, &rev));
    assert!(
        out.contains("Completed the interrupted publication"),
        "{out}"
    );
    assert_eq!(fs::read(rev.join("delta-00000002.qsrl")).unwrap(), delta2);
    let full2 = fs::read(rev.join("full.qsrl")).unwrap();
    let mut fresh = scanner(&keys);
    fresh.load_revocations(&full2, far_future()).unwrap();
    assert_eq!(fresh.revocation_state(), early.revocation_state());
    assert_eq!(pending_lines(&rev).len(), 1, "id 3 stays queued");

    // Killed after the full list, before the queue was emptied: the next run publishes
    // what is left, and nothing twice.
    let out = qrseal()
        .args(publish_args(&keys, &rev))
        .env("QRSEAL_TEST_ABORT_AT", "publish-after-full")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None);
    assert_eq!(pending_lines(&rev).len(), 1);
    let delta3 = fs::read(rev.join("delta-00000003.qsrl")).unwrap();
    let out = ok(&publish_args(&keys, &rev));
    assert!(out.contains("sequence 4"), "{out}");
    assert!(out.contains("(0 new entries)"), "{out}");
    assert!(pending_lines(&rev).is_empty());
    // The scanner that took the first delta 2 follows the chain to the end.
    early.load_revocations(&delta3, far_future()).unwrap();
    let delta4 = fs::read(rev.join("delta-00000004.qsrl")).unwrap();
    early.load_revocations(&delta4, far_future()).unwrap();
    assert_eq!(early.revoked_count(), 3);
    assert_eq!(full_list_subjects(&rev).len(), 3);
}

/// Root, issuer keys, trust lists of sequence 1 and 2, and a token.
fn scanner_setup() -> (TempDir, String) {
    let (dir, keys) = setup();
    let p = |n: &str| dir.path().join(n);
    ok(&["root-keygen", "--dir", s(&p("root"))]);
    let root = p("root");
    let list = |out: &str, previous: Option<&Path>, now: &str| {
        let mut args = vec!["trust-list", "--root", s(&root), "--out"];
        let out = p(out);
        args.push(s(&out));
        args.extend(["--now", now]);
        match previous {
            Some(prev) => args.extend(["--previous", s(prev)]),
            None => args.extend(["--add-issuer", s(&keys)]),
        }
        ok(&args);
    };
    list("trust-1.qstl", None, T0);
    list(
        "trust-2.qstl",
        Some(&p("trust-1.qstl")),
        "2026-11-21T07:30:00Z",
    );
    let token = ok(&[
        "issue",
        "--keys",
        s(&keys),
        "--id",
        &id(1),
        "--colour",
        "green",
        "--now",
        T0,
    ])
    .trim()
    .to_owned();
    (dir, token)
}

fn verify_args<'a>(dir: &'a Path, trust: &'a str, token: &'a str, cp: &'a Path) -> Vec<String> {
    [
        "verify",
        token,
        "--root",
        s(&dir.join("root/root.pub")),
        "--trust",
        s(&dir.join(trust)),
        "--now",
        LATER,
        "--checkpoint",
        s(cp),
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn two_scanners_sharing_a_checkpoint_never_take_it_back() {
    let (dir, token) = scanner_setup();
    let cp = dir.path().join("scanner.ckpt");
    for trial in 0..15 {
        let _ = fs::remove_file(&cp);
        let newer = qrseal()
            .args(verify_args(dir.path(), "trust-2.qstl", &token, &cp))
            .spawn()
            .unwrap();
        let older = qrseal()
            .args(verify_args(dir.path(), "trust-1.qstl", &token, &cp))
            .spawn()
            .unwrap();
        let newer = newer.wait_with_output().unwrap();
        let older = older.wait_with_output().unwrap();
        assert_eq!(newer.status.code(), Some(0), "trial {trial}");
        // The older list either ran first or was refused as a rollback.
        assert!(matches!(older.status.code(), Some(0 | 2)), "trial {trial}");
        let saved = Checkpoint::from_bytes(&fs::read(&cp).unwrap()).unwrap();
        assert_eq!(saved.trust_list_sequence, 2, "trial {trial}: taken back");
    }
}

#[test]
fn a_checkpoint_that_cannot_be_saved_still_gives_the_verdict() {
    let (dir, token) = scanner_setup();
    let cp = dir.path().join("scanner.ckpt");
    // No file may grow past 0 bytes (SIGXFSZ ignored, so writes fail with EFBIG): the lock
    // file is made, the checkpoint cannot be written.
    let args = verify_args(dir.path(), "trust-2.qstl", &token, &cp);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_qrseal"))
        .args(&args)
        .arg("--json");
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stdout} {stderr}");
    assert!(stdout.contains("\"result\":\"admitted\""), "{stdout}");
    assert!(stderr.contains("could not be saved"), "{stderr}");
    assert!(!cp.exists());
    // A refused token saves nothing either; an admitted one saves the checkpoint.
    let mut bad = args.clone();
    // Another last character (a fixed one would sometimes be the token's own).
    let last = if token.ends_with('0') { '1' } else { '0' };
    bad[1] = format!("{}{last}", &token[..token.len() - 1]);
    let out = qrseal().args(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!cp.exists(), "a failed verification is not persisted");
    let out = qrseal().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(cp.exists());
    // A lock file that cannot be opened (here a directory in its place): the verdict is
    // still given, and nothing is saved.
    let before = fs::read(&cp).unwrap();
    fs::remove_file(dir.path().join("scanner.ckpt.lock")).unwrap();
    fs::create_dir(dir.path().join("scanner.ckpt.lock")).unwrap();
    let mut later = args.clone();
    later[7] = "2026-11-21T10:00:00Z".to_owned();
    let out = qrseal().args(&later).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stdout).contains("VALID: admitted"));
    assert_eq!(fs::read(&cp).unwrap(), before);
}

#[test]
fn trust_list_never_overwrites_a_newer_list() {
    let (dir, _) = scanner_setup();
    let p = |n: &str| dir.path().join(n);
    let before = fs::read(p("trust-2.qstl")).unwrap();
    let out = run(&[
        "trust-list",
        "--root",
        s(&p("root")),
        "--add-issuer",
        s(&p("k")),
        "--out",
        s(&p("trust-2.qstl")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    // With --previous an older list, the output would still go backwards: refused.
    let out = run(&[
        "trust-list",
        "--root",
        s(&p("root")),
        "--previous",
        s(&p("trust-1.qstl")),
        "--out",
        s(&p("trust-2.qstl")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read(p("trust-2.qstl")).unwrap(), before);
}

#[test]
fn revoking_in_the_second_a_token_was_issued_revokes_it() {
    let (dir, _) = scanner_setup();
    let keys = dir.path().join("k");
    let rev = dir.path().join("rev");
    // Issued and revoked by the system clock, most likely within one second: the default
    // --before covers every token issued up to and including the current second.
    let token = ok(&[
        "issue",
        "--keys",
        s(&keys),
        "--id",
        &id(1),
        "--colour",
        "green",
    ]);
    ok(&revoke_args(&keys, &rev, &id(1)));
    ok(&publish_args(&keys, &rev));
    let out = run(&[
        "verify",
        token.trim(),
        "--root",
        s(&dir.path().join("root/root.pub")),
        "--trust",
        s(&dir.path().join("trust-2.qstl")),
        "--revocations",
        s(&rev.join("full.qsrl")),
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("\"code\":\"revoked\""), "{stdout}");
}

#[test]
fn after_a_rotation_the_new_key_builds_only_on_a_list_it_can_check() {
    let (dir, _) = scanner_setup();
    let p = |n: &str| dir.path().join(n);
    let (keys, rev) = (p("k"), p("rev"));
    ok(&revoke_args(&keys, &rev, &id(1)));
    ok(&[
        "publish-revocations",
        "--keys",
        s(&keys),
        "--revocations",
        s(&rev),
        "--now",
        "2026-11-21T08:00:00Z",
    ]);
    ok(&[
        "rotate",
        "--root",
        s(&p("root")),
        "--trust",
        s(&p("trust-2.qstl")),
        "--old",
        s(&keys),
        "--new",
        s(&p("k2")),
        "--at",
        "2026-11-21T09:00:00Z",
        "--now",
        "2026-11-21T08:30:00Z",
    ]);
    let k2 = p("k2");
    let publish = |extra: &[&str]| {
        let mut args = vec![
            "publish-revocations",
            "--keys",
            s(&k2),
            "--revocations",
            s(&rev),
            "--now",
            "2026-11-21T10:00:00Z",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // full.qsrl is signed by the old key: without the trust list it cannot be checked.
    let out = publish(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trust"));
    let trust = p("trust-2.qstl");
    let root_pub = p("root/root.pub");
    let out = publish(&["--trust", s(&trust), "--root", s(&root_pub)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = fs::read(rev.join("full.qsrl")).unwrap();
    let list = RevocationList::parse(&list).unwrap();
    assert_eq!(list.info.sequence, 2);
    assert_eq!(list.len(), 1);
}

#[test]
fn publishers_killed_at_any_instant_never_fork_or_lose_revocations() {
    let (dir, keys) = setup();
    let rev = dir.path().join("rev");
    // A queue large enough that a publication takes a while to write.
    let queued: Vec<String> = (0..2000).map(|n| id(5000 + n)).collect();
    for chunk in queued.chunks(500) {
        let mut args = vec!["revoke", "--keys", s(&keys), "--revocations", s(&rev)];
        for i in chunk {
            args.extend(["--id", i]);
        }
        ok(&args);
    }
    ok(&publish_args(&keys, &rev));
    let full1 = fs::read(rev.join("full.qsrl")).unwrap();
    let mut acknowledged = queued.clone();
    for round in 0..12u64 {
        let i = id(round as usize);
        ok(&revoke_args(&keys, &rev, &i));
        acknowledged.push(i);
        let mut child = spawn(&publish_args(&keys, &rev));
        std::thread::sleep(std::time::Duration::from_millis(round * 7 % 40));
        // SIGKILL: no chance to clean up.
        let _ = child.kill();
        let _ = child.wait();
    }
    // Whatever state the kills left, the next runs finish the job.
    ok(&publish_args(&keys, &rev));
    ok(&publish_args(&keys, &rev));
    let published = full_list_subjects(&rev);
    for i in &acknowledged {
        assert!(published.contains(&subject(&keys, i)), "{i} lost");
    }
    // Every delta chains onto the one before: a scanner that followed them from the first
    // full list holds exactly the newest full list's set.
    let full = fs::read(rev.join("full.qsrl")).unwrap();
    let last = RevocationList::parse(&full).unwrap().info.sequence;
    let mut follower = scanner(&keys);
    follower.load_revocations(&full1, far_future()).unwrap();
    for seq in 2..=last {
        let delta = fs::read(rev.join(format!("delta-{seq:08}.qsrl"))).unwrap();
        follower.load_revocations(&delta, far_future()).unwrap();
    }
    let mut fresh = scanner(&keys);
    fresh.load_revocations(&full, far_future()).unwrap();
    assert_eq!(follower.revocation_state(), fresh.revocation_state());
    assert_eq!(follower.revoked_count(), acknowledged.len());
    // No temporary file of a killed writer is left behind.
    for entry in fs::read_dir(&rev).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name} left behind");
    }
}
