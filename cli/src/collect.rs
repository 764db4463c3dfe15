//! `qrseal collect`: read scanned lines from stdin as a keyboard-wedge scan engine types
//! them, verify each token, record it in the collection journal, and fill tubes. The rules
//! (tubes, sealing, the file) live in qrseal-journal; this module reads lines and prints.

use std::io::{BufRead as _, Read as _};
use std::path::{Path, PathBuf};

use clap::Args;
use qrseal_core::{Colour, Timestamp};
use qrseal_journal::{Journal, Options, Scan, key_id_of};
use qrseal_verifier::{Category, Decision, Policy, TrustStore, Verified, Verifier};

use crate::fail::{Exit, Failure, Outcome};
use crate::files::{flush_stdout, note, now_or_clock, out};
use crate::verify::{load_lists, load_public_key, load_trusted_key};

/// The longest line read: a token text is far shorter; a longer line is refused whole.
const MAX_LINE: u64 = 4 * 1024;

/// Arguments of `qrseal collect`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("trusted").required(true).args(["keys", "root"])))]
#[command(after_help = "\
Reads one scanned line at a time from stdin (a keyboard-wedge scan engine types each code \
followed by Enter) until end of input:
  TUBE:<barcode>   opens a new tube (the barcode: 1-64 of [A-Za-z0-9._-]); a tube still open \
is sealed first. The prefix is --tube-prefix.
  SEAL             seals the open tube by hand (--seal-line).
  anything else    a token: verified as `qrseal verify` does; a valid token is recorded in \
the journal (subject hash, key id, colour, verdict; never an ID number or name), and an \
admitted holder goes into the open tube, which is sealed when it holds --tube-size samples.
Blank lines are ignored. Each line gets one answer line on stdout, printed only once the \
journal holds it on stable storage: ADMIT, DENY, REJECT (not a valid token: not recorded), \
TUBE, SEALED, or ERROR. The journal is created on first use for --site and --device; later \
runs must name the same ones. Upload sealed tubes with `qrseal upload`.

Exit codes: 0 at the end of input; 2 if the journal cannot be opened or written (the line \
that failed is not recorded; nothing after it is read).")]
pub(crate) struct CollectArgs {
    /// The journal file (created if missing).
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: PathBuf,
    /// The collection site's id (1-64 of [A-Za-z0-9._-]).
    #[arg(long, value_name = "ID")]
    pub(crate) site: String,
    /// This device's id (1-64 of [A-Za-z0-9._-]).
    #[arg(long, value_name = "ID")]
    pub(crate) device: String,
    /// Samples per tube: the tube is sealed when it holds this many (1-100).
    #[arg(long, value_name = "N", default_value_t = qrseal_journal::DEFAULT_TUBE_SIZE)]
    pub(crate) tube_size: usize,
    /// A line starting with this opens a tube; the rest of the line is its barcode.
    #[arg(long, value_name = "TEXT", default_value = "TUBE:")]
    pub(crate) tube_prefix: String,
    /// A line equal to this seals the open tube by hand.
    #[arg(long, value_name = "TEXT", default_value = "SEAL")]
    pub(crate) seal_line: String,
    /// Directory holding issuer.pub, an issuer public key to trust (repeatable).
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Vec<PathBuf>,
    /// The root public key to pin; needs --trust.
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub(crate) root: Option<PathBuf>,
    /// The trust list signed by the root key.
    #[arg(long, value_name = "FILE", requires = "root", conflicts_with = "keys")]
    pub(crate) trust: Option<PathBuf>,
    /// A revocation list or delta to apply, in the order given (repeatable).
    #[arg(long, value_name = "FILE", requires = "root", conflicts_with = "keys")]
    pub(crate) revocations: Vec<PathBuf>,
    /// Colours admitted, comma-separated [default: green].
    #[arg(long, value_name = "COLOURS", value_delimiter = ',', value_parser = crate::args::parse_colour)]
    pub(crate) accept: Vec<Colour>,
    /// Clock skew tolerated around the issue and expiry times [default: 5m].
    #[arg(long, value_name = "DURATION", value_parser = crate::args::parse_duration)]
    pub(crate) skew: Option<std::time::Duration>,
    /// Time of every scan [default: the system clock, read for each line].
    #[arg(long, value_name = "TIME", value_parser = crate::args::parse_time)]
    pub(crate) now: Option<Timestamp>,
}

enum Checker {
    Keys(Verifier),
    Store(Box<TrustStore>),
}

impl Checker {
    fn verify(&self, text: &str, now: Timestamp) -> Result<Verified, qrseal_verifier::Error> {
        match self {
            Checker::Keys(v) => v.verify(text, now),
            Checker::Store(s) => s.verify(text, now),
        }
    }
}

pub(crate) fn run(args: &CollectArgs) -> Outcome {
    let start = now_or_clock(args.now)?;
    let checker = checker(args, start)?;
    let mut policy = Policy::default();
    if !args.accept.is_empty() {
        policy = policy.accept(args.accept.iter().copied().collect());
    }
    let journal = open_journal(
        &args.journal,
        &args.site,
        &args.device,
        args.tube_size,
        start,
    )?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut input)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
        if n == 0 {
            break;
        }
        if line.len() as u64 > MAX_LINE && !line.ends_with(b"\n") {
            // Skip the rest of the over-long line.
            let mut rest = Vec::new();
            input
                .read_until(b'\n', &mut rest)
                .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
            out(&format!(
                "ERROR line longer than {MAX_LINE} bytes: ignored\n"
            ))?;
            flush_stdout()?;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.is_empty() {
            continue;
        }
        let now = now_or_clock(args.now)?;
        let answer = handle(args, &journal, &checker, &policy, text, now)?;
        out(&answer)?;
        flush_stdout()?;
    }
    Ok(Exit::Ok)
}

