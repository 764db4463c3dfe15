//! The error table: the Rust definition (`Code::ALL`), the table in docs/SPEC.md §7.5 and the
//! codes of core's errors must agree.

use qrseal_core::lists::ListError;
use qrseal_core::{Colour, Field};
use qrseal_verifier::{Category, Code, Denial, Error, Language};

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/SPEC.md")).unwrap()
}

/// The rows of SPEC §7.5: number, code, category, English, Chinese.
fn spec_rows() -> Vec<[String; 5]> {
    let spec = spec();
    let start = spec
        .find("### 7.5 The error table")
        .expect("SPEC has a section 7.5 The error table");
    let section = &spec[start..];
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

/// The rows of `Code::ALL`, as SPEC §7.5 lists them.
fn rust_rows() -> Vec<[String; 5]> {
    Code::ALL
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
        .collect()
}

/// With `QRSEAL_WRITE_SPEC_TABLE=1`, rewrites the rows of SPEC §7.5 from `Code::ALL`, so that
/// adding a code is its line in verifier/src/code.rs and this command:
/// `QRSEAL_WRITE_SPEC_TABLE=1 cargo test -p qrseal-verifier --test error_table`.
fn write_spec_table_if_asked() {
    if std::env::var_os("QRSEAL_WRITE_SPEC_TABLE").is_none() {
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/SPEC.md");
    let spec = std::fs::read_to_string(path).unwrap();
    let start = spec.find("### 7.5 The error table").unwrap();
    // The section ends at the next heading.
    let end = spec[start + 4..]
        .find("\n#")
        .map_or(spec.len(), |i| start + 4 + i + 1);
    let section = &spec[start..end];
    let is_row =
        |l: &str| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit);
    let mut table = String::new();
    let mut written = false;
    for line in section.split_inclusive('\n') {
        if !is_row(line) {
            table.push_str(line);
        } else if !written {
            for r in rust_rows() {
                table.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} |\n",
                    r[0], r[1], r[2], r[3], r[4]
                ));
            }
            written = true;
        }
    }
    let out = format!("{}{table}{}", &spec[..start], &spec[end..]);
    std::fs::write(path, out).unwrap();
}

#[test]
fn spec_table_equals_code_all() {
    write_spec_table_if_asked();
    let spec = spec_rows();
    let rust = rust_rows();
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
