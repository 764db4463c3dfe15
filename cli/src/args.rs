//! The command line: subcommands, flags, and parsers for their values. Value parsers only
//! call the libraries' own parsers (times, dates, colours, ECC levels) and humantime.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use qrseal_core::render::Ecc;
use qrseal_core::{Colour, Date, TestResult, Timestamp};

const EXIT_CODES: &str = "\
Exit codes: 0 success (verify: valid and admitted), 1 token rejected (not a valid token),
2 usage error, unreadable file or key, or (verify) nothing can be said about the token
(trust data, clock or image unusable), 3 (verify) token valid but denied by the policy.
verify's status follows the category of the error table (docs/SPEC.md 7.5).

Formats: TIME is RFC 3339 (2026-11-21T08:00:00Z, offsets such as +08:00 allowed) or relative
to the system clock (now, now-20h, now+1d);
DATE is YYYY-MM-DD; DURATION is a number and a unit, such as 90m, 24h, 2d.
TEXT may be `-` to read the token text from stdin (at most 4 KiB); surrounding white space
is ignored.

Start with `qrseal demo`.";

/// Issue, render, inspect and verify offline health-status QR tokens (qrseal v1).
#[derive(Debug, Parser)]
#[command(name = "qrseal", version, after_help = EXIT_CODES, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make a new issuer key set: DIR/issuer.key, DIR/issuer.pub and DIR/subject.key.
    Keygen(KeygenArgs),
    /// Sign a token and print its QR text (or, with --url, its URL text) on one line.
    Issue(IssueArgs),
    /// Sign tokens for every holder of a CSV file on all cores, writing a CSV of tokens.
    IssueBatch(IssueBatchArgs),
    /// Draw token text as a QR code: a PNG or SVG file, or Unicode blocks in the terminal.
    Render(RenderArgs),
    /// Decode a token and print every field WITHOUT checking its signature or dates.
    Inspect(InspectArgs),
    /// Verify a token offline against DIR/issuer.pub, or a root key, its trust list and
    /// revocation lists, and apply a checkpoint policy.
    Verify(VerifyArgs),
    /// Walk through the whole flow with a throwaway key: issue, draw, scan, verify.
    Demo(DemoArgs),
    /// Make a new root key, which signs trust lists: DIR/root.key and DIR/root.pub.
    RootKeygen(RootKeygenArgs),
    /// Publish a trust list signed by the root key: the issuer keys verifiers accept.
    TrustList(TrustListArgs),
    /// Rotate to a new issuer key and publish the next trust list.
    Rotate(RotateArgs),
    /// Revoke the tokens of holders (by ID number) issued before a time; publish with
    /// `publish-revocations`.
    Revoke(RevokeArgs),
    /// Sign the pending revocations: the next full revocation list and a delta.
    PublishRevocations(PublishRevocationsArgs),
    /// Print the header and entries of a trust list or revocation list WITHOUT checking its
    /// signature.
    InspectList(InspectListArgs),
    /// Scan at a testing site: read scanned lines from stdin, verify each token, record it
    /// in the collection journal and fill tubes.
    Collect(crate::collect::CollectArgs),
    /// Send the journal's sealed tubes to the service; mark each acknowledged once stored.
    Upload(crate::upload::UploadArgs),
}

