//! ID numbers from a file or standard input, one per line, so that they never appear on a
//! command line, where every local user can read them in the process list.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::fail::Failure;

/// The longest line accepted: far above any ID number (64 characters at most) with white
/// space around it, so that a wrong file is refused before it fills memory.
const MAX_LINE: u64 = 1024;

/// The most ID numbers read in one run.
pub(crate) const MAX_IDS: usize = 1_000_000;

/// The ID numbers in `path` (`-` for standard input), one per line; empty lines are skipped,
/// surrounding white space is left to the subject hashing (which trims it). At most `max`
/// IDs. `flag` names the option in messages.
pub(crate) fn read_ids(path: &Path, max: usize, flag: &str) -> Result<Vec<String>, Failure> {
    let source = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let cannot = |e: io::Error| Failure::usage(format!("{flag}: cannot read {source}: {e}"));
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        let file = fs::File::open(path).map_err(cannot)?;
        if file.metadata().map_err(cannot)?.is_dir() {
            return Err(Failure::usage(format!("{flag}: {source} is a directory")));
        }
        Box::new(file)
    };
    let mut reader = BufReader::new(input);
    let mut ids = Vec::new();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(cannot)?;
        if n == 0 {
            break;
        }
        if line.len() as u64 > MAX_LINE {
            return Err(Failure::usage(format!(
                "{flag}: {source} line {number} is longer than {MAX_LINE} bytes; expected one \
                 ID number per line"
            )));
        }
        let text = std::str::from_utf8(&line).map_err(|_| {
            Failure::usage(format!("{flag}: {source} line {number} is not UTF-8 text"))
        })?;
        if text.trim().is_empty() {
            continue;
        }
        if ids.len() == max {
            return Err(Failure::usage(format!(
                "{flag}: {source} holds more than {max} ID number{}",
                if max == 1 { "" } else { "s" }
            )));
        }
        ids.push(text.to_owned());
    }
    if ids.is_empty() {
        return Err(Failure::usage(format!("{flag}: no ID number in {source}")));
    }
    Ok(ids)
}
