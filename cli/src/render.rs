//! `qrseal render`: token text to a QR symbol in a file or the terminal.

use qrseal_core::render::{QrSymbol, RenderOptions};

use crate::args::RenderArgs;
use crate::fail::{Exit, Failure, Outcome};
use crate::files::{note, out, token_text, write_atomic};
use crate::show::symbol_text;

pub(crate) fn run(args: &RenderArgs) -> Outcome {
    let text = token_text(&args.text)?;
    let symbol = QrSymbol::new(&text, args.ecc).map_err(|e| {
        let hint = if text.starts_with(qrseal_core::text::QR_PREFIX) {
            ""
        } else {
            " (render takes the QR text form, QS:..., as printed by `qrseal issue`)"
        };
        Failure::usage(format!("cannot render the text: {e}{hint}"))
    })?;
    let opts = RenderOptions {
        module_size: args.module_size,
        quiet_zone: !args.no_quiet_zone,
    };
    if let Some(path) = &args.png {
        write_atomic(path, &symbol.to_png(opts)?)?;
    } else if let Some(path) = &args.svg {
        write_atomic(path, symbol.to_svg(opts)?.as_bytes())?;
    } else {
        // --terminal: one character cell per two modules; --module-size does not apply.
        out(&format!("{}\n", symbol.to_terminal(opts.quiet_zone)))?;
    }
    note(&symbol_text(&symbol));
    Ok(Exit::Ok)
}
