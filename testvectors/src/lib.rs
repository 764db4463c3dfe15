//! The cross-host test vectors of qrseal: a deterministic generator of the JSON files in
//! `testvectors/`, which every verifier (the Rust crate, the WASM module, the C library, and
//! any reimplementation of docs/SPEC.md) must answer identically.
//!
//! Everything is fixed: the keys come from published seeds, the clock is an argument, and
//! Ed25519 signing is deterministic, so [`generate`] returns the same bytes on every machine.
//! `cargo run -p qrseal-testvectors` writes the files; `cargo test -p qrseal-testvectors`
//! fails if the committed files differ from what the generator produces, and runs every case
//! through `qrseal-verifier`.
//!
//! While generating, every case is checked against the library (verifier, policy, and an
//! independent byte-level encoder written from the spec), and every external Ed25519 vector
//! against the documented acceptance rule. A disagreement makes [`try_generate`] return an
//! error and [`generate`] panic: wrong data is never produced.
//!
//! ```no_run
//! for (name, contents) in qrseal_testvectors::generate() {
//!     println!("{name}: {} bytes", contents.len());
//! }
//! ```

#![forbid(unsafe_code)]
// The generator returns errors rather than unwrapping; tests may unwrap (clippy.toml).
#![warn(clippy::unwrap_used, clippy::expect_used)]

use core::fmt;

mod ed25519;
mod flat;
mod journal;
mod json;
mod keys;
mod raw;
mod subjects;
mod tokens;
mod trust;

/// The README template; `{{CASES}}`, `{{TRUST}}` and `{{ED25519}}` are replaced by generated
/// tables.
const README_TEMPLATE: &str = include_str!("README.template.md");

/// Why the vectors could not be generated: the library and the documented behaviour
/// disagree, or an input file is missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateError(String);

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GenerateError {}

/// Generates every file, as `(path relative to the testvectors/ folder, contents)`, in a
/// fixed order: `tokens.json`, `ed25519.json`, `subjects.json`, `trust.json`,
/// `README.md`, `c/vectors.txt`, `journal.json`.
///
/// # Panics
///
/// If [`try_generate`] fails, with its message: the library no longer behaves as the vectors
/// say it must, and the generator refuses to write vectors that would enshrine that.
pub fn generate() -> Vec<(String, String)> {
    match try_generate() {
        Ok(files) => files,
        Err(e) => panic!("cannot generate the test vectors: {e}"),
    }
}

/// Generates every file (see [`generate`]), or says why it cannot.
pub fn try_generate() -> Result<Vec<(String, String)>, GenerateError> {
    inner().map_err(GenerateError)
}

fn inner() -> Result<Vec<(String, String)>, String> {
    let builder = tokens::Builder::new()?;
    let cases = builder.cases()?;
    tokens::check(&cases)?;
    let vectors = ed25519::load()?;
    let ed = ed25519::file(&vectors)?;
    let subjects = subjects::file()?;
    let scenarios = trust::scenarios()?;
    let readme = README_TEMPLATE
        .replace("{{CASES}}", &case_table(&cases))
        .replace("{{TRUST}}", &trust::table(&scenarios))
        .replace("{{ED25519}}", &ed25519_summary(&vectors));
    let tokens_json = tokens::file(&builder, &cases);
    let trust_json = trust::file(&scenarios);
    let flat = flat::file(&tokens_json, &trust_json)?;
    let journal = journal::file()?;
    Ok(vec![
        ("tokens.json".into(), tokens_json.to_pretty()),
        ("ed25519.json".into(), ed.to_pretty()),
        ("subjects.json".into(), subjects.to_pretty()),
        ("trust.json".into(), trust_json.to_pretty()),
        ("README.md".into(), readme),
        // The C tests' copy of tokens.json and trust.json (flat.rs).
        ("c/vectors.txt".into(), flat),
        ("journal.json".into(), journal.to_pretty()),
    ])
}

fn case_table(cases: &[tokens::Case]) -> String {
    let mut out = String::from(
        "Unless the setup column says otherwise, a case is verified at 2026-11-21T08:00:00Z with \
         a 300 s skew, trusting only the `issuer` key.\n\n\
         | # | case | input | setup | expected | why |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (i, c) in cases.iter().enumerate() {
        let mut input = Vec::new();
        if c.qr_text.is_some() {
            input.push("qr");
        }
        if c.url_text.is_some() {
            input.push("url");
        }
        if c.token.is_some() {
            input.push("hex");
        }
        let mut setup = Vec::new();
        if c.now != tokens::NOW {
            setup.push(format!("now {}", c.now));
        }
        if c.skew != tokens::SKEW {
            setup.push(format!("skew {} s", c.skew));
        }
        if c.trusted != ["issuer"] {
            setup.push(format!("keys {}", c.trusted.join(", ")));
        }
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            i + 1,
            c.name,
            input.join(", "),
            setup.join("; "),
            tokens::expected_summary(c),
            c.description.replace('|', "\\|")
        ));
    }
    let valid = cases
        .iter()
        .filter(|c| matches!(c.expected, tokens::Expected::Valid { .. }))
        .count();
    out.push_str(&format!(
        "\n{} cases: {valid} valid (of which {} with a policy), {} rejected.\n",
        cases.len(),
        cases.iter().filter(|c| c.policy.is_some()).count(),
        cases.len() - valid
    ));
    out
}

fn ed25519_summary(vectors: &[ed25519::Vector]) -> String {
    let total = vectors.len();
    let ours = vectors.iter().filter(|v| v.accepted_by_rule()).count();
    let strict = vectors
        .iter()
        .filter(|v| v.accepted_by_verify_strict())
        .count();
    let residue = vectors
        .iter()
        .filter(|v| v.accepted_by_rule() && !v.accepted_by_verify_strict())
        .count();
    format!(
        "| | vectors |\n| --- | --- |\n| total | {total} |\n| accepted by qrseal | {ours} |\n\
         | accepted by ed25519-dalek `verify_strict` | {strict} |\n\
         | accepted by qrseal only (flag `low_order_residue`: the cofactorless equation \
         fails, the cofactored one holds) | {residue} |\n\
         | accepted by `verify_strict` only | {} |\n",
        vectors
            .iter()
            .filter(|v| !v.accepted_by_rule() && v.accepted_by_verify_strict())
            .count()
    )
}
