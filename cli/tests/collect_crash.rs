//! The crash test: `qrseal collect` fed from a pipe is killed with SIGKILL at random points,
//! 300 times (QRSEAL_CRASH_KILLS to change), each time on the same journal. After every
//! kill the journal must open, keep every scan, tube and seal whose answer line the child
//! printed (it prints only once the journal holds it on stable storage), and accept no
//! partial record; over the whole run no scan may appear that was never sent.

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use qrseal_journal::{Journal, MAX_TORN_TAIL, Options, Record, decode};
use tempfile::TempDir;

const NOW: &str = "2026-11-21T08:00:00Z";
const LATER: &str = "2026-11-21T09:00:00Z";

fn qrseal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qrseal"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A small deterministic generator (xorshift64*), so that a failing run can be replayed
/// from the seed it prints.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn tokens(dir: &Path, n: usize) -> (std::path::PathBuf, Vec<String>) {
    let keys = dir.join("keys");
    assert!(
        qrseal()
            .args(["keygen", "--dir"])
            .arg(&keys)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let mut csv = String::from("id,colour\n");
    for i in 0..n {
        csv.push_str(&format!(
            "1101011990{i:07}X,{}\n",
            ["green", "green", "red"][i % 3]
        ));
    }
    let mut child = qrseal()
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
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(csv.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let tokens = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    (keys, tokens)
}

/// What answer lines promised: scans recorded, scans put into a tube, tubes opened and
/// sealed.
#[derive(Default)]
struct Promised {
    scans: BTreeSet<u32>,
    assigned: BTreeSet<u32>,
    opened: BTreeSet<String>,
    sealed: BTreeSet<u32>,
}

impl Promised {
    fn read(&mut self, out: &str) {
        for line in out.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["ADMIT" | "DENY", "scan", n, rest @ ..] => {
                    let n: u32 = n.trim_end_matches(':').parse().unwrap();
                    self.scans.insert(n);
                    if rest.get(1) == Some(&"into") {
                        self.assigned.insert(n);
                    }
                }
                ["TUBE", barcode, "opened", ..] => {
                    self.opened.insert((*barcode).to_owned());
                }
                ["SEALED", "tube", n, ..] => {
                    self.sealed.insert(n.parse().unwrap());
                }
                _ => {}
            }
        }
    }
}

#[test]
fn kill_9_at_random_points_loses_nothing_acknowledged() {
    let kills: usize = std::env::var("QRSEAL_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("QRSEAL_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15_u64);
    println!("crash test: {kills} kills, seed {seed}");
    let dir = TempDir::new().unwrap();
    let (keys, tokens) = tokens(dir.path(), 60);
    let journal = dir.path().join("j.qsj");
    let mut rng = Rng(seed);
    let mut promised = Promised::default();
    let mut sent_scans = 0u32;
    let mut torn = 0;
    for kill in 0..kills {
        let mut child = qrseal()
            .args([
                "collect", "--site", "site-1", "--device", "gate-1", "--now", LATER,
            ])
            .args(["--tube-size", "4", "--journal"])
            .arg(&journal)
            .arg("--keys")
            .arg(&keys)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = String::new();
        if rng.below(3) == 0 {
            input.push_str(&format!("TUBE:T-{kill}\n"));
        }
        for _ in 0..1 + rng.below(8) {
            input.push_str(&tokens[rng.below(tokens.len() as u64) as usize]);
            input.push('\n');
            sent_scans += 1;
        }
        if rng.below(10) == 0 {
            input.push_str("SEAL\n");
        }
        // Written whole (the pipe holds it) while the child starts; stdin stays open, so the
        // child is always killed, never ends on its own.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        promised.read(&out);
        if !journal.exists() {
            // Killed before it created the journal: nothing was promised.
            assert!(promised.scans.is_empty() && promised.opened.is_empty());
            continue;
        }

        // No partial record is accepted: whatever follows the last complete record is a
        // torn tail, cut on open.
        let bytes = std::fs::read(&journal).unwrap();
        let decoded = decode(&bytes).unwrap();
        if let Some((_, _, n)) = decoded.tail {
            assert!(n <= MAX_TORN_TAIL);
            torn += 1;
        }
        let (j, recovery) = Journal::open(&journal, Options::default()).unwrap();
        assert_eq!(recovery.dropped_bytes, decoded.tail.map_or(0, |t| t.2));
        let scans = j.status().unwrap().scans;
        drop(j);
        check(&journal, &promised, scans, sent_scans, kill);
    }
    println!(
        "crash test: {kills} kills, {} scans promised, {} sent, {torn} torn tails cut",
        promised.scans.len(),
        sent_scans
    );
    assert!(
        !promised.scans.is_empty(),
        "no kill let a scan through: the test tests nothing"
    );
}

fn check(journal: &Path, promised: &Promised, scans: u32, sent: u32, kill: usize) {
    let decoded = decode(&std::fs::read(journal).unwrap()).unwrap();
    assert!(decoded.tail.is_none(), "kill {kill}: the torn tail was cut");
    let mut assigned = BTreeSet::new();
    let mut opened = BTreeSet::new();
    let mut sealed = BTreeSet::new();
    for (_, r) in &decoded.records {
        match r {
            Record::Assigned { scan, .. } => {
                assigned.insert(*scan);
            }
            Record::TubeOpened { barcode, .. } => {
                opened.insert(barcode.clone());
            }
            Record::TubeSealed { tube, .. } => {
                sealed.insert(*tube);
            }
            _ => {}
        }
    }
    if let Some(&last) = promised.scans.last() {
        assert!(
            last < scans,
            "kill {kill}: scan {last} was promised, {scans} kept"
        );
    }
    assert!(
        scans <= sent,
        "kill {kill}: {scans} scans kept but only {sent} sent"
    );
    assert!(
        promised.assigned.is_subset(&assigned),
        "kill {kill}: an assignment lost"
    );
    assert!(
        promised.opened.is_subset(&opened),
        "kill {kill}: a tube lost"
    );
    assert!(
        promised.sealed.is_subset(&sealed),
        "kill {kill}: a seal lost"
    );
}
