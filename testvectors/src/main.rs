//! Writes the generated test vectors into the `testvectors/` folder.
//!
//! `cargo run -p qrseal-testvectors` regenerates every file. Each file is written to a
//! temporary name and renamed into place, so a failed run never leaves a half-written file;
//! and nothing is written at all unless every file was generated (the generator refuses to
//! produce vectors the library disagrees with).

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(contents.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn main() -> ExitCode {
    let files = match qrseal_testvectors::try_generate() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: cannot generate the test vectors; nothing was written.\n{e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, contents) in &files {
        let path = dir.join(name);
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == *contents);
        if let Err(e) = write_atomically(&path, contents) {
            eprintln!("error: writing {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!(
            "{} {} ({} bytes)",
            if unchanged { "unchanged" } else { "wrote    " },
            path.display(),
            contents.len()
        );
    }
    ExitCode::SUCCESS
}
