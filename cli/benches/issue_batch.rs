//! `qrseal issue-batch` on one million generated rows against `Issuer::issue_batch`
//! in-process, in the same run, on the same machine: the command must spend its time
//! signing, not parsing CSV or writing (target: at least 0.8x the in-process rate), and its
//! memory must stay flat (peak resident set size, read from /proc while it runs).
//!
//! Not a criterion benchmark: one pass over a million rows is itself the measurement, and
//! the command runs as its own process. Each side runs twice, alternating, and the faster
//! run of each counts.
//!
//! Run: `cargo bench -p qrseal-cli --bench issue_batch` (`QRSEAL_BENCH_ROWS=N` for another
//! row count). BENCHMARKS.md has the figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a failure is a bug to see at once"
)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use qrseal_core::{Colour, Date, DisplayHint, TestRecord, TestResult, Timestamp, Vaccination};
use qrseal_issuer::{Issuer, IssuerKey, Status, SubjectSecret, keyfile};

const NOW: &str = "2026-11-21T08:00:00Z";
/// Statuses per `issue_batch` call, as the command's chunks.
const CHUNK: usize = 8192;

/// Row `i`: every column used in turn, as a city's export would.
fn row(i: usize, csv: &mut String) {
    let colour = ["green", "green", "green", "yellow", "red", "dark-red"][i % 6];
    let (test, doses, last) = match i % 3 {
        0 => ("negative@2026-11-20T09:30:00Z", "2", "2026-08-01"),
        1 => ("", "", ""),
        _ => ("pending@2026-11-21T07:00:00Z", "3", "2026-09-15"),
    };
    let display = if i.is_multiple_of(2) {
        format!("张*明 ****{:04}", i % 10_000)
    } else {
        String::new()
    };
    writeln!(
        csv,
        "{:014}{:03}X,{colour},{test},{doses},{last},{display}",
        11_010_119_900_307u64 + (i as u64 / 1000),
        i % 1000
    )
    .unwrap();
}

/// The same row as a status, built the way the command builds it.
fn status(issuer: &Issuer, i: usize) -> Status {
    let id = format!(
        "{:014}{:03}X",
        11_010_119_900_307u64 + (i as u64 / 1000),
        i % 1000
    );
    let colour = [
        Colour::Green,
        Colour::Green,
        Colour::Green,
        Colour::Yellow,
        Colour::Red,
        Colour::DarkRed,
    ][i % 6];
    let mut status = Status::new(issuer.subject(&id).unwrap(), colour);
    match i % 3 {
        0 => {
            status.test = Some(TestRecord {
                result: TestResult::Negative,
                collected_at: Timestamp::parse_rfc3339("2026-11-20T09:30:00Z").unwrap(),
            });
            status.vaccination = Some(Vaccination {
                doses: 2,
                last_dose: "2026-08-01".parse::<Date>().unwrap(),
            });
        }
        1 => {}
        _ => {
            status.test = Some(TestRecord {
                result: TestResult::Pending,
                collected_at: Timestamp::parse_rfc3339("2026-11-21T07:00:00Z").unwrap(),
            });
            status.vaccination = Some(Vaccination {
                doses: 3,
                last_dose: "2026-09-15".parse::<Date>().unwrap(),
            });
        }
    }
    if i.is_multiple_of(2) {
        status.display_hint =
            Some(DisplayHint::new(&format!("张*明 ****{:04}", i % 10_000)).unwrap());
    }
    status
}

/// `issue_batch` over every row in chunks, statuses built beforehand (not timed).
fn in_process(issuer: &Issuer, rows: usize, now: Timestamp) -> Duration {
    let statuses: Vec<Status> = (0..rows).map(|i| status(issuer, i)).collect();
    let start = Instant::now();
    let mut signed = 0usize;
    for chunk in statuses.chunks(CHUNK) {
        signed += issuer
            .issue_batch(chunk, now)
            .into_iter()
            .filter(Result::is_ok)
            .count();
    }
    let elapsed = start.elapsed();
    assert_eq!(signed, rows);
    elapsed
}

/// Peak resident set size of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The command over the CSV file; its wall time and peak memory.
fn command(dir: &Path, rows: usize) -> (Duration, u64) {
    let output = dir.join("tokens.csv");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qrseal"))
        .args(["issue-batch", "--now", NOW, "--keys"])
        .arg(dir.join("keys"))
        .arg("--input")
        .arg(dir.join("holders.csv"))
        .arg("--output")
        .arg(&output)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "issue-batch failed: {status}");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = start.elapsed();
    let lines = fs::read_to_string(&output).unwrap().lines().count();
    assert_eq!(lines, rows + 1);
    (elapsed, peak)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then only check
    // that a small run works.
    let benching = std::env::args().any(|a| a == "--bench");
    let rows: usize = std::env::var("QRSEAL_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 1_000_000 } else { 2_000 });
    let dir = tempfile::tempdir().unwrap();
    let key = IssuerKey::from_secret_bytes([1; 32]);
    let secret = SubjectSecret::from_bytes([2; 32]);
    keyfile::save_new(&dir.path().join("keys"), &key, &secret).unwrap();
    let issuer = Issuer::new(key, secret);
    let now = Timestamp::parse_rfc3339(NOW).unwrap();

    let mut csv = String::from("id,colour,test,doses,last_dose,display\n");
    for i in 0..rows {
        row(i, &mut csv);
    }
    fs::write(dir.path().join("holders.csv"), &csv).unwrap();
    let input_mib = csv.len() as f64 / (1 << 20) as f64;
    drop(csv);

    let mut best_lib = Duration::MAX;
    let mut best_cmd = Duration::MAX;
    let mut peak = 0;
    for _ in 0..2 {
        best_lib = best_lib.min(in_process(&issuer, rows, now));
        let (elapsed, kib) = command(dir.path(), rows);
        best_cmd = best_cmd.min(elapsed);
        peak = peak.max(kib);
    }
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    println!(
        "issue_batch: {rows} rows ({input_mib:.1} MiB of CSV), {} threads",
        rayon::current_num_threads()
    );
    println!(
        "  Issuer::issue_batch in-process: {:>9.0} tokens/s ({:.2} s)",
        rate(best_lib),
        best_lib.as_secs_f64()
    );
    println!(
        "  qrseal issue-batch (process):   {:>9.0} tokens/s ({:.2} s, whole process)",
        rate(best_cmd),
        best_cmd.as_secs_f64()
    );
    println!(
        "  ratio command / in-process:     {:>9.2}x (target >= 0.8x)",
        rate(best_cmd) / rate(best_lib)
    );
    println!(
        "  peak resident memory of the command: {:.1} MiB",
        peak as f64 / 1024.0
    );
}