/// Arguments of `qrseal keygen`.
#[derive(Debug, Args)]
#[command(after_help = "\
The secret files (issuer.key, subject.key) are created with mode 0600. Existing keys are \
never overwritten: if any of the three files exists, nothing is written and the exit code \
is 2. Give DIR/issuer.pub to verifiers; keep the other two files secret.")]
pub(crate) struct KeygenArgs {
    /// Directory for the key files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

/// Arguments of `qrseal issue`.
#[derive(Debug, Args)]
#[command(after_help = "\
The token lives --ttl (default 24h) minus a per-holder offset of up to --spread, so that the \
tokens of a whole city do not expire in the same minute. --spread defaults to TTL/8 \
(3h for the default 24h TTL) and must be shorter than the TTL; the TTL can be at most about \
24 days.

The ID number is read from --id-file (a file, or `-` for standard input), never from the \
command line, where every local user can read it in the process list. The display hint \
holds at most 4 decimal digits (a masked ID such as ****1234, never a whole ID number).

Example:
  echo 11010119900307888X | qrseal issue --keys keys --id-file - --colour green \\
      --test negative@now-20h --doses 2 --last-dose 2026-08-01 \\
      --display '张*明 ****1234'")]
#[command(group(clap::ArgGroup::new("holder").required(true).args(["id_file", "id"])))]
pub(crate) struct IssueArgs {
    /// Directory holding issuer.key and subject.key (from `qrseal keygen`).
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: PathBuf,
    /// Read the holder's ID number from FILE (one line), or from standard input with `-`;
    /// only its keyed hash goes into the token.
    #[arg(long, value_name = "FILE")]
    pub(crate) id_file: Option<PathBuf>,
    /// The holder's ID number on the command line. For tests only: every local user can
    /// read a command line in the process list; use --id-file.
    #[arg(long, value_name = "ID")]
    pub(crate) id: Option<String>,
    /// Health-status colour: green, yellow, red or dark-red.
    #[arg(long, value_name = "COLOUR", value_parser = parse_colour)]
    pub(crate) colour: Colour,
    /// Latest test: negative, positive or pending, @ the sample collection time
    /// (e.g. negative@2026-11-20T09:30:00Z).
    #[arg(long, value_name = "RESULT@TIME", value_parser = parse_test)]
    pub(crate) test: Option<(TestResult, Timestamp)>,
    /// Number of vaccine doses (needs --last-dose).
    #[arg(long, value_name = "N", requires = "last_dose")]
    pub(crate) doses: Option<u8>,
    /// Date of the last vaccine dose (needs --doses).
    #[arg(long, value_name = "DATE", requires = "doses", value_parser = parse_date)]
    pub(crate) last_dose: Option<Date>,
    /// Short hint for the gate, such as a masked name and ID (at most 32 bytes of UTF-8,
    /// at most 4 decimal digits, normalised to NFC).
    #[arg(long, value_name = "TEXT")]
    pub(crate) display: Option<String>,
    /// Nominal lifetime of the token [default: 24h].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) ttl: Option<std::time::Duration>,
    /// Width of the per-holder expiry spread [default: TTL/8].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) spread: Option<std::time::Duration>,
    /// Issue time [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
    /// Print the URL text form (base64url, for links and JSON) instead of the QR text form.
    #[arg(long)]
    pub(crate) url: bool,
}

/// Arguments of `qrseal issue-batch`.
#[derive(Debug, Args)]
#[command(after_help = "\
Input: CSV with a header row naming its columns, in any order: id (the holder's ID number), \
colour (green, yellow, red or dark-red), and optionally test (RESULT@TIME, e.g. \
negative@2026-11-20T09:30:00Z), doses and last_dose (both or neither; DATE), display (the \
display hint: at most 32 bytes and 4 decimal digits). Empty optional fields mean none.

Output: CSV with the header subject,qr,url,expires_at,refresh_at: the subject hash (hex), \
the QR and URL text forms, and the expiry and background-refresh times (RFC 3339), one row \
per token in input order. ID numbers are never written out.

Every token is issued at --now, with the expiry spread per holder as `qrseal issue` does. \
Rows are signed on every core while the next ones are read, so memory stays flat whatever \
the input size. A bad row is reported with its line number; with --on-error stop (the \
default) the run stops and exits 2, with skip it is reported on stderr and left out. The \
output file is written to a temporary file in the same directory and renamed into place \
only when the run completes, so an interrupted run leaves the previous file (or none); it \
is created with mode 0600, as it holds the health statuses of every holder in it (a run \
killed outright may leave a hidden .FILE.*.tmp beside it, never a partial FILE). \
With `-` the output streams to stdout as it is made. A progress bar with rate and ETA is \
drawn on stderr when stderr is a terminal; otherwise one summary line is printed at the end.

Example:
  printf 'id,colour,display\\n11010119900307888X,green,张*明 ****888X\\n' > holders.csv
  qrseal issue-batch --keys keys --input holders.csv --output tokens.csv")]
pub(crate) struct IssueBatchArgs {
    /// Directory holding issuer.key and subject.key (from `qrseal keygen`).
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: PathBuf,
    /// The holders' statuses as CSV, or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) input: PathBuf,
    /// Where to write the tokens as CSV (replaced whole when the run completes), or `-` for
    /// stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Issue time of every token [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
    /// Nominal lifetime of the tokens [default: 24h].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) ttl: Option<std::time::Duration>,
    /// Width of the per-holder expiry spread [default: TTL/8].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) spread: Option<std::time::Duration>,
    /// What to do with a bad row: stop the run, or skip the row.
    #[arg(long, value_name = "WHAT", value_enum, default_value = "stop")]
    pub(crate) on_error: OnError,
}

/// `--on-error` of `qrseal issue-batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OnError {
    /// Stop at the first bad row; write nothing.
    Stop,
    /// Report the bad row on stderr and go on.
    Skip,
}

/// Arguments of `qrseal render`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("output").required(true).args(["png", "svg", "terminal"])
))]
#[command(after_help = "\
TEXT is the QR text form printed by `qrseal issue` (QS:...). Files are written to a \
temporary file in the same directory and then renamed into place, so an existing file is \
replaced whole or not at all. The QR version and size are printed on stderr.")]
pub(crate) struct RenderArgs {
    /// Token text in QR form, or `-` to read it from stdin.
    #[arg(value_name = "TEXT")]
    pub(crate) text: OsString,
    /// Write a PNG file.
    #[arg(long, value_name = "FILE")]
    pub(crate) png: Option<PathBuf>,
    /// Write an SVG file.
    #[arg(long, value_name = "FILE")]
    pub(crate) svg: Option<PathBuf>,
    /// Print the symbol on stdout with Unicode half blocks.
    #[arg(long)]
    pub(crate) terminal: bool,
    /// Error-correction level: L, M, Q or H.
    #[arg(long, value_name = "LEVEL", default_value = "M", value_parser = parse_ecc)]
    pub(crate) ecc: Ecc,
    /// Pixels (PNG) or units (SVG) per module, 1 to 40.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub(crate) module_size: u32,
    /// Leave out the 4-module white border that scanners rely on.
    #[arg(long)]
    pub(crate) no_quiet_zone: bool,
}

