//! `qrseal issue`: sign one token with the keys in a directory.

use qrseal_core::{TestRecord, Vaccination};
use qrseal_issuer::{Issuer, Status, TtlPolicy, keyfile};

use crate::args::IssueArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{now_or_clock, out};
use crate::ids::read_ids;

pub(crate) fn run(args: &IssueArgs) -> Outcome {
    let ttl = ttl_policy(args.ttl, args.spread)?;
    let now = now_or_clock(args.now)?;
    let (key, secret) = keyfile::load(&args.keys)?;
    let issuer = Issuer::new(key, secret).with_ttl(ttl)?;
    let id = match (&args.id_file, &args.id) {
        (Some(path), _) => read_ids(path, 1, "--id-file")?.remove(0),
        (None, Some(id)) => id.clone(),
        // clap requires one of the two.
        (None, None) => return Err(Failure::usage("give the ID number with --id-file")),
    };
    let mut status = Status::new(issuer.subject(&id)?, args.colour);
    status.test = args.test.map(|(result, collected_at)| TestRecord {
        result,
        collected_at,
    });
    // clap makes --doses and --last-dose go together.
    if let (Some(doses), Some(last_dose)) = (args.doses, args.last_dose) {
        status.vaccination = Some(Vaccination { doses, last_dose });
    }
    status.display_hint = args
        .display
        .as_deref()
        .map(qrseal_issuer::display_hint)
        .transpose()
        .map_err(|e| Failure::usage(format!("--display: {e}")))?;
    let token = issuer.issue(&status, now)?;
    let text = if args.url {
        token.url_text()
    } else {
        token.qr_text()
    };
    out(&format!("{text}\n"))?;
    Ok(Exit::Ok)
}

/// --ttl (default 24h) and --spread (default TTL/8: 3h for 24h, as `TtlPolicy::default()`).
pub(crate) fn ttl_policy(
    ttl: Option<std::time::Duration>,
    spread: Option<std::time::Duration>,
) -> Result<TtlPolicy, Failure> {
    let default = TtlPolicy::default();
    let ttl_or_default = ttl.unwrap_or(default.ttl);
    let spread = match (spread, ttl) {
        (Some(d), _) => d,
        (None, Some(_)) => std::time::Duration::from_secs(ttl_or_default.as_secs() / 8),
        (None, None) => default.spread,
    };
    Ok(TtlPolicy::new(ttl_or_default, spread))
}
