//! Exit codes and the one-line error messages printed on stderr.

use std::fmt::Display;
use std::io::Write as _;
use std::process::ExitCode;

use qrseal_verifier::{Category, Code};

/// How a command that ran to completion ends. For `verify` the status derives from the error
/// table's category ([`Exit::of`]), so every host reads the same outcome the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Success; for `verify`, the token is valid and admitted.
    Ok = 0,
    /// The token is rejected: not a valid token (category `invalid`).
    Rejected = 1,
    /// Nothing is known about the token: the trust data, the scanner's state or the input
    /// cannot be used (category `unusable` or `internal`); also usage errors.
    Unusable = 2,
    /// The token is valid but the policy denies it (category `denied`).
    Denied = 3,
    /// `verify`: the token is valid and admitted, but the checkpoint could not be saved (a
    /// warning on stderr says why); the verdict stands, the scanner needs attention.
    AdmittedUnsaved = 4,
}

impl Exit {
    /// The process exit status.
    pub(crate) fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }

    /// The exit status of an outcome of the error table's `category`.
    pub(crate) fn of(category: Category) -> Exit {
        match category {
            Category::Invalid => Exit::Rejected,
            Category::Denied => Exit::Denied,
            // Unusable, Internal, and any category added later: nothing is known.
            _ => Exit::Unusable,
        }
    }
}

/// A command that could not run to completion: printed as `qrseal: error: <message>`, or
/// by `verify --json` as a JSON verdict.
#[derive(Debug)]
pub(crate) struct Failure {
    status: u8,
    message: String,
    code: Option<Code>,
}

/// Usage errors and files or keys that cannot be read or written.
const USAGE: u8 = Exit::Unusable as u8;

impl Failure {
    /// Exit status 2: a usage error, or an unreadable or unwritable file or key.
    pub(crate) fn usage(message: impl Display) -> Failure {
        Failure {
            status: USAGE,
            message: message.to_string(),
            code: None,
        }
    }

    /// Exit status 1: the input is not a valid token.
    pub(crate) fn rejected(message: impl Display) -> Failure {
        Failure {
            status: Exit::Rejected as u8,
            message: message.to_string(),
            code: None,
        }
    }

    /// A refusal named by a row of the error table: the exit status derives from its
    /// category.
    pub(crate) fn coded(code: Code, message: impl Display) -> Failure {
        Failure {
            status: Exit::of(code.category()) as u8,
            message: message.to_string(),
            code: Some(code),
        }
    }

    /// The message printed after `qrseal: error: `.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The failure as `verify --json` prints it: `result` is `error`; `code`, `number` and
    /// `category` come from the error table when the failure has a row (a refused list,
    /// say), else are null (a usage error, an unreadable file).
    pub(crate) fn json(&self) -> serde_json::Value {
        let code = self.code;
        serde_json::json!({
            "result": "error",
            "code": code.map(Code::as_str),
            "number": code.map(Code::number),
            "category": code.map(|c| c.category().as_str()),
            "message": self.message,
            "claims": null,
            "denials": [],
            "denial_codes": [],
            "stale": null,
            "revocations": null,
            "hint": null,
        })
    }

    /// Exit status 2 with nothing printed: stdout was closed (`qrseal demo | head`), as
    /// tools killed by SIGPIPE end silently.
    pub(crate) fn quiet() -> Failure {
        Failure {
            status: USAGE,
            message: String::new(),
            code: None,
        }
    }

    /// Prints the message on stderr (one line) and returns the exit status.
    pub(crate) fn report(&self) -> ExitCode {
        if self.message.is_empty() {
            return ExitCode::from(self.status);
        }
        // Messages can quote library errors or paths; keep them on one line.
        let line = self.message.replace(['\n', '\r'], " ");
        let _ = writeln!(std::io::stderr(), "qrseal: error: {line}");
        ExitCode::from(self.status)
    }
}

impl From<qrseal_issuer::Error> for Failure {
    fn from(e: qrseal_issuer::Error) -> Self {
        Failure::usage(e)
    }
}

impl From<qrseal_core::Error> for Failure {
    fn from(e: qrseal_core::Error) -> Self {
        Failure::usage(e)
    }
}

/// The result of a command.
pub(crate) type Outcome = Result<Exit, Failure>;

/// Reports a command-line parsing error on one line (exit 2), or prints help or the version
/// (exit 0).
pub(crate) fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::CommandFactory as _;
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(USAGE)
        }
        _ => {
            // The top level takes no options but --help and --version, so a subcommand is
            // always the first argument.
            let first = std::env::args_os().nth(1);
            let command = crate::args::Cli::command();
            let sub = command
                .get_subcommands()
                .map(clap::Command::get_name)
                .find(|name| first.as_deref() == Some(std::ffi::OsStr::new(name)));
            let failure = Failure::usage(one_line(&e.render().to_string(), sub));
            // `verify --json` answers on stdout even when its command line is wrong.
            if sub == Some("verify") && std::env::args_os().any(|a| a == "--json") {
                let _ = crate::files::out(&crate::show::json_line(&failure.json()));
                let _ = crate::files::flush_stdout();
            }
            failure.report()
        }
    }
}

/// Folds clap's multi-line error (message, indented details, tips, usage) into one line.
fn one_line(rendered: &str, subcommand: Option<&str>) -> String {
    let mut message = String::new();
    for line in rendered.lines() {
        let t = line.trim();
        if t.starts_with("Usage:") {
            break;
        }
        if t.is_empty() || t.starts_with("For more information") {
            continue;
        }
        let t = t.strip_prefix("error: ").unwrap_or(t);
        if !message.is_empty() {
            message.push_str(if message.ends_with(':') { " " } else { "; " });
        }
        message.push_str(t);
    }
    if message.is_empty() {
        message.push_str("invalid command line");
    }
    match subcommand {
        Some(sub) => format!("{message} (see 'qrseal {sub} --help')"),
        None => format!("{message} (see 'qrseal --help')"),
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn folds_clap_errors() {
        let rendered = "error: the following required arguments were not provided:\n  \
                        --keys <DIR>\n\nUsage: qrseal issue --keys <DIR> --id <ID>\n\n\
                        For more information, try '--help'.\n";
        assert_eq!(
            one_line(rendered, Some("issue")),
            "the following required arguments were not provided: --keys <DIR> \
             (see 'qrseal issue --help')"
        );
        let rendered = "error: unexpected argument '--jsn' found\n\n  tip: a similar argument \
                        exists: '--json'\n\nUsage: qrseal [OPTIONS] <COMMAND>\n";
        assert_eq!(
            one_line(rendered, None),
            "unexpected argument '--jsn' found; tip: a similar argument exists: '--json' \
             (see 'qrseal --help')"
        );
    }
}