/// Arguments of `qrseal inspect`.
#[derive(Debug, Args)]
#[command(after_help = "\
Nothing printed by inspect has been verified: anyone can make a token that decodes. Use \
`qrseal verify` to check the signature and dates. Exit code 1 if TEXT is not a well-formed \
token.")]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "image"])))]
pub(crate) struct InspectArgs {
    /// Token text in QR or URL form, or `-` to read it from stdin.
    #[arg(value_name = "TEXT")]
    pub(crate) text: Option<OsString>,
    /// Read the token from the QR code in a PNG or JPEG image (at most 32 MiB).
    #[arg(long, value_name = "FILE")]
    pub(crate) image: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `qrseal verify`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "image"])))]
#[command(group(clap::ArgGroup::new("trusted").required(true).args(["keys", "root"])))]
#[command(after_help = "\
Trust either one issuer key (--keys DIR) or a root key and what it signed: --root root.pub \
--trust trust.qstl, and optionally revocation lists, applied in the order given: the full \
list REVDIR/full.qsrl alone is always up to date; a scanner holding an older full list \
applies the deltas published since, in order (--revocations old-full.qsrl --revocations \
REVDIR/delta-00000003.qsrl ...). With \
--checkpoint FILE, the clock floor and the newest list sequence numbers are read from FILE \
(if it exists) and saved back to it, so that neither the clock nor the lists can be wound \
back between runs.

