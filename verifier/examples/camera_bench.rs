//! The Rust half of the camera benchmark (scripts/camera-bench.sh); needs `--features image`.
//!
//! ```text
//! camera_bench symbols TOKENS_JSON DIR   one PGM a token (a pixel a module, no quiet zone)
//!                                        and DIR/symbols.tsv, for scripts/camera_corpus.py
//! camera_bench run CORPUS OUT_TSV        decodes every frame of CORPUS/manifest.tsv with
//!                                        `frame::decode_frame`, one line a frame:
//!                                        file, condition, width, height, result, cpu_ns
//! ```
//!
//! `result` is `ok`, `miss` (any error) or `misread` (a text other than the one encoded).
//! CPU time is the decoding thread's own (`CLOCK_THREAD_CPUTIME_ID`) around the decode call
//! alone: loading the PNG is not counted, and other processes on the machine do not inflate it.
// Reading the thread CPU clock needs one libc call.
#![allow(unsafe_code)]

use std::fmt::Write as _;
use std::path::Path;

use qrseal_core::render::{Ecc, QrSymbol, RenderOptions};
use qrseal_verifier::frame::{Frame, PixelFormat, decode_frame};

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn symbols(tokens_json: &Path, dir: &Path) {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tokens_json).expect("read tokens.json"))
            .expect("tokens.json is JSON");
    let mut texts: Vec<String> = Vec::new();
    // Every QR text of the vectors, valid or not: the decoder does not verify, and the set
    // spans the symbol versions tokens use (6 without a display hint, 7 with one).
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("qr_text", serde_json::Value::String(s)) => out.push(s.clone()),
                        _ => collect(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    collect(&json, &mut texts);
    texts.sort();
    texts.dedup();
    std::fs::create_dir_all(dir).expect("create symbols dir");
    let mut tsv = String::new();
    let mut n = 0;
    for text in &texts {
        let Ok(symbol) = QrSymbol::new(text, Ecc::M) else {
            continue;
        };
        if symbol.version() > 8 {
            continue;
        }
        let luma = symbol
            .to_luma(RenderOptions {
                module_size: 1,
                quiet_zone: false,
            })
            .expect("render");
        let name = format!("symbol-{n:03}.pgm");
        let mut pgm = format!("P5\n{} {}\n255\n", luma.width(), luma.height()).into_bytes();
        pgm.extend_from_slice(luma.as_raw());
        std::fs::write(dir.join(&name), pgm).expect("write symbol");
        writeln!(tsv, "{name}\t{text}").expect("string write");
        n += 1;
    }
    std::fs::write(dir.join("symbols.tsv"), tsv).expect("write symbols.tsv");
    eprintln!("{n} symbols in {}", dir.display());
}

fn run(corpus: &Path, out: &Path) {
    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).expect("read manifest");
    let mut lines = String::new();
    for line in manifest.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, condition, text) = (cols[0], cols[1], cols[4]);
        let img = image::open(corpus.join(file))
            .expect("read frame")
            .into_luma8();
        let (w, h) = img.dimensions();
        let start = thread_cpu_ns();
        let result =
            Frame::new(w, h, PixelFormat::Gray8, img.as_raw()).and_then(|f| decode_frame(&f));
        let cpu = thread_cpu_ns() - start;
        let verdict = match result {
            Ok(read) if read == text => "ok",
            Ok(_) => "misread",
            Err(_) => "miss",
        };
        writeln!(lines, "{file}\t{condition}\t{w}\t{h}\t{verdict}\t{cpu}").expect("string write");
    }
    std::fs::write(out, lines).expect("write results");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("symbols") if args.len() == 4 => symbols(Path::new(&args[2]), Path::new(&args[3])),
        Some("run") if args.len() == 4 => run(Path::new(&args[2]), Path::new(&args[3])),
        _ => {
            eprintln!("usage: camera_bench symbols TOKENS_JSON DIR | run CORPUS OUT_TSV");
            std::process::exit(2);
        }
    }
}
