//! A sealed tube as an upload batch: the JSON body of `POST /v1/samples`.

use serde::Serialize;

use crate::format::{Header, hex};
use crate::state::Tube;

/// A sealed tube waiting for the service's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Batch {
    /// The idempotency key: `<journal id, 32 lower-case hex>-<tube sequence number>`.
    pub key: String,
    /// The tube's sequence number in the journal.
    pub tube: u32,
    /// The tube's barcode.
    pub barcode: String,
    /// Samples in the tube (1-100).
    pub samples: usize,
    /// The request body, UTF-8 JSON (docs/SPEC.md §18.6). The same bytes every time it is
    /// produced, so a retry sends exactly what the first attempt sent.
    pub json: Vec<u8>,
}

#[derive(Serialize)]
struct Body<'a> {
    batch: &'a str,
    site: &'a str,
    device: &'a str,
    tube: &'a str,
    opened_at: u64,
    sealed_at: u64,
    samples: Vec<Sample>,
}

#[derive(Serialize)]
struct Sample {
    subject: String,
    kid: String,
    colour: &'static str,
    scanned_at: u64,
}

pub(crate) fn batch_json(header: &Header, key: &str, tube: &Tube) -> Vec<u8> {
    let body = Body {
        batch: key,
        site: &header.site,
        device: &header.device,
        tube: &tube.barcode,
        opened_at: tube.opened_at,
        sealed_at: tube.sealed_at,
        samples: tube
            .samples
            .iter()
            .map(|s| Sample {
                subject: hex(&s.subject.0),
                kid: hex(&s.key_id.0),
                colour: s.colour.name(),
                scanned_at: s.scanned_at,
            })
            .collect(),
    };
    // Serialising strings and integers into a Vec cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}
