//! `qrseal issue-batch`: pre-issue tokens for many holders from a CSV file, signing on every
//! core, streaming (memory stays flat whatever the input size), and writing the output
//! through a temporary file that is renamed into place only when the run completes.
//!
//! Input columns (header row required, any order, names as below):
//! `id` (required), `colour` (required), `test` (`RESULT@TIME` or empty), `doses` and
//! `last_dose` (both or neither), `display` (the display hint, or empty).
//! Output columns: `subject`, `qr`, `url`, `expires_at`, `refresh_at`. ID numbers are never
//! written out.

use std::fs;
use std::io::{self, BufWriter, IsTerminal as _, Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use csv::StringRecord;
use indicatif::{ProgressBar, ProgressStyle};
use qrseal_core::{Colour, TestRecord, Timestamp, Vaccination};
use qrseal_issuer::{Issuer, Status, keyfile};
use rayon::prelude::*;

use crate::args::{IssueBatchArgs, OnError, parse_date, parse_test};
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{note, now_or_clock};
use crate::issue::ttl_policy;

/// Rows signed together: large enough to keep every core busy, small enough that memory
/// stays flat (two chunks in flight, a few megabytes).
const CHUNK_ROWS: usize = 8192;

/// The longest input line: far above any valid row, so that a wrong file is refused before
/// one line fills memory.
const MAX_LINE: usize = 64 * 1024;

/// The output's header row.
const OUTPUT_HEADER: &str = "subject,qr,url,expires_at,refresh_at\n";

/// Where each input column is.
struct Columns {
    id: usize,
    colour: usize,
    test: Option<usize>,
    doses: Option<usize>,
    last_dose: Option<usize>,
    display: Option<usize>,
}

impl Columns {
    fn from_header(header: &StringRecord) -> Result<Columns, Failure> {
        let mut found: [Option<usize>; 6] = [None; 6];
        const NAMES: [&str; 6] = ["id", "colour", "test", "doses", "last_dose", "display"];
        for (i, name) in header.iter().enumerate() {
            let key = name.trim().to_ascii_lowercase().replace('-', "_");
            let key = if key == "color" {
                "colour".to_owned()
            } else {
                key
            };
            let Some(slot) = NAMES.iter().position(|n| *n == key) else {
                return Err(Failure::usage(format!(
                    "--input: line 1: unknown column `{name}` (expected {})",
                    NAMES.join(", ")
                )));
            };
            if found[slot].replace(i).is_some() {
                return Err(Failure::usage(format!(
                    "--input: line 1: column `{name}` appears twice"
                )));
            }
        }
        let required = |slot: usize| {
            found[slot].ok_or_else(|| {
                Failure::usage(format!(
                    "--input: line 1: the header has no `{}` column",
                    NAMES[slot]
                ))
            })
        };
        Ok(Columns {
            id: required(0)?,
            colour: required(1)?,
            test: found[2],
            doses: found[3],
            last_dose: found[4],
            display: found[5],
        })
    }
}

/// One input row: its line number and fields.
struct Row {
    line: u64,
    record: StringRecord,
}

/// What became of one row: an output line, or why not.
type RowResult = Result<String, String>;

/// Builds the status of one row, signs it, and formats its output line.
fn issue_row(issuer: &Issuer, columns: &Columns, row: &Row, now: Timestamp) -> RowResult {
    let field = |i: Option<usize>| {
        i.and_then(|i| row.record.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let id = field(Some(columns.id)).ok_or("the `id` column is empty")?;
    let subject = issuer.subject(id).map_err(|e| format!("id: {e}"))?;
    let colour = field(Some(columns.colour))
        .ok_or("the `colour` column is empty")?
        .parse::<Colour>()
        .map_err(|_| "colour: expected green, yellow, red or dark-red")?;
    let mut status = Status::new(subject, colour);
    if let Some(test) = field(columns.test) {
        let (result, collected_at) = parse_test(test).map_err(|e| format!("test: {e}"))?;
        status.test = Some(TestRecord {
            result,
            collected_at,
        });
    }
    match (field(columns.doses), field(columns.last_dose)) {
        (None, None) => {}
        (Some(doses), Some(last_dose)) => {
            status.vaccination = Some(Vaccination {
                doses: doses
                    .parse()
                    .map_err(|_| "doses: expected a number from 1 to 255")?,
                last_dose: parse_date(last_dose).map_err(|e| format!("last_dose: {e}"))?,
            });
        }
        _ => return Err("`doses` and `last_dose` go together: give both or neither".into()),
    }
    if let Some(display) = field(columns.display) {
        status.display_hint =
            Some(qrseal_issuer::display_hint(display).map_err(|e| format!("display: {e}"))?);
    }
    let token = issuer.issue(&status, now).map_err(|e| e.to_string())?;
    // No field can need quoting: hex, the QR alphabet (no comma or quote), base64url, and
    // RFC 3339 times.
    Ok(format!(
        "{},{},{},{},{}\n",
        token.claims().subject,
        token.qr_text(),
        token.url_text(),
        token.claims().expires_at,
        token.refresh_at()
    ))
}

/// A CSV error as `--input: line N: what`.
fn csv_failure(e: &csv::Error) -> Failure {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => Failure::usage(format!(
            "--input: line {}: {len} fields, but the header has {expected_len}",
            pos.line()
        )),
        csv::ErrorKind::Utf8 { pos: Some(pos), .. } => {
            Failure::usage(format!("--input: line {}: not UTF-8 text", pos.line()))
        }
        csv::ErrorKind::Io(io) => Failure::usage(format!("--input: {io}")),
        _ => Failure::usage(format!("--input: {e}")),
    }
}

/// Refuses lines longer than [`MAX_LINE`], so that one bad line cannot fill memory.
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("a line is longer than {MAX_LINE} bytes"),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Where the output goes: standard output, or a temporary file renamed into place at the end.
enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(BufWriter<tempfile::NamedTempFile>),
}

impl Output {
    fn open(path: &Path) -> Result<Output, Failure> {
        if path == Path::new("-") {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout().lock(),
            )));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path.file_name().ok_or_else(|| {
            Failure::usage(format!("--output {}: not a file name", path.display()))
        })?;
        if path.is_dir() {
            return Err(Failure::usage(format!(
                "--output {}: is a directory",
                path.display()
            )));
        }
        // In the same directory, so that the final rename stays on one file system; removed
        // if the run stops early. Mode 0600 (tempfile's default), kept by the rename: the
        // file holds the health statuses of every holder in it.
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
        Ok(Output::File(BufWriter::with_capacity(1 << 16, tmp)))
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(text.as_bytes()),
            Output::File(w) => w.write_all(text.as_bytes()),
        }
    }

    /// Flushes; for a file, syncs it and renames it over `path`, then syncs the directory.
    fn finish(self, path: &Path) -> Result<(), Failure> {
        let cannot = |e: &dyn std::fmt::Display| {
            Failure::usage(format!("cannot write {}: {e}", path.display()))
        };
        match self {
            Output::Stdout(mut w) => w.flush().map_err(|e| cannot(&e)),
            Output::File(w) => {
                let tmp = w.into_inner().map_err(|e| cannot(&e.into_error()))?;
                tmp.as_file().sync_all().map_err(|e| cannot(&e))?;
                tmp.persist(path).map_err(|e| cannot(&e.error))?;
                #[cfg(unix)]
                if let Some(dir) = path.parent() {
                    let dir = if dir.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        dir
                    };
                    fs::File::open(dir)
                        .and_then(|d| d.sync_all())
                        .map_err(|e| cannot(&e))?;
                }
                Ok(())
            }
        }
    }
}

