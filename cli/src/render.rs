//! `qrseal render`: token text to a QR symbol in a file or the terminal.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;

use qrseal_core::Token;
use qrseal_core::render::{QrSymbol, RenderOptions};
use qrseal_core::text::QR_PREFIX;
use qrseal_core::wire::MAX_TOKEN_LEN;
use qrseal_verifier::Code;

use crate::args::RenderArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{note, out, token_text, write_atomic};
use crate::misuse;
use crate::show::symbol_text;

pub(crate) fn run(args: &RenderArgs) -> Outcome {
    let text = token_text(&args.text)?;
    // Draw only qrseal tokens, in the QR form: a symbol of any other text would scan as
    // "not a qrseal code" at every gate.
    if !text.starts_with(QR_PREFIX) {
        let hint = misuse::hint(&text, false).map_or(String::new(), |h| format!(" ({h})"));
        return Err(Failure::usage(format!(
            "render takes the QR text form of a token, QS:..., as printed by `qrseal issue`{hint}"
        )));
    }
    let mut buf = [0u8; MAX_TOKEN_LEN];
    let (bytes, _) = qrseal_core::text::decode(&text, &mut buf).map_err(|e| {
        Failure::coded(
            Code::from(&e),
            format!("not a qrseal token: {e} ({})", e.code()),
        )
    })?;
    Token::parse(bytes).map_err(|e| {
        Failure::coded(
            Code::from(&e),
            format!("malformed token: {e} ({})", e.code()),
        )
    })?;
    let symbol = QrSymbol::new(&text, args.ecc)
        .map_err(|e| Failure::usage(format!("cannot render the text: {e}")))?;
    let opts = RenderOptions {
        module_size: args.module_size,
        quiet_zone: !args.no_quiet_zone,
    };
    if let Some(path) = &args.png {
        write_to(path, &symbol.to_png(opts)?)?;
    } else if let Some(path) = &args.svg {
        write_to(path, symbol.to_svg(opts)?.as_bytes())?;
    } else {
        // --terminal: one character cell per two modules; --module-size does not apply.
        out(&format!("{}\n", symbol.to_terminal(opts.quiet_zone)))?;
    }
    note(&symbol_text(&symbol));
    Ok(Exit::Ok)
}

/// Writes `contents` to `path` atomically, or to stdout when `path` is `-`.
fn write_to(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    if path != Path::new("-") {
        return write_atomic(path, contents);
    }
    let mut stdout = std::io::stdout().lock();
    if stdout.is_terminal() {
        return Err(Failure::usage(
            "refusing to write an image to the terminal; redirect stdout (> token.png) or give \
             a file name",
        ));
    }
    stdout
        .write_all(contents)
        .map_err(|e| Failure::usage(format!("cannot write to stdout: {e}")))
}