Exit codes follow the category of the error table (docs/SPEC.md 7.5): 0 valid and \
admitted; 1 rejected, category invalid (not a valid token: empty, damaged, forged, expired, \
not yet valid, unknown key, key compromised or not accepted, revoked); 2 nothing can be said \
about the token, category unusable (a trust list, revocation list or checkpoint refused: \
forged, rolled back, a delta missing; a clock behind the newest signed time seen; no QR \
code in the image), or a usage error or unreadable file; 3 valid but denied by the policy, \
category denied.

The default policy admits green only and requires no test and no vaccination. Trust data \
past its next update plus --grace (default 24h) is stale: the token still verifies, with a \
warning, and is denied once the data is more than --max-stale (default 72h) past its next \
update.

--json prints one object for every outcome, exit 2 included: result (admitted, denied, \
rejected, or error when verification could not run), code, number and category (the error \
table's row when rejected or refused, else null), message, claims (when valid, else null), \
denials (a list of reasons, empty unless denied), denial_codes (their stable codes, such as \
colour or stale_trust_data), stale (null, or data (trust_list or revocations), age_secs and \
overdue_secs when the trust data is stale) and revocations (null when no revocation list \
was checked, else its sequence, issued_at and next_update_by).")]
pub(crate) struct VerifyArgs {
    /// Token text in QR or URL form, or `-` to read it from stdin.
    #[arg(value_name = "TEXT")]
    pub(crate) text: Option<OsString>,
    /// Read the token from the QR code in a PNG or JPEG image (at most 32 MiB).
    #[arg(long, value_name = "FILE")]
    pub(crate) image: Option<PathBuf>,
    /// Directory holding issuer.pub, an issuer public key to trust (repeatable: trusts each).
    #[arg(long, value_name = "DIR")]
    pub(crate) keys: Vec<PathBuf>,
    /// The root public key to pin (root.pub from `qrseal root-keygen`); needs --trust.
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub(crate) root: Option<PathBuf>,
    /// The trust list signed by the root key.
    #[arg(long, value_name = "FILE", requires = "root", conflicts_with = "keys")]
    pub(crate) trust: Option<PathBuf>,
    /// A revocation list or delta to apply, in the order given (repeatable).
    #[arg(long, value_name = "FILE", requires = "root", conflicts_with = "keys")]
    pub(crate) revocations: Vec<PathBuf>,
    /// Read the saved clock floor and sequence numbers from FILE if it exists; save them
    /// back after the run.
    #[arg(long, value_name = "FILE", requires = "root", conflicts_with = "keys")]
    pub(crate) checkpoint: Option<PathBuf>,
    /// How long past its next update trust data stays fresh [default: 24h].
    #[arg(long, value_name = "DURATION", requires = "root", conflicts_with = "keys", value_parser = parse_duration)]
    pub(crate) grace: Option<std::time::Duration>,
    /// Deny tokens when trust data is more than this past its next update [default: 72h].
    #[arg(long, value_name = "DURATION", requires = "root", conflicts_with = "keys", value_parser = parse_duration)]
    pub(crate) max_stale: Option<std::time::Duration>,
    /// Time to verify at [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Colours admitted, comma-separated (e.g. green,yellow) [default: green].
    #[arg(long, value_name = "COLOURS", value_delimiter = ',', value_parser = parse_colour)]
    pub(crate) accept: Vec<Colour>,
    /// Require a negative test collected at most this long ago.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) max_test_age: Option<std::time::Duration>,
    /// Require at least N vaccine doses.
    #[arg(long, value_name = "N")]
    pub(crate) min_doses: Option<u8>,
    /// Clock skew tolerated around the issue and expiry times [default: 5m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) skew: Option<std::time::Duration>,
    /// Deny (no_revocation_data) when no --revocations list is loaded: without one a revoked
    /// token verifies.
    #[arg(long)]
    pub(crate) require_revocations: bool,
}

/// Arguments of `qrseal demo`.
#[derive(Debug, Args)]
#[command(after_help = "\
The demo key exists only in memory; nothing is written except the PNG. Exit code 0 only if \
every step succeeds.")]
pub(crate) struct DemoArgs {
    /// Where to write the PNG [default: qrseal-demo.png in the temporary directory].
    #[arg(long, value_name = "FILE.png")]
    pub(crate) out: Option<PathBuf>,
}

/// Arguments of `qrseal root-keygen`.
#[derive(Debug, Args)]
#[command(after_help = "\
root.key is created with mode 0600; keep it offline. Existing keys are never overwritten: if \
either file exists, nothing is written and the exit code is 2. Give DIR/root.pub to \
verifiers (`qrseal verify --root DIR/root.pub`).")]
pub(crate) struct RootKeygenArgs {
    /// Directory for root.key and root.pub (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

/// Arguments of `qrseal trust-list`.
#[derive(Debug, Args)]
#[command(after_help = "\
The new list carries over every key of --previous (whose root signature is checked first) \
with sequence number one higher; without --previous it is sequence 1. It is issued at --now \
and promises the next list by --now + --valid-for. KEYID is the 8-hex-digit key id that \
`qrseal keygen` and `qrseal inspect-list` print.

--retire stops a key signing at --now; its tokens stay accepted for the longest a token can \
live. --compromised KEYID@TIME makes every token of the key invalid from TIME on, whatever \
its issue time says.

Example (the second republishes the list, as sequence 2, before it goes stale):
  qrseal trust-list --root root --add-issuer keys --out trust.qstl
  qrseal trust-list --root root --previous trust.qstl --out trust.qstl")]
pub(crate) struct TrustListArgs {
    /// Directory holding root.key.
    #[arg(long, value_name = "DIR")]
    pub(crate) root: PathBuf,
    /// Where to write the trust list (replaced whole, atomically).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// The current trust list, whose keys the new one carries over (may be the --out file).
    #[arg(long, value_name = "FILE")]
    pub(crate) previous: Option<PathBuf>,
    /// Add KEYDIR/issuer.pub as an active key signing from --now (repeatable). Tokens it
    /// issued before --now do not verify against the list.
    #[arg(long, value_name = "KEYDIR")]
    pub(crate) add_issuer: Vec<PathBuf>,
    /// Retire the key with this id at --now (repeatable).
    #[arg(long, value_name = "KEYID")]
    pub(crate) retire: Vec<String>,
    /// Mark the key compromised since TIME (repeatable).
    #[arg(long, value_name = "KEYID@TIME", value_parser = parse_compromise)]
    pub(crate) compromised: Vec<(String, Timestamp)>,
    /// How long until the next list is due [default: 7d].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) valid_for: Option<std::time::Duration>,
    /// Issue time of the list [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
}

/// Arguments of `qrseal rotate`.
#[derive(Debug, Args)]
#[command(after_help = "\
Makes a new issuer key set in --new (issuer.key and issuer.pub new; subject.key copied from \
--old, so that every holder keeps the same subject hash), then replaces --trust with the \
next trust list: every active key stops signing at --at and stays accepted for the longest \
a token can live, so tokens already issued keep verifying; the new key signs from --at. \
Publish the list before --at so scanners know the new key before its first token. If \
anything fails, --trust is left as it was. Run again after a crash, the command resumes: it \
uses the key set the crashed run left in --new (rolled back if it was not complete), and \
reports a rotation already published as done.")]
pub(crate) struct RotateArgs {
    /// Directory holding root.key.
    #[arg(long, value_name = "DIR")]
    pub(crate) root: PathBuf,
    /// The current trust list; replaced by the next one.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust: PathBuf,
    /// The current issuer key set (must be in the trust list).
    #[arg(long, value_name = "KEYDIR")]
    pub(crate) old: PathBuf,
    /// Directory for the new issuer key set (created; never overwritten).
    #[arg(long, value_name = "KEYDIR")]
    pub(crate) new: PathBuf,
    /// When the new key takes over [default: --now].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) at: Option<Timestamp>,
    /// How long until the next trust list is due [default: 7d].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) valid_for: Option<std::time::Duration>,
    /// Issue time of the trust list [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
}

/// Arguments of `qrseal revoke`.
#[derive(Debug, Args)]
#[command(after_help = "\
The ID numbers are read from --id-file (a file, or `-` for standard input), one per line; \
empty lines are skipped. Each ID number is hashed with KEYDIR/subject.key, as `qrseal issue` \
does, and appended to REVDIR/pending (one line: subject hex, then the time as Unix seconds). Nothing is published \
until `qrseal publish-revocations`. Tokens issued at or after --before are not affected: \
the holder's refreshed token verifies.")]
pub(crate) struct RevokeArgs {
    /// Directory holding subject.key (and issuer.key).
    #[arg(long, value_name = "KEYDIR")]
    pub(crate) keys: PathBuf,
    /// Revocation directory (created if missing).
    #[arg(long, value_name = "REVDIR")]
    pub(crate) revocations: PathBuf,
    /// Read the holders' ID numbers from FILE, one per line (at most a million), or from
    /// standard input with `-`.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "id",
        conflicts_with = "id"
    )]
    pub(crate) id_file: Option<PathBuf>,
    /// A holder's ID number on the command line (repeatable). For tests only: every local
    /// user can read a command line in the process list; use --id-file.
    #[arg(long, value_name = "ID")]
    pub(crate) id: Vec<String>,
    /// Revoke tokens issued before this time [default: one second after the system clock,
    /// so that tokens issued in the current second are revoked too].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) before: Option<Timestamp>,
}

