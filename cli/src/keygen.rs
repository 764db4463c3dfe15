//! `qrseal keygen`: a fresh issuer key set on disk.

use qrseal_issuer::keyfile::{self, ISSUER_KEY_FILE, ISSUER_PUB_FILE, SUBJECT_KEY_FILE};
use qrseal_issuer::{IssuerKey, SubjectSecret};

use crate::args::KeygenArgs;
use crate::fail::{Exit, Outcome};
use crate::files::out;
use crate::show::field;

pub(crate) fn run(args: &KeygenArgs) -> Outcome {
    let key = IssuerKey::generate()?;
    let subject = SubjectSecret::generate()?;
    // Refuses, writing nothing, if any of the three files exists.
    keyfile::save_new(&args.dir, &key, &subject)?;
    let path = |name: &str| args.dir.join(name).display().to_string();
    out(&[
        format!("Created a new issuer key set, key id {}:\n", key.key_id()),
        field(
            "issuer.key",
            format!("{}  (secret, mode 0600)", path(ISSUER_KEY_FILE)),
        ),
        field(
            "subject.key",
            format!("{}  (secret, mode 0600)", path(SUBJECT_KEY_FILE)),
        ),
        field(
            "issuer.pub",
            format!(
                "{}  (public: give this to verifiers)",
                path(ISSUER_PUB_FILE)
            ),
        ),
    ]
    .concat())?;
    Ok(Exit::Ok)
}
