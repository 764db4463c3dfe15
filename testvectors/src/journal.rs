//! `journal.json`: collection journal files (docs/SPEC.md §18) and what a reader makes of
//! them: the records, the torn tail it cuts, the batches waiting for upload with their JSON
//! bodies, the open tube; or the error it refuses the file with.
//!
//! The files are written by `qrseal_journal::Journal` itself (fixed journal id, fixed times,
//! so the bytes never change), in a temporary directory, then damaged in the ways a crash or
//! a disk can.

use std::path::{Path, PathBuf};

use qrseal_core::{Colour, KeyId, SubjectId};
use qrseal_journal::{Damage, Journal, Options, Record, Scan, SealReason, decode};

use crate::json::Json;

const T0: u64 = 1_795_244_400;

/// A file the generator writes and removes.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "qrseal-testvectors-{}-{name}.qsj",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn scan(who: u8, verdict: u16, at: u64) -> Scan {
    Scan {
        subject: SubjectId([who; 12]),
        key_id: KeyId([0x41, 0xab, 0x98, 0xf4]),
        colour: if verdict == 0 {
            Colour::Green
        } else {
            Colour::Red
        },
        verdict,
        scanned_at: T0 + at,
    }
}

fn e(what: &str) -> impl Fn(qrseal_journal::Error) -> String + '_ {
    move |err| format!("journal vectors: {what}: {err}")
}

/// The complete journal: one acknowledged tube, one sealed by hand and pending, an empty
/// tube replaced, and an open tube with one sample.
fn complete(path: &Path) -> Result<Vec<u8>, String> {
    let options = Options {
        tube_size: 2,
        ..Options::default()
    };
    let j = Journal::create_with_id(path, [0x5a; 16], "site-7", "gate-2", T0, options)
        .map_err(e("create"))?;
    j.open_tube("TUBE-0001", T0 + 10).map_err(e("open"))?;
    j.record_scan(scan(1, 0, 20)).map_err(e("scan"))?;
    j.record_scan(scan(2, 400, 30)).map_err(e("scan"))?;
    j.record_scan(scan(3, 0, 40)).map_err(e("scan"))?;
    j.acknowledge(&j.batch_key(1), T0 + 100).map_err(e("ack"))?;
    j.open_tube("TUBE-0002", T0 + 110).map_err(e("open"))?;
    j.record_scan(scan(4, 0, 120)).map_err(e("scan"))?;
    j.seal_tube(T0 + 130).map_err(e("seal"))?;
    j.open_tube("TUBE-0003", T0 + 140).map_err(e("open"))?;
    j.open_tube("TUBE-0004", T0 + 150).map_err(e("open"))?;
    j.record_scan(scan(1, 0, 160)).map_err(e("scan"))?;
    drop(j);
    std::fs::read(path).map_err(|err| format!("journal vectors: read: {err}"))
}

fn record_json(offset: u64, r: &Record) -> Json {
    let mut fields = vec![("offset", Json::Int(offset))];
    match r {
        Record::Scan(s) => fields.extend([
            ("type", Json::str("scan")),
            ("subject", Json::str(hex::encode(s.subject.0))),
            ("kid", Json::str(hex::encode(s.key_id.0))),
            ("colour", Json::str(s.colour.name())),
            ("verdict", Json::Int(u64::from(s.verdict))),
            ("scanned_at", Json::Int(s.scanned_at)),
        ]),
        Record::TubeOpened {
            tube,
            barcode,
            opened_at,
        } => fields.extend([
            ("type", Json::str("tube_opened")),
            ("tube", Json::Int(u64::from(*tube))),
            ("barcode", Json::str(barcode.clone())),
            ("opened_at", Json::Int(*opened_at)),
        ]),
        Record::Assigned { scan, tube } => fields.extend([
            ("type", Json::str("assigned")),
            ("scan", Json::Int(u64::from(*scan))),
            ("tube", Json::Int(u64::from(*tube))),
        ]),
        Record::TubeSealed {
            tube,
            sealed_at,
            reason,
        } => fields.extend([
            ("type", Json::str("tube_sealed")),
            ("tube", Json::Int(u64::from(*tube))),
            ("sealed_at", Json::Int(*sealed_at)),
            (
                "reason",
                Json::str(match reason {
                    SealReason::Full => "full",
                    SealReason::ByHand => "by_hand",
                    _ => "replaced",
                }),
            ),
        ]),
        Record::Acknowledged { tube, stored_at } => fields.extend([
            ("type", Json::str("acknowledged")),
            ("tube", Json::Int(u64::from(*tube))),
            ("stored_at", Json::Int(*stored_at)),
        ]),
        _ => fields.push(("type", Json::str("unknown"))),
    }
    Json::Object(fields).compact()
}

