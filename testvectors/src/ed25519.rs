//! `ed25519.json`: qrseal's Ed25519 rule applied to the C2SP/CCTV edge-case vectors.

use std::path::PathBuf;

use qrseal_verifier::TrustedKey;
use qrseal_verifier::signature;

use crate::json::Json;

/// The copy of the external vectors, relative to the crate.
pub(crate) const EXTERNAL: &str = "external/ed25519-validation-vectors.json";

/// Flags any one of which makes qrseal reject a vector.
pub(crate) const REJECTING_FLAGS: [&str; 4] = [
    "low_order_A",
    "low_order_R",
    "non_canonical_A",
    "non_canonical_R",
];

/// Flags `verify_strict` tolerates; any other flag makes it reject.
pub(crate) const VERIFY_STRICT_TOLERATED: [&str; 2] =
    ["low_order_component_A", "low_order_component_R"];

/// One external vector.
pub(crate) struct Vector {
    pub(crate) number: u64,
    pub(crate) key: [u8; 32],
    pub(crate) sig: [u8; 64],
    pub(crate) msg: String,
    pub(crate) flags: Vec<String>,
}

impl Vector {
    /// qrseal's verdict, from the flags alone.
    pub(crate) fn accepted_by_rule(&self) -> bool {
        !self
            .flags
            .iter()
            .any(|f| REJECTING_FLAGS.contains(&f.as_str()))
    }

    /// ed25519-dalek `verify_strict`'s verdict, from the flags alone.
    pub(crate) fn accepted_by_verify_strict(&self) -> bool {
        self.flags
            .iter()
            .all(|f| VERIFY_STRICT_TOLERATED.contains(&f.as_str()))
    }

    /// What `qrseal_verifier::signature::verify` says; a key that fails to load is a
    /// rejection.
    pub(crate) fn accepted_by_library(&self) -> bool {
        TrustedKey::from_bytes(&self.key)
            .is_ok_and(|k| signature::verify(&k, self.msg.as_bytes(), &self.sig))
    }
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(EXTERNAL)
}

fn hex_array<const N: usize>(v: &serde_json::Value, what: &str) -> Result<[u8; N], String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{what} is not a string"))?;
    let bytes = hex::decode(s).map_err(|e| format!("{what}: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{what} is not {N} bytes"))
}

/// Reads the external vectors.
pub(crate) fn load() -> Result<Vec<Vector>, String> {
    let path = path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let items = value
        .as_array()
        .ok_or_else(|| format!("{} is not a JSON array", path.display()))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let number = item["number"].as_u64().ok_or("a vector has no number")?;
        let what = |f: &str| format!("vector {number}: {f}");
        out.push(Vector {
            number,
            key: hex_array(&item["key"], &what("key"))?,
            sig: hex_array(&item["sig"], &what("sig"))?,
            msg: item["msg"]
                .as_str()
                .ok_or_else(|| what("msg is not a string"))?
                .to_owned(),
            flags: item["flags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Builds `ed25519.json`, failing if the library disagrees with the rule on any vector.
pub(crate) fn file(vectors: &[Vector]) -> Result<Json, String> {
    let mut disagreements = Vec::new();
    for v in vectors {
        if v.accepted_by_library() != v.accepted_by_rule() {
            disagreements.push(format!(
                "vector {} (flags {:?}): rule says {}, qrseal_verifier::signature::verify says {}",
                v.number,
                v.flags,
                v.accepted_by_rule(),
                v.accepted_by_library()
            ));
        }
    }
    if !disagreements.is_empty() {
        return Err(format!(
            "qrseal_verifier::signature::verify disagrees with the documented rule:\n{}",
            disagreements.join("\n")
        ));
    }
    let accepted = vectors.iter().filter(|v| v.accepted_by_rule()).count();
    let strict = vectors
        .iter()
        .filter(|v| v.accepted_by_verify_strict())
        .count();
    let only_ours = vectors
        .iter()
        .filter(|v| v.accepted_by_rule() && !v.accepted_by_verify_strict())
        .count();
    let only_strict = vectors
        .iter()
        .filter(|v| !v.accepted_by_rule() && v.accepted_by_verify_strict())
        .count();
    let entries = vectors
        .iter()
        .map(|v| {
            let rejected_by: Vec<Json> = v
                .flags
                .iter()
                .filter(|f| REJECTING_FLAGS.contains(&f.as_str()))
                .map(|f| Json::str(f.clone()))
                .collect();
            Json::Object(vec![
                ("number", Json::Int(v.number)),
                ("accepted", Json::Bool(v.accepted_by_rule())),
                (
                    "verify_strict_accepts",
                    Json::Bool(v.accepted_by_verify_strict()),
                ),
                ("rejected_by", Json::Array(rejected_by)),
                (
                    "flags",
                    Json::Array(v.flags.iter().map(|f| Json::str(f.clone())).collect()),
                ),
            ])
            .compact()
        })
        .collect();
    let count = |n: usize| Json::Int(n as u64);
    Ok(Json::Object(vec![
        (
            "description",
            Json::str(
                "qrseal's Ed25519 acceptance rule applied to the C2SP/CCTV edge-case vectors. \
                 For each vector `number` of the source file, `accepted` is whether a qrseal \
                 verifier must accept the signature `sig` by public key `key` on the ASCII \
                 message `msg` (plain Ed25519, no qrseal domain); a key that a verifier \
                 refuses to load counts as a rejection. `verify_strict_accepts` is what \
                 ed25519-dalek's verify_strict does, for comparison only. docs/SPEC.md \
                 section 'Signature' states the rule.",
            ),
        ),
        ("source", Json::str(EXTERNAL)),
        (
            "rule",
            Json::str(
                "accept iff the vector has none of the flags low_order_A, low_order_R, \
                 non_canonical_A, non_canonical_R",
            ),
        ),
        (
            "verify_strict_rule",
            Json::str("accept iff every flag is low_order_component_A or low_order_component_R"),
        ),
        (
            "counts",
            Json::Object(vec![
                ("total", count(vectors.len())),
                ("accepted", count(accepted)),
                ("verify_strict_accepts", count(strict)),
                ("accepted_only_by_qrseal", count(only_ours)),
                ("accepted_only_by_verify_strict", count(only_strict)),
            ]),
        ),
        ("vectors", Json::Array(entries)),
    ]))
}
