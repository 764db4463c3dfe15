//! Revocation from the command line: `qrseal revoke` queues subjects in REVDIR/pending,
//! `qrseal publish-revocations` signs them into the next full list and a delta.
//!
//! The directory and every rule of publishing live in `qrseal_issuer::revocation_dir` and
//! `qrseal_issuer::revocation`; this module marshals arguments and prints the result.

use qrseal_core::lists::Revocation;
use qrseal_issuer::Issuer;
use qrseal_issuer::keyfile;
use qrseal_issuer::revocation::RevocationPublisher;
use qrseal_issuer::revocation_dir::RevocationDir;
use qrseal_verifier::TrustStore;

use crate::args::{PublishRevocationsArgs, RevokeArgs};
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{now_or_clock, out, read_bounded};
use crate::ids::{MAX_IDS, read_ids};
use crate::show::field;
use crate::trust::{duration_secs, info_text};
use crate::verify::{MAX_TRUST_LIST_FILE, list_refused, load_public_key};

/// The default time from one revocation list to the next.
const DEFAULT_REVOCATIONS_VALID_FOR: u64 = 24 * 3600;

pub(crate) fn revoke(args: &RevokeArgs) -> Outcome {
    // Token times are whole seconds: "before now" would spare a token issued earlier in
    // this same second, so the default covers every token issued up to now inclusive.
    let before = match args.before {
        Some(t) => t,
        None => now_or_clock(None)?.saturating_add(1),
    };
    let (key, secret) = keyfile::load(&args.keys)?;
    let issuer = Issuer::new(key, secret);
    let (ids, flag) = match &args.id_file {
        Some(path) => (read_ids(path, MAX_IDS, "--id-file")?, "--id-file"),
        None => (args.id.clone(), "--id"),
    };
    let mut added = Vec::with_capacity(ids.len());
    for (n, id) in ids.iter().enumerate() {
        let subject = issuer
            .subject(id)
            .map_err(|e| Failure::usage(format!("{flag}: ID number {}: {e}", n + 1)))?;
        let revocation = Revocation {
            subject,
            issued_before: before,
        };
        if revocation.to_bytes().is_none() {
            return Err(Failure::usage(
                "--before: revocation lists carry times up to 2106-02-07 only",
            ));
        }
        added.push(revocation);
    }
    // Locked until dropped: concurrent revoke and publish-revocations wait their turn.
    let dir = RevocationDir::open(&args.revocations)?;
    dir.add(&added)?;
    let mut report = format!(
        "Added {} revocation{} to {} (publish with `qrseal publish-revocations`):\n",
        added.len(),
        if added.len() == 1 { "" } else { "s" },
        dir.path()
            .join(qrseal_issuer::revocation_dir::PENDING_FILE)
            .display()
    );
    for r in &added {
        report.push_str(&field(
            "subject",
            format!("{}  tokens issued before {}", r.subject, r.issued_before),
        ));
    }
    drop(dir);
    out(&report)?;
    Ok(Exit::Ok)
}

pub(crate) fn publish(args: &PublishRevocationsArgs) -> Outcome {
    let now = now_or_clock(args.now)?;
    let valid_for = duration_secs(args.valid_for, DEFAULT_REVOCATIONS_VALID_FOR, "--valid-for")?;
    let (key, _) = keyfile::load(&args.keys)?;
    if !args.revocations.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory (run `qrseal revoke` first, or create it)",
            args.revocations.display()
        )));
    }
    let mut publisher = RevocationPublisher::new(&key);
    // After a rotation the list published last was signed by the previous key: the trust
    // list says which keys may have signed it, and when.
    match (&args.trust, &args.root) {
        (Some(trust), Some(root)) => {
            let bytes = read_bounded(trust, MAX_TRUST_LIST_FILE, "trust list")?;
            let mut store = TrustStore::new(load_public_key(root, "root public key")?);
            store
                .load_trust_list(&bytes, now)
                .map_err(|e| list_refused("trust list", trust, e))?;
            let list = qrseal_core::lists::TrustList::parse(&bytes)
                .map_err(|e| list_refused("trust list", trust, e.into()))?;
            for entry in list.keys() {
                publisher = publisher.with_base_signer(entry);
            }
        }
        (None, None) => {}
        _ => return Err(Failure::usage("give --trust and --root together")),
    }
    let dir = RevocationDir::open(&args.revocations)?;
    // The clock is read again once the directory is locked: a publisher that waited for
    // the lock behind another one must not date its list before the list that one wrote.
    let now = now_or_clock(args.now)?;
    let published = dir
        .publish(&publisher, now, valid_for)
        .map_err(|e| match e {
            qrseal_issuer::Error::BaseListRefused(_) if args.trust.is_none() => {
                Failure::usage(format!(
                    "{e} (if the previous issuer key signed it, pass --trust FILE --root FILE)"
                ))
            }
            e => Failure::from(e),
        })?;
    drop(dir);
    let lists = &published.lists;
    let info = &lists.info;
    let mut report = if published.completed {
        format!(
            "Completed the interrupted publication of revocations sequence {} (nothing else \
             was published; run again to publish the queue):\n{}",
            info.sequence,
            info_text(info)
        )
    } else {
        format!(
            "Published revocations sequence {}, signed by key {}:\n{}",
            info.sequence,
            key.key_id(),
            info_text(info)
        )
    };
    report.push_str(&field(
        "full list",
        format!(
            "{}  ({} subject{})",
            published.full_path.display(),
            lists.full_count,
            if lists.full_count == 1 { "" } else { "s" }
        ),
    ));
    if let Some(path) = &published.delta_path {
        let n = lists.added.len();
        report.push_str(&field(
            "delta",
            format!(
                "{}  ({n} new entr{})",
                path.display(),
                if n == 1 { "y" } else { "ies" }
            ),
        ));
    }
    out(&report)?;
    Ok(Exit::Ok)
}