/// What reading `bytes` gives: decoded in memory, then opened from a file (which cuts the
/// tail) for the state. The two must agree on the records kept.
fn expected(name: &str, bytes: &[u8]) -> Result<Json, String> {
    let decoded = match decode(bytes) {
        Ok(d) => d,
        Err(err) => {
            // Opening refuses the same file with the same error, and leaves it unchanged.
            let file = Scratch::new(name);
            std::fs::write(&file.0, bytes).map_err(|e| e.to_string())?;
            match Journal::open(&file.0, Options::default()) {
                Err(open) if open.code() == err.code() => {}
                other => {
                    return Err(format!(
                        "journal vectors: {name}: open gave {other:?}, decode {err}"
                    ));
                }
            }
            if std::fs::read(&file.0).map_err(|e| e.to_string())? != bytes {
                return Err(format!(
                    "journal vectors: {name}: a refused file was changed"
                ));
            }
            return Ok(Json::Object(vec![(
                "error",
                Json::str(err.code().as_str()),
            )]));
        }
    };
    let file = Scratch::new(name);
    std::fs::write(&file.0, bytes).map_err(|e| e.to_string())?;
    let (j, recovery) = Journal::open(&file.0, Options::default()).map_err(e("open"))?;
    let tail = match decoded.tail {
        None => Json::Null,
        Some((offset, damage, dropped)) => {
            if (recovery.offset, recovery.dropped_bytes, recovery.reason)
                != (offset, dropped, Some(damage))
            {
                return Err(format!("journal vectors: {name}: open and decode disagree"));
            }
            Json::Object(vec![
                ("offset", Json::Int(offset)),
                ("reason", Json::str(damage_name(damage))),
                ("dropped_bytes", Json::Int(dropped)),
            ])
        }
    };
    let pending = j
        .pending_batches()
        .map_err(e("pending"))?
        .into_iter()
        .map(|b| {
            Json::Object(vec![
                ("key", Json::str(b.key)),
                (
                    "json",
                    Json::str(String::from_utf8_lossy(&b.json).into_owned()),
                ),
            ])
        })
        .collect();
    let status = j.status().map_err(e("status"))?;
    let open = status.open_tube.map_or(Json::Null, |t| {
        Json::Object(vec![
            ("tube", Json::Int(u64::from(t.tube))),
            ("barcode", Json::str(t.barcode)),
            ("samples", Json::Int(t.samples as u64)),
        ])
        .compact()
    });
    let h = &decoded.header;
    Ok(Json::Object(vec![
        (
            "header",
            Json::Object(vec![
                ("journal_id", Json::str(h.journal_id_hex())),
                ("site", Json::str(h.site.clone())),
                ("device", Json::str(h.device.clone())),
                ("created_at", Json::Int(h.created_at)),
            ])
            .compact(),
        ),
        (
            "records",
            Json::Array(
                decoded
                    .records
                    .iter()
                    .map(|(o, r)| record_json(*o, r))
                    .collect(),
            ),
        ),
        ("tail", tail),
        ("scans", Json::Int(u64::from(status.scans))),
        ("open_tube", open),
        ("pending", Json::Array(pending)),
        ("acknowledged", Json::Int(status.acknowledged as u64)),
    ]))
}

fn damage_name(d: Damage) -> &'static str {
    d.as_str()
}

/// A case: name, description, file bytes, zero bytes appended after them.
type Case = (&'static str, &'static str, Vec<u8>, usize);

