//! The error table: the Rust definition (`Code::ALL`), the table in docs/SPEC.md §7.5 and the
//! codes of core's errors must agree.

use qrseal_core::lists::ListError;
use qrseal_core::{Colour, Field};
use qrseal_verifier::{Category, Code, Denial, Error, Language};

const SPEC: &str = include_str!("../../docs/SPEC.md");

/// The rows of SPEC §7.5: number, code, category, English, Chinese.
fn spec_rows() -> Vec<[String; 5]> {
    let start = SPEC
        .find("### 7.5 The error table")
        .expect("SPEC has a section 7.5 The error table");
    let section = &SPEC[start..];
    let end = section[4..].find("\n#").map_or(section.len(), |i| i + 4);
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect();
            cells
                .try_into()
                .unwrap_or_else(|c| panic!("row of 5 cells: {c:?}"))
        })
        .collect()
}

#[test]
fn spec_table_equals_code_all() {
    let spec = spec_rows();
    let rust: Vec<[String; 5]> = Code::ALL
        .iter()
        .map(|c| {
            [
                c.number().to_string(),
                c.as_str().to_owned(),
                c.category().as_str().to_owned(),
                c.message(Language::English).to_owned(),
                c.message(Language::Chinese).to_owned(),
            ]
        })
        .collect();
    for (i, (s, r)) in spec.iter().zip(&rust).enumerate() {
        assert_eq!(s, r, "row {i} of SPEC §7.5 differs from Code::ALL");
    }
    assert_eq!(
        spec.len(),
        rust.len(),
        "SPEC §7.5 and Code::ALL differ in length"
    );
}

/// Every stable string core's errors report (read from their `code()` functions, so a variant
/// added there without a row here fails) has a row, and maps to it.
#[test]
fn every_core_code_has_a_row() {
    let sources = [
        include_str!("../../core/src/error.rs"),
        include_str!("../../core/src/lists.rs"),
    ];
    let mut found = 0;
    for source in sources {
        for line in source.lines() {
            let line = line.trim();
            if !(line.starts_with("Error::") || line.starts_with("ListError::")) {
                continue;
            }
            let Some((_, rhs)) = line.split_once("=> \"") else {
                continue;
            };
            let code = rhs.split('"').next().unwrap_or_default();
            assert!(
                Code::from_str_code(code).is_some(),
                "core code `{code}` has no row in the error table (verifier/src/code.rs)"
            );
            found += 1;
        }
    }
    assert!(
        found >= 20,
        "found only {found} core codes: did the source layout change?"
    );
}

#[test]
fn errors_name_their_rows() {
    let truncated = qrseal_core::Error::Truncated {
        field: Field::Subject,
        offset: 3,
    };
    assert_eq!(Error::from(truncated).code(), Code::Truncated);
    assert_eq!(Code::from(&truncated), Code::Truncated);
    assert_eq!(Error::from(truncated).code(), "truncated");
    assert_eq!(Error::from(truncated).code().category(), Category::Invalid);
    let version = Error::from(qrseal_core::Error::UnsupportedVersion(2));
    assert_eq!(version.code(), Code::UnsupportedVersion);
    let list = Error::from(ListError::UnsupportedVersion(9));
    assert_eq!(list.code(), Code::ListUnsupportedVersion);
    assert_eq!(list.code().category(), Category::Unusable);
    let second = std::time::Duration::from_secs(1);
    assert_eq!(Error::Expired { by: second }.code().number(), 202);
    assert_eq!(
        Error::ClockBehind { by: second }.code().category(),
        Category::Unusable
    );
    assert_eq!(Denial::Colour(Colour::Red).code(), Code::Colour);
    assert_eq!(Denial::NoTest.code().category(), Category::Denied);
    assert_eq!(Code::Revoked.message(Language::Chinese), "二维码已被撤销。");
    assert_eq!(Code::from_number(999), Some(Code::Internal));
    assert_eq!(Code::from_str_code("no_such_code"), None);
}
