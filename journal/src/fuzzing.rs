//! Entry points for fuzz/ (not a public API).

/// Decodes arbitrary bytes as a journal; checks that whatever decodes re-encodes to the same
/// bytes and that a torn tail is never longer than the bound.
pub fn journal_reader(data: &[u8]) {
    if let Ok(d) = crate::decode(data) {
        let mut bytes = d.header.encode();
        for (offset, r) in &d.records {
            assert_eq!(*offset, bytes.len() as u64);
            r.encode_into(&mut bytes);
        }
        assert_eq!(&data[..bytes.len()], &bytes[..]);
        match d.tail {
            None => assert_eq!(bytes.len(), data.len()),
            Some((offset, _, n)) => {
                assert_eq!(offset, bytes.len() as u64);
                assert!(n <= crate::MAX_TORN_TAIL);
                assert_eq!(offset + n, data.len() as u64);
            }
        }
    }
}