fn cases() -> Result<Vec<Case>, String> {
    let file = Scratch::new("complete");
    let full = complete(&file.0)?;
    let records = decode(&full).map_err(e("decode"))?.records;
    let first = records.first().map_or(0, |r| r.0) as usize;
    let mut bad_crc = full.clone();
    if let Some(b) = bad_crc.last_mut() {
        *b ^= 0x01;
    }
    let mut bad_len = full.clone();
    bad_len.extend_from_slice(&u32::MAX.to_le_bytes());
    bad_len.extend_from_slice(&[0x03, 0, 0, 0, 0]);
    let mut version = full.clone();
    version[8] = 2;
    let mut header_crc = full.clone();
    header_crc[20] ^= 0x80;
    let mut magic = full.clone();
    magic[..8].copy_from_slice(b"QSJOURNX");
    let mut middle = full.clone();
    middle[first + 9] ^= 0x01;
    let mut twice = full.clone();
    Record::TubeSealed {
        tube: 2,
        sealed_at: T0 + 200,
        reason: SealReason::ByHand,
    }
    .encode_into(&mut twice);
    let mut unknown = full.clone();
    let frame_start = unknown.len();
    unknown.extend_from_slice(&[0, 0, 0, 0, 9]);
    let crc = crc32(&unknown[frame_start..]);
    unknown.extend_from_slice(&crc.to_le_bytes());
    Ok(vec![
        (
            "complete",
            "a journal ending with a complete record: one tube acknowledged, one sealed by hand and pending, an empty tube replaced, one open tube with one sample",
            full.clone(),
            0,
        ),
        (
            "torn-tail",
            "the last append cut 3 bytes short (power lost mid-write): the last record is dropped, the rest kept",
            full[..full.len() - 3].to_vec(),
            0,
        ),
        (
            "torn-length",
            "the file ends 2 bytes into a record's length field",
            [&full[..], &[0x1b, 0x00]].concat(),
            0,
        ),
        (
            "bad-checksum",
            "the last record's CRC does not match (one bit flipped): dropped",
            bad_crc,
            0,
        ),
        (
            "bad-length",
            "a length field of 0xFFFFFFFF after the last record: dropped without allocating",
            bad_len,
            0,
        ),
        (
            "zero-tail",
            "4096 zero bytes after the last record (a file extended but not written before a crash): dropped",
            full.clone(),
            4096,
        ),
        (
            "header-only",
            "a new journal with no record yet",
            full[..records.first().map_or(0, |r| r.0 as usize)].to_vec(),
            0,
        ),
        (
            "record-cut-at-first",
            "every record lost but the start of the first (a torn first append)",
            full[..first + 6].to_vec(),
            0,
        ),
        (
            "other-magic",
            "the first 8 bytes are not QSJOURNL: refused",
            magic,
            0,
        ),
        ("version-2", "format version 2: refused", version, 0),
        (
            "header-checksum",
            "a header byte flipped: refused",
            header_crc,
            0,
        ),
        (
            "damaged-far-from-end",
            "the first record damaged with more than 64 KiB after it: not a torn tail, refused and left unchanged",
            middle,
            65_536,
        ),
        (
            "sealed-twice",
            "a valid record sealing a tube that is not open: refused",
            twice,
            0,
        ),
        (
            "unknown-type",
            "a record of type 9 with a valid CRC: refused",
            unknown,
            0,
        ),
    ])
}

fn crc32(bytes: &[u8]) -> u32 {
    // CRC-32/ISO-HDLC bit by bit from the SPEC's definition (18.1): an independent check of
    // the frames the library writes.
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `journal.json`.
pub(crate) fn file() -> Result<Json, String> {
    if crc32(b"123456789") != 0xCBF4_3926 {
        return Err("journal vectors: CRC-32 check value".into());
    }
    let mut out = Vec::new();
    for (name, description, mut bytes, zeros) in cases()? {
        let hex = hex::encode(&bytes);
        bytes.resize(bytes.len() + zeros, 0);
        // Every complete frame of a decodable file carries the SPEC's CRC.
        if let Ok(d) = decode(&bytes) {
            for (offset, r) in &d.records {
                let frame = r.encode();
                let at = *offset as usize;
                if bytes.get(at..at + frame.len()) != Some(&frame[..])
                    || crc32(&frame[..frame.len() - 4]).to_le_bytes() != frame[frame.len() - 4..]
                {
                    return Err(format!("journal vectors: {name}: frame at {offset}"));
                }
            }
        }
        out.push(Json::Object(vec![
            ("name", Json::str(name)),
            ("description", Json::str(description)),
            ("file_hex", Json::str(hex)),
            ("zero_bytes_after", Json::Int(zeros as u64)),
            ("expected", expected(name, &bytes)?),
        ]));
    }
    Ok(Json::Object(vec![
        (
            "description",
            Json::str(
                "Collection journal files (docs/SPEC.md §18): file_hex followed by \
                 zero_bytes_after zero bytes. expected is either {error: code} (the file is \
                 refused and left unchanged) or what opening it gives: the header, every \
                 complete record with its offset, the tail cut (null if none), the number of \
                 scans, the open tube, the batches waiting for upload with their JSON bodies, \
                 and how many tubes were acknowledged.",
            ),
        ),
        ("cases", Json::Array(out)),
    ]))
}
