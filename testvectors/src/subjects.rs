//! `subjects.json`: subject hashing, expiry spread and refresh times, for issuers written in
//! other languages and for apps that schedule refreshes.

use qrseal_core::{Claims, Colour, SubjectId, Timestamp};
use qrseal_issuer::{Issuer, MAX_ID_NUMBER_LEN, Status, TtlPolicy};

use crate::json::Json;
use crate::keys;
use crate::tokens::ISSUED;

/// ID numbers that hash, with what the normalised form is. All fictional.
const ACCEPTED: [(&str, &str, &str); 8] = [
    (
        "110101199003078888",
        "110101199003078888",
        "18-digit resident ID number",
    ),
    (
        "11010119900307888X",
        "11010119900307888X",
        "check character X",
    ),
    (
        "11010119900307888x",
        "11010119900307888X",
        "lower-case check character: same subject as X",
    ),
    (
        " \t11010119900307888X\r\n",
        "11010119900307888X",
        "surrounding white space is trimmed: same subject as X",
    ),
    (
        "\u{3000}110101199003078888\u{3000}",
        "110101199003078888",
        "ideographic spaces (U+3000, common in Chinese input) are white space and trimmed",
    ),
    (
        "\u{a0}E12345678\u{a0}",
        "E12345678",
        "no-break spaces (U+00A0) are white space and trimmed",
    ),
    ("E12345678", "E12345678", "passport-style number"),
    (
        "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9d0E1f2",
        "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0U1V2W3X4Y5Z6A7B8C9D0E1F2",
        "64 characters, the longest accepted",
    ),
];

/// ID numbers the issuer refuses, and why.
const REJECTED: [(&str, &str); 7] = [
    ("", "empty"),
    ("   ", "only white space"),
    ("110101-19900307-8888", "not only ASCII letters and digits"),
    (
        "１１０１０１１９９００３０７８８８８",
        "full-width digits are not ASCII",
    ),
    (
        "\u{feff}110101199003078888",
        "a leading byte order mark (U+FEFF) is not white space (JavaScript's trim() would \
         remove it; the issuer refuses the ID)",
    ),
    (
        "11010119900307888X\u{200b}",
        "a zero-width space (U+200B) is not white space",
    ),
    (
        "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9d0E1f2G",
        "65 characters, one more than the longest",
    ),
];

/// Builds `subjects.json`, checking the issuer's expiry against the documented formula.
pub(crate) fn file() -> Result<Json, String> {
    let ttl = TtlPolicy::default();
    let issuer = Issuer::new(keys::named("issuer")?.signing(), keys::subject_secret());
    let mut subjects = Vec::new();
    for (id, normalised, why) in ACCEPTED {
        let subject = issuer
            .subject(id)
            .map_err(|e| format!("subject {id:?}: {e}"))?;
        let again = issuer
            .subject(normalised)
            .map_err(|e| format!("subject {normalised:?}: {e}"))?;
        if subject != again {
            return Err(format!("{id:?} and {normalised:?} hash differently"));
        }
        let token = issuer
            .issue(&Status::new(subject, Colour::Green), ISSUED)
            .map_err(|e| format!("issue: {e}"))?;
        let claims = token.claims();
        let expiry_spread = spread(&subject, ttl.spread.as_secs() + 1);
        let expires = ISSUED.unix() + ttl.ttl.as_secs() - expiry_spread;
        if claims.expires_at.unix() != expires {
            return Err(format!(
                "{id:?}: the issuer's expiry {} is not issued_at + ttl - spread = {expires}",
                claims.expires_at.unix()
            ));
        }
        let life = expires - ISSUED.unix();
        let refresh_spread = spread(&subject, life / 4 + 1);
        let refresh = ISSUED.unix() + life / 2 + refresh_spread;
        if claims.refresh_at().unix() != refresh {
            return Err(format!(
                "{id:?}: refresh_at {} is not issued_at + life/2 + spread = {refresh}",
                claims.refresh_at().unix()
            ));
        }
        subjects.push(entry(
            id,
            normalised,
            why,
            &subject,
            claims,
            expiry_spread,
            refresh_spread,
        ));
    }
    let mut rejected = Vec::new();
    for (id, why) in REJECTED {
        if issuer.subject(id).is_ok() {
            return Err(format!("the issuer hashes {id:?}, which should be refused"));
        }
        rejected.push(Json::Object(vec![
            ("id_number", Json::str(id)),
            ("why", Json::str(why)),
        ]));
    }
    Ok(Json::Object(vec![
        (
            "description",
            Json::str(
                "Subject hashing and per-holder spread. subject = first 12 bytes of \
                 HMAC-SHA256(key = subject secret, message = \"qrseal/v1/subject\" || \
                 normalised ID number); normalising trims white space and upper-cases ASCII \
                 letters, and what remains must be 1 to 64 ASCII letters and digits. \
                 spread(subject, m) = (first 8 subject bytes as a little-endian u64) mod m. \
                 Tokens issued at issued_at under the TTL policy expire at issued_at + \
                 ttl_secs - spread(subject, spread_secs + 1); apps refresh at issued_at + \
                 life / 2 + spread(subject, life / 4 + 1), life = expires_at - issued_at, \
                 integer division. See docs/SPEC.md.",
            ),
        ),
        (
            "subject_secret_hex",
            Json::str(hex::encode(keys::SUBJECT_SECRET)),
        ),
        ("max_id_number_len", Json::Int(MAX_ID_NUMBER_LEN as u64)),
        (
            "ttl_policy",
            Json::Object(vec![
                ("ttl_secs", Json::Int(ttl.ttl.as_secs())),
                ("spread_secs", Json::Int(ttl.spread.as_secs())),
            ]),
        ),
        ("issued_at", Json::str(ISSUED.to_string())),
        ("issued_at_unix", Json::Int(ISSUED.unix())),
        ("subjects", Json::Array(subjects)),
        ("rejected_id_numbers", Json::Array(rejected)),
    ]))
}

/// The spread as the spec states it, computed here rather than with `SubjectId::spread`.
fn spread(subject: &SubjectId, modulus: u64) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&subject.0[..8]);
    let v = u64::from_le_bytes(b);
    if modulus == 0 { 0 } else { v % modulus }
}

fn entry(
    id: &str,
    normalised: &str,
    why: &str,
    subject: &SubjectId,
    claims: &Claims,
    expiry_spread: u64,
    refresh_spread: u64,
) -> Json {
    let mut first8 = [0u8; 8];
    first8.copy_from_slice(&subject.0[..8]);
    let t = |t: Timestamp| Json::str(t.to_string());
    Json::Object(vec![
        ("id_number", Json::str(id)),
        ("normalised", Json::str(normalised)),
        ("why", Json::str(why)),
        ("subject_hex", Json::str(subject.to_string())),
        // A string: JSON numbers above 2^53 lose precision in JavaScript hosts.
        (
            "first_8_bytes_le_u64",
            Json::str(u64::from_le_bytes(first8).to_string()),
        ),
        ("expiry_spread_secs", Json::Int(expiry_spread)),
        ("expires_at", t(claims.expires_at)),
        ("expires_at_unix", Json::Int(claims.expires_at.unix())),
        ("refresh_spread_secs", Json::Int(refresh_spread)),
        ("refresh_at", t(claims.refresh_at())),
        ("refresh_at_unix", Json::Int(claims.refresh_at().unix())),
    ])
}