/// One line's answer, printed after the journal holds what it recorded.
fn handle(
    args: &CollectArgs,
    journal: &Journal,
    checker: &Checker,
    policy: &Policy,
    text: &str,
    now: Timestamp,
) -> Result<String, Failure> {
    let t = now.unix();
    if let Some(barcode) = text.strip_prefix(args.tube_prefix.as_str()) {
        return match journal.open_tube(barcode, t) {
            Ok(o) => Ok(format!(
                "{}TUBE {barcode} opened (tube {})\n",
                o.sealed
                    .map_or(String::new(), |s| format!("SEALED tube {s}\n")),
                o.tube
            )),
            Err(
                e @ (qrseal_journal::Error::BadId { .. } | qrseal_journal::Error::TubeReused(_)),
            ) => Ok(format!("ERROR {e}\n")),
            Err(e) => Err(journal_failed(journal, &e)),
        };
    }
    if text == args.seal_line {
        return match journal.seal_tube(t) {
            Ok(tube) => Ok(format!("SEALED tube {tube} (by hand)\n")),
            Err(e @ qrseal_journal::Error::NoOpenTube) => Ok(format!("ERROR {e}\n")),
            Err(e) => Err(journal_failed(journal, &e)),
        };
    }
    let verified = match checker.verify(text, now) {
        Ok(v) => v,
        Err(e) if e.code().category() == Category::Invalid => {
            return Ok(format!("REJECT {}: {e}\n", e.code()));
        }
        Err(e) => return Ok(format!("ERROR cannot verify: {e} ({})\n", e.code())),
    };
    let decision: Decision = policy.evaluate(&verified, now);
    // The text verified, so it decodes and holds this subject.
    let key_id = key_id_of(text, &verified.claims.subject)
        .map_err(|e| Failure::usage(format!("internal error: {e}")))?;
    let scan = Scan::verified(&verified, &decision, key_id, t);
    let outcome = journal
        .record_scan(scan)
        .map_err(|e| journal_failed(journal, &e))?;
    let mut answer = if decision.admitted() {
        match (outcome.tube, outcome.not_assigned) {
            (Some(tube), _) => {
                let n = journal
                    .status()
                    .ok()
                    .and_then(|s| s.open_tube.map(|o| o.samples))
                    .unwrap_or(args.tube_size);
                format!(
                    "ADMIT scan {} {} into tube {tube} ({}/{})\n",
                    outcome.index,
                    verified.claims.colour,
                    if outcome.sealed.is_some() {
                        args.tube_size
                    } else {
                        n
                    },
                    args.tube_size
                )
            }
            (None, reason) => format!(
                "ADMIT scan {} {} not in a tube: {}\n",
                outcome.index,
                verified.claims.colour,
                reason.unwrap_or("")
            ),
        }
    } else {
        let reasons: Vec<String> = decision.denials().map(|d| d.to_string()).collect();
        format!("DENY scan {}: {}\n", outcome.index, reasons.join("; "))
    };
    if let Some(tube) = outcome.sealed {
        answer.push_str(&format!("SEALED tube {tube} (full)\n"));
    }
    Ok(answer)
}

fn journal_failed(journal: &Journal, e: &qrseal_journal::Error) -> Failure {
    Failure::usage(format!(
        "journal {}: {e}; the last line was not recorded",
        journal.path().display()
    ))
}

fn checker(args: &CollectArgs, now: Timestamp) -> Result<Checker, Failure> {
    match (&args.root, &args.trust) {
        (Some(root), Some(trust)) => {
            let mut store = TrustStore::new(load_public_key(root, "root public key")?);
            if let Some(skew) = args.skew {
                store = store.with_clock_skew(skew);
            }
            load_lists(&mut store, trust, &args.revocations, now)?;
            Ok(Checker::Store(Box::new(store)))
        }
        _ => {
            let keys = args
                .keys
                .iter()
                .map(|dir| load_trusted_key(dir))
                .collect::<Result<Vec<_>, _>>()?;
            let mut verifier = Verifier::new(keys);
            if let Some(skew) = args.skew {
                verifier = verifier.with_clock_skew(skew);
            }
            Ok(Checker::Keys(verifier))
        }
    }
}

/// Opens the journal, or creates it for `site` and `device` if the file does not exist.
pub(crate) fn open_journal(
    path: &Path,
    site: &str,
    device: &str,
    tube_size: usize,
    now: Timestamp,
) -> Result<Journal, Failure> {
    let options = Options {
        tube_size,
        ..Options::default()
    };
    let failed =
        |e: qrseal_journal::Error| Failure::usage(format!("journal {}: {e}", path.display()));
    let journal = match Journal::open(path, options) {
        Ok((journal, recovery)) => {
            if let Some(reason) = recovery.reason {
                note(&format!(
                    "qrseal: note: journal {}: dropped {} bytes at byte {} ({reason}): the \
                     last append was cut short by a crash; every complete record is kept",
                    path.display(),
                    recovery.dropped_bytes,
                    recovery.offset
                ));
            }
            journal
        }
        Err(qrseal_journal::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Journal::create(path, site, device, now.unix(), options).map_err(failed)?
        }
        Err(e) => return Err(failed(e)),
    };
    let h = journal.header();
    if h.site != site || h.device != device {
        return Err(Failure::usage(format!(
            "journal {} belongs to site {} device {}, not site {site} device {device}",
            path.display(),
            h.site,
            h.device
        )));
    }
    Ok(journal)
}