/// Arguments of `qrseal publish-revocations`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads REVDIR/full.qsrl (the current full list, sequence N) if it exists and REVDIR/pending, \
then writes REVDIR/delta-<N+1>.qsrl (the pending entries only; it may be empty, which still \
moves the next-update time on) and REVDIR/full.qsrl at sequence N+1, signed with \
KEYDIR/issuer.key, and removes what it published from the pending file. The first run \
writes full.qsrl at sequence 1 and no delta. REVDIR/full.qsrl must be signed by KEYDIR's key \
or, with --trust and --root, by a key of that trust list. REVDIR is locked while it runs \
(concurrent revoke waits); files are written durably; a run killed midway is completed, \
byte for byte, by the next run.

The signing key must be in the verifiers' trust list and allowed to sign at --now.")]
pub(crate) struct PublishRevocationsArgs {
    /// Directory holding issuer.key.
    #[arg(long, value_name = "KEYDIR")]
    pub(crate) keys: PathBuf,
    /// Revocation directory (pending entries, full list, deltas).
    #[arg(long, value_name = "REVDIR")]
    pub(crate) revocations: PathBuf,
    /// How long until the next list is due [default: 24h].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) valid_for: Option<std::time::Duration>,
    /// Issue time of the lists [default: the system clock].
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub(crate) now: Option<Timestamp>,
    /// Trust list naming the keys that may have signed REVDIR/full.qsrl (needed when the
    /// previous issuer key signed it, after a rotation); with --root.
    #[arg(long, value_name = "FILE", requires = "root")]
    pub(crate) trust: Option<PathBuf>,
    /// The root public key (root.pub) that signed --trust.
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub(crate) root: Option<PathBuf>,
}

