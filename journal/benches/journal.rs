//! The journal's budgets, each beside its bare primitive in the same run:
//!
//! - `durable_record`: one scan recorded durably, fsync per call and group commit (4
//!   threads sharing fsyncs), beside a bare 36-byte `pwrite` + `fdatasync` on a plain file;
//! - `reopen`: opening (lock, replay, state rebuilt) a journal of one million records,
//!   beside reading the same file sequentially.
//!
//! `cargo bench -p qrseal-journal --bench journal`. The files live in the target directory
//! (the disk under test), not in a tmpfs.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::Read as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use qrseal_core::{Colour, KeyId, SubjectId};
use qrseal_journal::{Durability, Header, Journal, Options, Record, Scan, SealReason};

const THREADS: u64 = 4;

fn dir() -> PathBuf {
    // The target directory: on the disk being measured (temp_dir may be a tmpfs).
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/journal-bench");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scan(i: u64) -> Scan {
    let mut subject = [0u8; 12];
    subject[..8].copy_from_slice(&i.to_le_bytes());
    Scan {
        subject: SubjectId(subject),
        key_id: KeyId([1, 2, 3, 4]),
        colour: Colour::Green,
        verdict: 0,
        scanned_at: 1_795_244_400 + i,
    }
}

fn fresh(name: &str, durability: Durability) -> Journal {
    let path = dir().join(name);
    let _ = std::fs::remove_file(&path);
    let options = Options {
        tube_size: 10,
        durability,
    };
    let j = Journal::create(&path, "site-1", "dev-1", 0, options).unwrap();
    // Scans with a tube open: the common case (scan, assign, and every tenth a seal).
    j.open_tube("TUBE-0", 0).unwrap();
    j
}

fn durable_record(c: &mut Criterion) {
    let mut g = c.benchmark_group("durable_record");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    let j = fresh("each.qsj", Durability::EachCall);
    let mut n = 0u64;
    let mut tube = 0u64;
    g.bench_function("fsync_each_call", |b| {
        b.iter(|| {
            n += 1;
            let o = j.record_scan(scan(n)).unwrap();
            if o.sealed.is_some() {
                tube += 1;
                j.open_tube(&format!("TUBE-{tube}"), 0).unwrap();
            }
        })
    });
    drop(j);
    let j = fresh("group.qsj", Durability::GroupCommit);
    let counter = std::sync::atomic::AtomicU64::new(0);
    g.bench_function("group_commit_4_threads_per_record", |b| {
        b.iter_custom(|iters| {
            let per = iters.div_ceil(THREADS);
            let start = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..THREADS {
                    s.spawn(|| {
                        for _ in 0..per {
                            let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            // Denied scans: no tube bookkeeping between threads.
                            let mut sc = scan(i);
                            sc.verdict = 400;
                            j.record_scan(sc).unwrap();
                        }
                    });
                }
            });
            start
                .elapsed()
                .mul_f64(iters as f64 / (per * THREADS) as f64)
        })
    });
    drop(j);
    let path = dir().join("bare.bin");
    let file = std::fs::File::create(&path).unwrap();
    let mut off = 0u64;
    let record = [7u8; 36];
    g.bench_function("bare_pwrite_fdatasync_36_bytes", |b| {
        b.iter(|| {
            file.write_all_at(&record, off).unwrap();
            off += 36;
            file.sync_data().unwrap();
        })
    });
    g.finish();
}

/// A journal of `n` records: tubes of ten admitted scans, each scan assigned, each tube
/// sealed and acknowledged, written directly (one write, one fsync).
fn million(path: &Path, n: usize) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        return;
    }
    let header = Header {
        journal_id: [9; 16],
        site: "site-1".into(),
        device: "dev-1".into(),
        created_at: 0,
    };
    let mut bytes = header.encode();
    let (mut records, mut scans, mut tube) = (0usize, 0u32, 0u32);
    while records < n {
        tube += 1;
        Record::TubeOpened {
            tube,
            barcode: format!("T-{tube}"),
            opened_at: 0,
        }
        .encode_into(&mut bytes);
        records += 1;
        for _ in 0..10 {
            Record::Scan(scan(u64::from(scans))).encode_into(&mut bytes);
            Record::Assigned { scan: scans, tube }.encode_into(&mut bytes);
            scans += 1;
            records += 2;
        }
        Record::TubeSealed {
            tube,
            sealed_at: 0,
            reason: SealReason::Full,
        }
        .encode_into(&mut bytes);
        Record::Acknowledged { tube, stored_at: 0 }.encode_into(&mut bytes);
        records += 2;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn reopen(c: &mut Criterion) {
    let mut g = c.benchmark_group("reopen");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let path = dir().join("million.qsj");
    million(&path, 1_000_000);
    let (j, _) = Journal::open(&path, Options::default()).unwrap();
    let st = j.status().unwrap();
    assert!(st.scans >= 400_000 && st.acknowledged > 40_000);
    drop(j);
    g.bench_function("open_1m_records", |b| {
        b.iter(|| Journal::open(&path, Options::default()).unwrap())
    });
    g.bench_function("bare_sequential_read_same_file", |b| {
        let mut buf = vec![0u8; 1 << 20];
        b.iter(|| {
            let mut f = std::fs::File::open(&path).unwrap();
            let mut total = 0;
            loop {
                let k = f.read(&mut buf).unwrap();
                if k == 0 {
                    break total;
                }
                total += k;
            }
        })
    });
    g.finish();
}

criterion_group!(benches, durable_record, reopen);
criterion_main!(benches);
