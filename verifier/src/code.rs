//! The one table of rejection kinds every host derives its codes from.
//!
//! Each [`Code`] has a stable lower-case string ([`Code::as_str`], the name the test vectors
//! use), a stable number ([`Code::number`], what C and WASM hosts switch on), a
//! [`Category`] (what a checkpoint does about it) and a one-line message in each
//! [`Language`]. Rust callers get the typed details (which field, by how long, which key)
//! from [`crate::Error`] and [`crate::Denial`]; [`crate::Error::code`] and
//! [`crate::Denial::code`] name their row here. docs/SPEC.md §7.5 lists the same table, and a
//! test checks that the two agree.
//!
//! **Adding a code** is one line in the `table!` invocation below (the enum variant, its
//! number, string, category and both messages); then
//! `QRSEAL_WRITE_SPEC_TABLE=1 cargo test -p qrseal-verifier --test error_table` rewrites the
//! SPEC rows from it. Numbers are never reused:
//! a retired code keeps its number out of circulation. Ranges: 100-199 token format,
//! 200-299 token verification, 300-399 trust data, 400-499 policy denials, 500-599 unusable
//! input, 600-699 the collection journal, 900-999 internal.

use core::fmt;

/// What a checkpoint does about a rejection: the coarse meaning every host shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// The token is invalid (malformed, forged, expired, revoked...): turn the holder away.
    Invalid,
    /// The token is valid, but the checkpoint's policy denies entry.
    Denied,
    /// The trust data, the scanner's state or the input cannot be used (a refused list, a
    /// clock set back, an unreadable image): nothing is known about the token; fix the
    /// scanner or scan again.
    Unusable,
    /// A bug: the library reached a state it should not.
    Internal,
}

impl Category {
    /// A stable lower-case name: `invalid`, `denied`, `unusable`, `internal`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Invalid => "invalid",
            Category::Denied => "denied",
            Category::Unusable => "unusable",
            Category::Internal => "internal",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The language of [`Code::message`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// English.
    #[default]
    English,
    /// Simplified Chinese, as checkpoint staff read it.
    Chinese,
}

macro_rules! table {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $number:literal, $str:literal, $category:ident, $en:literal, $zh:literal;
    )*) => {
        /// A kind of rejection or denial: one row of the one error table every host derives
        /// its codes from.
        ///
        /// Each code has a stable lower-case string ([`Code::as_str`], the name the test
        /// vectors and JSON output use), a stable number ([`Code::number`], what C and WASM
        /// hosts switch on), a [`Category`] (what a checkpoint does about it) and a one-line
        /// message in each [`Language`]. The typed details (which field, by how long, which
        /// key) stay in [`crate::Error`] and [`crate::Denial`], whose `code()` names the row.
        /// docs/SPEC.md §7.5 lists the same table; a test checks that the two agree.
        ///
        /// Numbers are never reused. Ranges: 100-199 token format, 200-299 token
        /// verification, 300-399 trust data and scanner state, 400-499 policy denials,
        /// 500-599 unusable input, 600-699 the collection journal, 900-999 internal. Adding
        /// a code is one line in verifier/src/code.rs (`table!`); then
        /// `QRSEAL_WRITE_SPEC_TABLE=1 cargo test -p qrseal-verifier --test error_table`
        /// rewrites the SPEC rows from it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[repr(u16)]
        pub enum Code {
            $($(#[$doc])* $variant = $number,)*
        }

        impl Code {
            /// Every code, in table order (ascending numbers).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable lower-case string, as in the test vectors and JSON output.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $str,)* }
            }

            /// The stable number, as C and WASM hosts see it.
            pub const fn number(self) -> u16 {
                self as u16
            }

            /// What a checkpoint does about it.
            pub const fn category(self) -> Category {
                match self { $(Code::$variant => Category::$category,)* }
            }

            /// A one-line message for people, without details (those are in the
            /// [`crate::Error`] or [`crate::Denial`]'s `Display`).
            pub const fn message(self, language: Language) -> &'static str {
                match language {
                    Language::English => match self { $(Code::$variant => $en,)* },
                    Language::Chinese => match self { $(Code::$variant => $zh,)* },
                }
            }
        }
    };
}

