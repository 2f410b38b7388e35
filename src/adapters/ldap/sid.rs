//! Active Directory's binary `objectSid` as the `S-1-…` text it accepts back in filters
//! (MS-DTYP §2.4.2.2): revision, sub-authority count, a 48-bit big-endian authority, then
//! 32-bit little-endian sub-authorities.

/// The text form of a binary SID, or `None` when the bytes are not one.
pub fn sid_text(bytes: &[u8]) -> Option<String> {
    let (&revision, rest) = bytes.split_first()?;
    let (&count, rest) = rest.split_first()?;
    if revision != 1 || rest.len() != 6 + 4 * usize::from(count) || count > 15 {
        return None;
    }
    let (authority, subs) = rest.split_at(6);
    let authority = authority
        .iter()
        .fold(0u64, |value, byte| (value << 8) | u64::from(*byte));
    let mut text = format!("S-1-{authority}");
    for sub in subs.chunks_exact(4) {
        let value = u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]);
        text.push_str(&format!("-{value}"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::sid_text;

    #[test]
    fn binary_sids_read_as_their_text_form() {
        // S-1-5-21-1004336348-1177238915-682003330-512, as AD stores it.
        let bytes = [
            1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xDC, 0xF4, 0xDC, 0x3B, 0x83, 0x3D, 0x2B, 0x46, 0x82, 0x8B, 0xA6,
            0x28, 0x00, 0x02, 0x00, 0x00,
        ];
        assert_eq!(
            sid_text(&bytes).as_deref(),
            Some("S-1-5-21-1004336348-1177238915-682003330-512")
        );
        assert_eq!(sid_text(&[1, 0, 0, 0, 0, 0, 0, 1]).as_deref(), Some("S-1-1"));
        assert_eq!(sid_text(&[]), None);
        assert_eq!(sid_text(&[2, 0, 0, 0, 0, 0, 0, 1]), None, "revision 1 only");
        assert_eq!(sid_text(&[1, 2, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0]), None, "truncated");
    }
}
