//! Record framing of TensorBoard (TFRecord) files: `len: u64 LE`, `masked_crc32c(len bytes)`,
//! `data`, `masked_crc32c(data)`, all CRCs little-endian u32.

/// TFRecord's CRC mask: rotate right by 15, then add a constant, so a CRC of data that itself
/// holds CRCs stays well distributed.
pub fn masked_crc(data: &[u8]) -> u32 {
    crc32c::crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Appends one framed record holding `data` to `out`.
pub fn append_record(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// One record's payload and where its frame starts in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record<'a> {
    /// Byte offset of the record's length field.
    pub offset: usize,
    /// The payload (an encoded `Event` in event files).
    pub data: &'a [u8],
}

/// The first bad record of a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordFault {
    /// Byte offset of the bad record.
    pub offset: usize,
    /// What is wrong with it.
    pub kind: FaultKind,
}

/// Why a record could not be read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The file ends inside a record (a writer still running, or a cut-off file).
    Truncated,
    /// A length or data checksum does not match.
    BadCrc(&'static str),
}

/// Splits `bytes` into records, up to the first bad record, which is returned too (reading
/// stops there).
pub fn split_records(bytes: &[u8]) -> (Vec<Record<'_>>, Option<RecordFault>) {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.len() < 12 {
            return (
                records,
                Some(RecordFault {
                    offset: pos,
                    kind: FaultKind::Truncated,
                }),
            );
        }
        let len_bytes = &rest[..8];
        let stored = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes"));
        if masked_crc(len_bytes) != stored {
            return (
                records,
                Some(RecordFault {
                    offset: pos,
                    kind: FaultKind::BadCrc("length"),
                }),
            );
        }
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(16))
            .filter(|&e| e <= rest.len())
        else {
            return (
                records,
                Some(RecordFault {
                    offset: pos,
                    kind: FaultKind::Truncated,
                }),
            );
        };
        let data = &rest[12..end - 4];
        let stored = u32::from_le_bytes(rest[end - 4..end].try_into().expect("4 bytes"));
        if masked_crc(data) != stored {
            return (
                records,
                Some(RecordFault {
                    offset: pos,
                    kind: FaultKind::BadCrc("data"),
                }),
            );
        }
        records.push(Record { offset: pos, data });
        pos += end;
    }
    (records, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_mask_match_reference_values() {
        // CRC-32C (Castagnoli) of "123456789" is 0xE3069283 (RFC 3720, appendix B.4 check value).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        // The masked value as Python tensorboard's `masked_crc32c(b"123456789")` gives it.
        assert_eq!(masked_crc(b"123456789"), 0xC78A_B0E5);
    }

    #[test]
    fn records_round_trip_and_faults_are_located() {
        let mut file = Vec::new();
        append_record(&mut file, b"first");
        let second_at = file.len();
        append_record(&mut file, b"");
        append_record(&mut file, &[7u8; 300]);
        let (records, fault) = split_records(&file);
        assert_eq!(fault, None);
        let payloads: Vec<&[u8]> = records.iter().map(|r| r.data).collect();
        assert_eq!(payloads, vec![&b"first"[..], &b""[..], &[7u8; 300][..]]);
        assert_eq!(records[1].offset, second_at);

        let mut cut = file.clone();
        cut.truncate(file.len() - 1);
        let (records, fault) = split_records(&cut);
        assert_eq!(records.len(), 2);
        assert_eq!(fault.unwrap().kind, FaultKind::Truncated);

        let mut flipped = file.clone();
        flipped[second_at + 13] ^= 1; // inside the empty record's data CRC
        let (records, fault) = split_records(&flipped);
        assert_eq!(records.len(), 1);
        assert_eq!(
            fault,
            Some(RecordFault {
                offset: second_at,
                kind: FaultKind::BadCrc("data")
            })
        );

        let mut flipped = file;
        flipped[2] ^= 0x10; // the first length
        let fault = RecordFault {
            offset: 0,
            kind: FaultKind::BadCrc("length"),
        };
        assert_eq!(split_records(&flipped), (vec![], Some(fault)));
    }
}