/// Arguments of `qrseal inspect-list`.
#[derive(Debug, Args)]
#[command(after_help = "\
Nothing printed by inspect-list has been verified. Exit code 1 if FILE is not a well-formed \
trust list or revocation list.")]
pub(crate) struct InspectListArgs {
    /// A trust list (.qstl) or revocation list (.qsrl).
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

/// RFC 3339 (`2026-11-21T08:00:00Z`), or a time relative to the system clock: `now`,
/// `now-20h`, `now+1h`.
pub(crate) fn parse_time(s: &str) -> Result<Timestamp, String> {
    match s.strip_prefix("now") {
        Some(offset) => {
            let now = crate::files::system_now().map_err(|f| f.message().to_owned())?;
            relative_time(now, offset)
        }
        None => Timestamp::parse_rfc3339(s)
            .map_err(|e| format!("{e} (expected e.g. 2026-11-21T08:00:00Z, now or now-20h)")),
    }
}

/// `now` moved by `offset`: empty, `-DURATION` or `+DURATION`.
fn relative_time(now: Timestamp, offset: &str) -> Result<Timestamp, String> {
    let by = |d: &str| parse_duration(d).map(|d| d.as_secs());
    if offset.is_empty() {
        Ok(now)
    } else if let Some(d) = offset.strip_prefix('-') {
        Ok(now.saturating_sub(by(d)?))
    } else if let Some(d) = offset.strip_prefix('+') {
        Ok(now.saturating_add(by(d)?))
    } else {
        Err("expected now, now-DURATION or now+DURATION (e.g. now-20h)".to_owned())
    }
}

pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>().map_err(|e| e.to_string())
}