/// Progress on standard error: a bar with rate and ETA on a terminal, else nothing until
/// the summary line.
struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    fn new(total_bytes: Option<u64>) -> Progress {
        let bar = io::stderr().is_terminal().then(|| {
            let bar = match total_bytes {
                Some(len) => ProgressBar::new(len),
                None => ProgressBar::new_spinner(),
            };
            let template = if total_bytes.is_some() {
                "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} ETA {eta}"
            } else {
                "{spinner} [{elapsed_precise}] {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn rate(&self, issued: u64) -> u64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            (issued as f64 / secs) as u64
        } else {
            0
        }
    }

    fn update(&self, bytes: u64, issued: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.set_message(format!("{issued} tokens, {} tokens/s", self.rate(issued)));
        }
    }

    fn warn(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| note(text)),
            None => note(text),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub(crate) fn run(args: &IssueBatchArgs) -> Outcome {
    let ttl = ttl_policy(args.ttl, args.spread)?;
    let now = now_or_clock(args.now)?;
    let (key, secret) = keyfile::load(&args.keys)?;
    let issuer = Issuer::new(key, secret).with_ttl(ttl)?;

    let from_stdin = args.input == Path::new("-");
    let (input, total_bytes): (Box<dyn Read + Send>, Option<u64>) = if from_stdin {
        (Box::new(io::stdin()), None)
    } else {
        let cannot =
            |e: io::Error| Failure::usage(format!("--input {}: {e}", args.input.display()));
        let file = fs::File::open(&args.input).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if meta.is_dir() {
            return Err(Failure::usage(format!(
                "--input {}: is a directory",
                args.input.display()
            )));
        }
        (Box::new(file), meta.is_file().then_some(meta.len()))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(LineLimit {
            inner: input,
            since_newline: 0,
        });
    let header = reader.headers().map_err(|e| csv_failure(&e))?.clone();
    let columns = Columns::from_header(&header)?;

    let mut output = Output::open(&args.output)?;
    let write_failed = |e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::quiet()
        } else {
            Failure::usage(format!("cannot write {}: {e}", args.output.display()))
        }
    };
    output.write(OUTPUT_HEADER).map_err(write_failed)?;

    let progress = Progress::new(total_bytes);
    let mut issued: u64 = 0;
    let mut skipped: u64 = 0;
    // A reader thread parses the next chunk while the pool signs this one; the channel holds
    // one chunk, so at most three are in memory.
    let outcome = (|| -> Result<(), Failure> {
        let (send, receive) = mpsc::sync_channel::<Result<(Vec<Row>, u64), Failure>>(1);
        // Not joined: after a bad row stops the run, a reader still waiting on an open
        // standard input must not keep the process alive; it ends with the process, or
        // as soon as it finds the channel closed.
        std::thread::spawn(move || {
            let mut record = StringRecord::new();
            loop {
                let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                let mut failed = None;
                while chunk.len() < CHUNK_ROWS {
                    match reader.read_record(&mut record) {
                        Ok(true) => chunk.push(Row {
                            line: record.position().map_or(0, |p| p.line()),
                            record: record.clone(),
                        }),
                        Ok(false) => break,
                        Err(e) => {
                            failed = Some(csv_failure(&e));
                            break;
                        }
                    }
                }
                let done = chunk.len() < CHUNK_ROWS;
                let position = reader.position().byte();
                if !chunk.is_empty() && send.send(Ok((chunk, position))).is_err() {
                    return;
                }
                if let Some(failure) = failed {
                    let _ = send.send(Err(failure));
                    return;
                }
                if done {
                    return;
                }
            }
        });
        for message in receive {
            let (chunk, position) = message?;
            let lines: Vec<RowResult> = chunk
                .par_iter()
                .with_min_len(64)
                .map(|row| issue_row(&issuer, &columns, row, now))
                .collect();
            for (row, line) in chunk.iter().zip(lines) {
                match line {
                    Ok(text) => {
                        output.write(&text).map_err(write_failed)?;
                        issued += 1;
                    }
                    Err(reason) => match args.on_error {
                        OnError::Stop => {
                            let written = if args.output == Path::new("-") {
                                "the rows before it were written"
                            } else {
                                "nothing was written"
                            };
                            return Err(Failure::usage(format!(
                                "--input: line {}: {reason}; {written} (use --on-error skip \
                                 to skip bad rows)",
                                row.line
                            )));
                        }
                        OnError::Skip => {
                            skipped += 1;
                            progress.warn(&format!(
                                "qrseal: warning: --input: line {}: {reason} (skipped)",
                                row.line
                            ));
                        }
                    },
                }
            }
            progress.update(position, issued);
        }
        Ok(())
    })();
    progress.finish();
    // On an error the temporary file is dropped, and with it removed.
    outcome?;
    let rate = progress.rate(issued);
    let secs = progress.started.elapsed().as_secs_f64();
    output.finish(&args.output)?;
    let destination = if args.output == Path::new("-") {
        "standard output".to_owned()
    } else {
        args.output.display().to_string()
    };
    note(&format!(
        "Issued {issued} token{} ({skipped} row{} skipped) in {secs:.1} s, {rate} tokens/s, to \
         {destination}.",
        if issued == 1 { "" } else { "s" },
        if skipped == 1 { "" } else { "s" },
    ));
    Ok(Exit::Ok)
}
