//! `qrseal upload`: send each sealed tube of the journal to the service
//! (`POST /v1/samples`) and mark it acknowledged once the service answered for it. What an
//! answer means and how long to wait are qrseal-journal's rules (`upload`); this module
//! only speaks HTTP.

use std::hash::{BuildHasher as _, Hasher as _};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use qrseal_journal::upload::{Answer, Backoff};
use qrseal_journal::{Batch, Journal, Options};

use crate::fail::{Exit, Failure, Outcome};
use crate::files::{flush_stdout, note, out, read_bounded};

/// The largest credential file read.
const MAX_CREDENTIAL_FILE: u64 = 4 * 1024;

/// The largest answer body read.
const MAX_ANSWER: u64 = 64 * 1024;

/// Arguments of `qrseal upload`.
#[derive(Debug, Args)]
#[command(after_help = "\
Sends every sealed tube the service has not acknowledged, oldest first, as the JSON body of \
POST URL/v1/samples with the site credential (from `POST /v1/sites`) as a bearer token. A \
tube is marked uploaded in the journal only when the service answers 200 or 201 naming its \
batch key; so an upload cut off at any point is simply run again (the service stores each \
batch once and answers a repeat with 200). 503 and 429 are retried after their Retry-After \
with jittered back-off, at most --attempts times; a connection that fails is retried the \
same way. 409 (batch_conflict) is reported and the tube stays pending.

Prints one line per tube: UPLOADED, CONFLICT or PENDING. --list prints each pending tube's \
batch key and JSON body and sends nothing. Exit codes: 0 when nothing is left \
pending; 2 otherwise, or when the journal or credential cannot be read. Plain http:// only: \
put a TLS-terminating proxy in front of the service for a network you do not control.")]
pub(crate) struct UploadArgs {
    /// The journal file.
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: PathBuf,
    /// The service's base URL, such as http://127.0.0.1:8080.
    #[arg(long, value_name = "URL", required_unless_present = "list")]
    pub(crate) url: Option<String>,
    /// A file holding the site credential.
    #[arg(long, value_name = "FILE", required_unless_present = "list")]
    pub(crate) credential_file: Option<PathBuf>,
    /// Print each pending tube's batch key and JSON body (two lines) and send nothing.
    #[arg(long, conflicts_with_all = ["url", "credential_file"])]
    pub(crate) list: bool,
    /// Attempts per tube before leaving it pending (1-20).
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) attempts: u32,
}

pub(crate) fn run(args: &UploadArgs) -> Outcome {
    let (journal, _) = Journal::open(&args.journal, Options::default())
        .map_err(|e| Failure::usage(format!("journal {}: {e}", args.journal.display())))?;
    let batches = journal
        .pending_batches()
        .map_err(|e| Failure::usage(format!("journal {}: {e}", args.journal.display())))?;
    let (Some(url), Some(credential_file)) = (&args.url, &args.credential_file) else {
        for b in &batches {
            out(&format!(
                "{}\n{}\n",
                b.key,
                String::from_utf8_lossy(&b.json)
            ))?;
        }
        return Ok(Exit::Ok);
    };
    if !url.starts_with("http://") {
        return Err(Failure::usage(
            "--url must start with http:// (this build has no TLS; use a TLS-terminating \
             proxy)",
        ));
    }
    let endpoint = format!("{}/v1/samples", url.trim_end_matches('/'));
    let credential = read_bounded(credential_file, MAX_CREDENTIAL_FILE, "credential")?;
    let credential = String::from_utf8_lossy(&credential).trim().to_owned();
    if credential.is_empty() || !credential.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::usage(format!(
            "credential file {} does not hold a credential",
            credential_file.display()
        )));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let backoff = Backoff {
        attempts: args.attempts,
        ..Backoff::default()
    };
    let mut left = 0;
    for batch in &batches {
        let line = match send(&agent, &endpoint, &credential, batch, &backoff) {
            Ok(stored_at) => {
                journal.acknowledge(&batch.key, stored_at).map_err(|e| {
                    Failure::usage(format!(
                        "journal {}: {e} (the service stored batch {}; the next upload \
                         acknowledges it)",
                        args.journal.display(),
                        batch.key
                    ))
                })?;
                format!(
                    "UPLOADED {} tube {} ({} samples, stored_at {stored_at})\n",
                    batch.key, batch.barcode, batch.samples
                )
            }
            Err(line) => {
                left += 1;
                line
            }
        };
        out(&line)?;
        flush_stdout()?;
    }
    if left > 0 {
        note(&format!("qrseal: {left} tube(s) left pending"));
        return Ok(Exit::Unusable);
    }
    Ok(Exit::Ok)
}

/// Sends one batch until it is stored (its `stored_at`), or gives up with the line to print.
fn send(
    agent: &ureq::Agent,
    endpoint: &str,
    credential: &str,
    batch: &Batch,
    backoff: &Backoff,
) -> Result<u64, String> {
    let mut last = String::new();
    for attempt in 1..=backoff.attempts {
        let retry_after = match post(agent, endpoint, credential, batch) {
            Ok((status, retry_after, body)) => {
                match qrseal_journal::upload::classify(batch, status, retry_after.as_deref(), &body)
                {
                    Answer::Stored { stored_at } => return Ok(stored_at),
                    Answer::Conflict(message) => {
                        return Err(format!(
                            "CONFLICT {} tube {}: {message} (left pending)\n",
                            batch.key, batch.barcode
                        ));
                    }
                    Answer::RetryAfter(after) => {
                        last = format!("service answered {status}");
                        after
                    }
                    Answer::Refused { status, message } => {
                        return Err(format!(
                            "PENDING {} tube {}: the service answered {status}: {message}\n",
                            batch.key, batch.barcode
                        ));
                    }
                    _ => {
                        return Err(format!(
                            "PENDING {} tube {}: unexpected answer {status}\n",
                            batch.key, batch.barcode
                        ));
                    }
                }
            }
            Err(e) => {
                last = e;
                None
            }
        };
        if attempt < backoff.attempts {
            std::thread::sleep(backoff.delay(attempt, retry_after, unit_random()));
        }
    }
    Err(format!(
        "PENDING {} tube {}: {last} after {} attempts\n",
        batch.key, batch.barcode, backoff.attempts
    ))
}

/// The status, `Retry-After` and body of one POST, or why it failed to get an answer.
fn post(
    agent: &ureq::Agent,
    endpoint: &str,
    credential: &str,
    batch: &Batch,
) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let response = agent
        .post(endpoint)
        .header("Authorization", &format!("Bearer {credential}"))
        .header("Content-Type", "application/json")
        .send(&batch.json[..])
        .map_err(|e| format!("cannot reach the service: {e}"))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .into_body()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(|e| format!("cannot read the service's answer: {e}"))?;
    Ok((status, retry_after, body))
}

/// A uniform value in `[0, 1)` for back-off jitter: std's per-process random hash keys are
/// enough (no secret depends on it).
fn unit_random() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