pub(crate) fn parse_colour(s: &str) -> Result<Colour, String> {
    // `--accept 'green, yellow'`: the space after the comma is not part of the colour.
    s.trim()
        .parse::<Colour>()
        .map_err(|_| "expected green, yellow, red or dark-red".to_owned())
}

fn parse_ecc(s: &str) -> Result<Ecc, String> {
    s.parse::<Ecc>()
        .map_err(|_| "expected L, M, Q or H".to_owned())
}

pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 90m, 24h, 2d)"))
}

/// `KEYID@TIME`, e.g. `1a2b3c4d@2026-11-21T08:00:00Z`.
fn parse_compromise(s: &str) -> Result<(String, Timestamp), String> {
    let Some((key_id, time)) = s.split_once('@') else {
        return Err("expected KEYID@TIME, e.g. 1a2b3c4d@2026-11-21T08:00:00Z".to_owned());
    };
    let time = parse_time(time).map_err(|e| format!("compromise time: {e}"))?;
    Ok((key_id.to_owned(), time))
}

/// `RESULT@TIME`, e.g. `negative@2026-11-20T09:30:00Z`.
pub(crate) fn parse_test(s: &str) -> Result<(TestResult, Timestamp), String> {
    let Some((result, time)) = s.split_once('@') else {
        return Err("expected RESULT@TIME, e.g. negative@2026-11-20T09:30:00Z".to_owned());
    };
    let result = result
        .to_ascii_lowercase()
        .parse::<TestResult>()
        .map_err(|_| "the result must be negative, positive or pending".to_owned())?;
    let time = parse_time(time).map_err(|e| format!("collection time: {e}"))?;
    Ok((result, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_test_records() {
        let (r, t) = parse_test("Negative@2026-11-20T09:30:00Z").unwrap();
        assert_eq!(r, TestResult::Negative);
        assert_eq!(t.to_string(), "2026-11-20T09:30:00Z");
        assert!(parse_test("negative").is_err());
        assert!(parse_test("maybe@2026-11-20T09:30:00Z").is_err());
        assert!(parse_test("pending@yesterday").is_err());
    }

    #[test]
    fn parses_relative_times() {
        let now = Timestamp::from_unix(1_795_248_000);
        assert_eq!(relative_time(now, ""), Ok(now));
        assert_eq!(relative_time(now, "-20h"), Ok(now.saturating_sub(72_000)));
        assert_eq!(relative_time(now, "+90m"), Ok(now.saturating_add(5400)));
        assert!(relative_time(now, "-soon").is_err());
        assert!(relative_time(now, "20h").is_err());
        assert!(parse_time("now-20h").is_ok());
        assert!(parse_test("negative@now-20h").is_ok());
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("90m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("99999999999999999999999d").is_err());
    }
}
