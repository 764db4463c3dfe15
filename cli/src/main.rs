//! `qrseal`: make issuer keys, issue health-status tokens, render them as QR codes, inspect
//! and verify them offline; make a root key, publish trust lists and revocation lists, and
//! rotate issuer keys. All token logic lives in the `qrseal-core`, `qrseal-issuer` and
//! `qrseal-verifier` crates; this binary parses arguments, reads and writes files, prints,
//! and maps outcomes to exit codes:
//!
//! - 0: success (for `verify`: authentic, in date, and admitted by the policy);
//! - 1: the token is rejected (not a valid token: empty, damaged, forged, expired, unknown
//!   key, or no QR code in the image);
//! - 2: usage error, or a file or key that cannot be read or written;
//! - 3: (`verify`) the token is valid but the policy denies it.
#![forbid(unsafe_code)]
// Every failure is reported as an error and an exit code; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

mod args;
mod batch;
mod collect;
mod demo;
mod fail;
mod files;
mod ids;
mod inspect;
mod issue;
mod keygen;
mod misuse;
mod render;
mod revoke;
mod show;
mod trust;
mod upload;
mod verify;

use args::{Cli, Command};

fn main() -> ExitCode {
    // A panic is a bug; report it on one line rather than with the default multi-line
    // message (and, with RUST_BACKTRACE set, a backtrace).
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "qrseal: error: internal error{place}: {}",
            message.replace('\n', " ")
        );
    }));

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return fail::clap_error(&e),
    };
    let outcome = match cli.command {
        Command::Keygen(a) => keygen::run(&a),
        Command::Issue(a) => issue::run(&a),
        Command::IssueBatch(a) => batch::run(&a),
        Command::Render(a) => render::run(&a),
        Command::Inspect(a) => inspect::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::RootKeygen(a) => trust::root_keygen(&a),
        Command::TrustList(a) => trust::trust_list(&a),
        Command::Rotate(a) => trust::rotate(&a),
        Command::Revoke(a) => revoke::revoke(&a),
        Command::PublishRevocations(a) => revoke::publish(&a),
        Command::InspectList(a) => trust::inspect_list(&a),
        Command::Collect(a) => collect::run(&a),
        Command::Upload(a) => upload::run(&a),
    };
    let outcome = outcome.and_then(|exit| files::flush_stdout().map(|()| exit));
    match outcome {
        Ok(exit) => exit.code(),
        Err(failure) => failure.report(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn clap_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