table! {
    // 100-199: the token's text or bytes are not a well-formed v1 token (SPEC §7.1, §7.2).
    /// The token text is empty.
    EmptyText = 100, "empty_text", Invalid,
        "The code is empty.", "二维码内容为空。";
    /// The token text is longer than any token can be.
    TextTooLong = 101, "text_too_long", Invalid,
        "The code is too long to be a health code.", "二维码内容过长，不是健康码。";
    /// A character is not allowed in the text form.
    InvalidCharacter = 102, "invalid_character", Invalid,
        "The code contains characters a health code never has.", "二维码含有健康码不会出现的字符。";
    /// The text is not a valid encoding.
    InvalidEncoding = 103, "invalid_encoding", Invalid,
        "The code is not validly encoded.", "二维码编码无效。";
    /// The token ends before a field is complete.
    Truncated = 104, "truncated", Invalid,
        "The code is incomplete.", "二维码内容不完整。";
    /// The token's format version is not supported.
    UnsupportedVersion = 105, "unsupported_version", Invalid,
        "The code is of a format version this scanner does not read.", "此扫码设备不支持该二维码的格式版本。";
    /// An enumerated field holds an undefined value.
    UnknownEnumValue = 106, "unknown_enum_value", Invalid,
        "The code holds an undefined value.", "二维码含有未定义的值。";
    /// A numeric field is out of range.
    OutOfRange = 107, "out_of_range", Invalid,
        "The code holds a value out of range.", "二维码中的数值超出范围。";
    /// A variable-length field is too long.
    FieldTooLong = 108, "field_too_long", Invalid,
        "A field of the code is too long.", "二维码中的某一字段过长。";
    /// A text field is not printable UTF-8.
    InvalidText = 109, "invalid_text", Invalid,
        "The code holds unprintable text.", "二维码含有无法显示的文字。";
    /// Bytes follow the signature.
    TrailingBytes = 110, "trailing_bytes", Invalid,
        "The code has extra data after its signature.", "二维码签名之后有多余数据。";
    /// The bytes are not the canonical encoding.
    NonCanonical = 111, "non_canonical", Invalid,
        "The code is not canonically encoded.", "二维码编码不规范。";
    /// The display hint is not in the NFC-stable repertoire (SPEC §3).
    NotNfc = 112, "not_nfc", Invalid,
        "The code's display text is not in normalised form.", "二维码的显示文字不是规范化形式。";
    /// The display hint holds more decimal digits than a masked hint may.
    TooManyDigits = 113, "too_many_digits", Invalid,
        "The code's display text holds too many digits: it may carry an ID number.", "二维码的显示文字数字过多，可能含有证件号码。";

    // 200-299: a well-formed token that does not verify (SPEC §7.3, §17.7).
    /// No trusted key has the token's key id.
    UnknownKey = 200, "unknown_key", Invalid,
        "The code is signed by an unknown issuer.", "二维码由未知的签发机构签发。";
    /// The signature does not verify.
    BadSignature = 201, "bad_signature", Invalid,
        "The code's signature is not valid: it is forged or damaged.", "二维码签名无效：伪造或已损坏。";
    /// The token has expired.
    Expired = 202, "expired", Invalid,
        "The code has expired.", "二维码已过期。";
    /// The token's issue time is in the future.
    NotYetValid = 203, "not_yet_valid", Invalid,
        "The code is not valid yet.", "二维码尚未生效。";
    /// The token's key is marked compromised.
    KeyCompromised = 204, "key_compromised", Invalid,
        "The code is signed by a compromised issuer key.", "二维码的签发密钥已泄露，不予认可。";
    /// The token's key is not accepted at this time.
    KeyNotAccepted = 205, "key_not_accepted", Invalid,
        "The code's issuer key is not accepted at this time.", "二维码的签发密钥当前不被认可。";
    /// The token was issued outside its key's signing window.
    OutsideSigningWindow = 206, "outside_signing_window", Invalid,
        "The code was issued outside its key's signing period.", "二维码签发时间不在密钥的签发期内。";
    /// The token is revoked.
    Revoked = 207, "revoked", Invalid,
        "The code has been revoked.", "二维码已被撤销。";

    // 300-399: the trust data or the scanner's state cannot be used (SPEC §17).
    /// The revocation data is older than the checkpoint requires.
    RevocationsBehind = 300, "revocations_behind", Unusable,
        "The scanner's revocation data is out of date; update it.", "扫码设备的撤销名单已过时，请更新。";
    /// The clock is behind the newest signed time seen.
    ClockBehind = 301, "clock_behind", Unusable,
        "The scanner's clock has been set back; correct it.", "扫码设备的时钟被调慢，请校正。";
    /// A list ends before it is complete.
    ListTruncated = 302, "list_truncated", Unusable,
        "A trust or revocation list file is incomplete.", "信任名单或撤销名单文件不完整。";
    /// A list does not start with the expected magic.
    ListWrongMagic = 303, "list_wrong_magic", Unusable,
        "A file is not the kind of list expected.", "文件不是所需类型的名单。";
    /// A list's format version is not supported.
    ListUnsupportedVersion = 304, "list_unsupported_version", Unusable,
        "A list is of a format version this scanner does not read.", "此扫码设备不支持该名单的格式版本。";
    /// Bytes follow a list's signature.
    ListTrailingBytes = 306, "list_trailing_bytes", Unusable,
        "A list has extra data after its signature.", "名单签名之后有多余数据。";
    /// A trust list names another root key.
    WrongRoot = 307, "wrong_root", Unusable,
        "The trust list is signed by a root key this scanner does not trust.", "信任名单的根密钥不是本设备信任的根密钥。";
    /// A list's signature does not verify.
    ForgedList = 308, "forged_list", Unusable,
        "A list's signature is not valid: it is forged or damaged.", "名单签名无效：伪造或已损坏。";
    /// A list is older than the one held.
    Rollback = 309, "rollback", Unusable,
        "A list is older than the one already loaded.", "名单比已加载的版本更旧。";
    /// A list is signed earlier than the one held.
    BackdatedList = 310, "backdated_list", Unusable,
        "A list is dated earlier than the one already loaded.", "名单的签发时间早于已加载的版本。";
    /// A revocation delta skips sequence numbers.
    DeltaGap = 311, "delta_gap", Unusable,
        "A revocation update is missing; load the updates in order.", "缺少一个撤销名单增量，请按顺序加载。";
    /// A revocation delta is already applied or out of order.
    DeltaOutOfOrder = 312, "delta_out_of_order", Unusable,
        "A revocation update is out of order or already applied.", "撤销名单增量顺序错误或已加载。";
    /// A revocation list's signer is not a trusted issuer key at its issue time.
    UnknownListSigner = 313, "unknown_list_signer", Unusable,
        "A revocation list is signed by a key not trusted to sign it.", "撤销名单的签名密钥无权签发该名单。";
    /// Saved checkpoint bytes are not a checkpoint.
    InvalidCheckpoint = 314, "invalid_checkpoint", Unusable,
        "The scanner's saved checkpoint is damaged.", "扫码设备保存的检查点已损坏。";
    /// A public key offered as trusted is not acceptable.
    InvalidKey = 315, "invalid_key", Unusable,
        "A public key is not acceptable.", "公钥不可用。";

    /// A revocation list's kind byte is neither full nor delta.
    ListUnknownKind = 316, "list_unknown_kind", Unusable,
        "The list is of an unknown kind.", "名单类型未知。";
    /// A list's sequence number is 0.
    ListZeroSequence = 317, "list_zero_sequence", Unusable,
        "A list has sequence number 0.", "名单序号为 0。";
    /// A list's next-update-by time is not after its issue time.
    ListNextUpdateNotAfterIssue = 318, "list_next_update_not_after_issue", Unusable,
        "A list's next update time is not after its issue time.", "名单的下次更新时间不晚于签发时间。";
    /// A revocation delta has sequence 1 (nothing precedes it).
    ListDeltaSequenceOne = 319, "list_delta_sequence_one", Unusable,
        "A revocation update has sequence number 1.", "撤销名单增量的序号为 1。";
    /// A full revocation list names a base state.
    ListBaseStateOnFull = 320, "list_base_state_on_full", Unusable,
        "A full revocation list names a base state.", "完整撤销名单不应指定基准状态。";
    /// A trust list holds more keys than the format allows.
    ListTooManyKeys = 321, "list_too_many_keys", Unusable,
        "A trust list holds too many keys.", "信任名单中的密钥过多。";
    /// A revocation list holds more entries than the format allows.
    ListTooManyEntries = 322, "list_too_many_entries", Unusable,
        "A revocation list holds too many entries.", "撤销名单条目过多。";
    /// A trust-list entry's key id is not that of its public key.
    ListKeyIdMismatch = 323, "list_key_id_mismatch", Unusable,
        "A trust-list entry's key id does not match its key.", "信任名单条目的密钥标识与公钥不符。";
    /// A trust-list entry's signing window is empty.
    ListEmptySigningWindow = 324, "list_empty_signing_window", Unusable,
        "A trust-list entry has an empty signing period.", "信任名单条目的签发期为空。";
    /// A trust-list entry's acceptance window is empty.
    ListEmptyAcceptanceWindow = 325, "list_empty_acceptance_window", Unusable,
        "A trust-list entry has an empty acceptance period.", "信任名单条目的认可期为空。";
    /// A trust-list entry not marked compromised carries a compromise time.
    ListStrayCompromiseTime = 326, "list_stray_compromise_time", Unusable,
        "A trust-list entry has a compromise time but is not compromised.", "信任名单条目未标记泄露却带有泄露时间。";
    /// A trust-list entry's state is undefined.
    ListUnknownKeyState = 327, "list_unknown_key_state", Unusable,
        "A trust-list entry has an undefined state.", "信任名单条目的状态未定义。";
    /// A trust list's keys are not in strictly ascending order.
    ListKeysOutOfOrder = 328, "list_keys_out_of_order", Unusable,
        "A trust list's keys are out of order.", "信任名单中的密钥顺序错误。";
    /// A revocation list's subjects are not in strictly ascending order.
    ListSubjectsOutOfOrder = 329, "list_subjects_out_of_order", Unusable,
        "A revocation list's entries are out of order.", "撤销名单条目顺序错误。";
    /// A full revocation list's state id is not that of its entries.
    ListStateMismatch = 330, "list_state_mismatch", Unusable,
        "A revocation list's state id does not match its entries.", "撤销名单的状态标识与条目不符。";
    /// A list is signed later than the scanner's clock allows.
    ListFromFuture = 331, "list_from_future", Unusable,
        "A list is dated in the future; check the scanner's clock.", "名单的签发时间晚于当前时间，请检查扫码设备时钟。";
    /// A revocation delta applies to another list than the one held.
    DeltaWrongBase = 332, "delta_wrong_base", Unusable,
        "A revocation update does not apply to the list loaded.", "撤销名单增量与已加载的名单不匹配。";
    // 400-499: a valid token the policy denies (SPEC §10, §17.8).
    /// The colour is not accepted.
    Colour = 400, "colour", Denied,
        "The code's colour is not accepted here.", "此处不接受该颜色的健康码。";
    /// A test is required and the token carries none.
    NoTest = 401, "no_test", Denied,
        "A negative test is required and none is recorded.", "需要阴性检测结果，但没有检测记录。";
    /// The latest test is not negative.
    TestNotNegative = 402, "test_not_negative", Denied,
        "The latest test is not negative.", "最近一次检测结果不是阴性。";
    /// The latest negative test is too old.
    TestTooOld = 403, "test_too_old", Denied,
        "The latest negative test is too old.", "最近一次阴性检测已超过时限。";
    /// Fewer vaccine doses than required.
    TooFewDoses = 404, "too_few_doses", Denied,
        "Fewer vaccine doses than required.", "疫苗接种剂次不足。";
    /// The trust data is stale beyond the policy's limit.
    StaleTrustData = 405, "stale_trust_data", Denied,
        "The scanner's trust data is out of date; update it.", "扫码设备的信任数据已过期，请更新。";
    /// The policy requires revocation data and none is loaded.
    NoRevocationData = 406, "no_revocation_data", Denied,
        "No revocation list is loaded, and this checkpoint requires one.", "未加载撤销名单，而本检查点要求加载。";

    // 500-599: input that cannot be used, outside verification.
    /// An image is larger than the decoder accepts.
    ImageTooLarge = 500, "image_too_large", Unusable,
        "The image is too large.", "图片过大。";
    /// An image could not be read.
    ImageUnreadable = 501, "image_unreadable", Unusable,
        "The image could not be read.", "无法读取图片。";
    /// No readable QR symbol was found.
    NoQrCode = 502, "no_qr_code", Unusable,
        "No readable QR code was found; scan again.", "未找到可识别的二维码，请重新扫描。";
    /// Claims cannot be encoded.
    Unencodable = 503, "unencodable", Unusable,
        "The status cannot be encoded in a code.", "该状态无法编码为二维码。";
    /// A date or time string does not parse.
    InvalidTime = 504, "invalid_time", Unusable,
        "A date or time is not valid.", "日期或时间无效。";
    /// A list cannot be encoded.
    ListUnencodable = 505, "list_unencodable", Unusable,
        "The list cannot be encoded.", "该名单无法编码。";
    /// A QR symbol cannot be built or rendered.
    Render = 506, "render", Unusable,
        "The QR code cannot be drawn.", "无法生成二维码图像。";
    /// A host binding was called with an argument it cannot use (a NULL pointer, a value
    /// outside its enumeration, an operation the object does not support).
    InvalidArgument = 510, "invalid_argument", Unusable,
        "The library was called with an invalid argument.", "调用参数无效。";
    /// A caller-provided output buffer is too small.
    BufferTooSmall = 511, "buffer_too_small", Unusable,
        "The output buffer is too small.", "输出缓冲区过小。";

    // 600-699: the collection journal (qrseal-journal, SPEC §18).
    /// The collection journal could not be read or written (a full disk, a file-size limit,
    /// a failed fsync); a failed append leaves no partial record.
    JournalIo = 600, "journal_io", Unusable,
        "The collection journal could not be written; check the storage.", "采样记录无法写入，请检查存储空间。";
    /// Another process or handle holds the collection journal open.
    JournalLocked = 601, "journal_locked", Unusable,
        "The collection journal is open in another program.", "采样记录已被另一程序打开。";
    /// The file is not a collection journal of a version this library reads.
    JournalUnsupported = 602, "journal_unsupported", Unusable,
        "The file is not a collection journal this scanner reads.", "该文件不是本设备可读取的采样记录。";
    /// The collection journal is damaged beyond a torn tail, or holds records that break
    /// its rules; nothing was changed.
    JournalDamaged = 603, "journal_damaged", Unusable,
        "The collection journal is damaged; keep the file for inspection.", "采样记录已损坏，请保留文件以便检查。";
    /// No tube is open.
    NoOpenTube = 604, "no_open_tube", Unusable,
        "No tube is open; scan a tube barcode first.", "没有打开的采样管，请先扫描采样管条码。";
    /// The tube barcode was already used in this journal.
    TubeReused = 605, "tube_reused", Unusable,
        "This tube was already used.", "该采样管已使用过。";
    /// The scan cannot go into the tube (denied, already in a tube, or the same person is
    /// already in this one), or names no scan.
    NotAssignable = 606, "not_assignable", Unusable,
        "This scan cannot go into the tube.", "该扫码记录不能放入此采样管。";
    /// No sealed tube waiting for upload has this batch key.
    NoSuchBatch = 607, "no_such_batch", Unusable,
        "No tube waiting for upload has this batch key.", "没有待上传的采样管使用此批次号。";

    // 900-999: bugs.
    /// An error this build's table does not name: a bug.
    Internal = 999, "internal", Internal,
        "Internal error.", "内部错误。";
}

impl Code {
    /// The code whose string is `s`, if any.
    pub fn from_str_code(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The code whose number is `n`, if any.
    pub fn from_number(n: u16) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// The row of a core error: found by its stable string, [`Code::Internal`] if this
    /// table lacks it (a test keeps that from happening).
    pub(crate) fn of_core_str(s: &str) -> Code {
        Code::from_str_code(s).unwrap_or(Code::Internal)
    }
}

/// The stable string.
impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares the stable string, so `error.code() == "expired"` reads naturally.
impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_are_unique_and_ascending() {
        for pair in Code::ALL.windows(2) {
            assert!(pair[0].number() < pair[1].number(), "{:?}", pair);
        }
        for (i, a) in Code::ALL.iter().enumerate() {
            for b in &Code::ALL[i + 1..] {
                assert_ne!(a.as_str(), b.as_str());
            }
            assert_eq!(Code::from_str_code(a.as_str()), Some(*a));
            assert_eq!(Code::from_number(a.number()), Some(*a));
            let s = a.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            for language in [Language::English, Language::Chinese] {
                let m = a.message(language);
                assert!(
                    !m.is_empty() && !m.contains('\n') && !m.contains('|'),
                    "{m}"
                );
            }
        }
    }
}
