//! The PEM and DER framing of RSA keys: pyos's key files come as PKCS#8 or PKCS#1 private
//! keys and as SubjectPublicKeyInfo or PKCS#1 public keys; aws-lc-rs reads DER, and reads
//! public keys only as SubjectPublicKeyInfo.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One PEM block: its label (`PRIVATE KEY`, `RSA PUBLIC KEY`, …) and its DER bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Why a PEM text is unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PemError {
    #[error("no -----BEGIN …----- line")]
    NoBegin,
    #[error("no -----END {0}----- line")]
    NoEnd(String),
    #[error("the base64 body does not decode: {0}")]
    Base64(String),
}

/// The first PEM block of `text`.
///
/// # Errors
/// [`PemError`] when there is no complete block or its body is not base64.
pub fn decode(text: &str) -> Result<PemBlock, PemError> {
    let start = text.find("-----BEGIN ").ok_or(PemError::NoBegin)?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----").ok_or(PemError::NoBegin)?;
    let label = rest[..label_end].to_owned();
    let body_and_end = &rest[label_end + "-----".len()..];
    let end_line = format!("-----END {label}-----");
    let body_end = body_and_end
        .find(&end_line)
        .ok_or_else(|| PemError::NoEnd(label.clone()))?;
    let body: String = body_and_end[..body_end].split_whitespace().collect();
    let der = STANDARD.decode(body).map_err(|e| PemError::Base64(e.to_string()))?;
    Ok(PemBlock { label, der })
}

/// `der` as a PEM block with lines of 64 characters.
pub fn encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The SubjectPublicKeyInfo around a PKCS#1 `RSAPublicKey`:
/// `SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { 0 unused bits, key } }`.
pub fn rsa_public_key_to_spki(pkcs1: &[u8]) -> Vec<u8> {
    // OID 1.2.840.113549.1.1.1 (rsaEncryption) followed by NULL parameters.
    const ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string_body = Vec::with_capacity(pkcs1.len() + 1);
    bit_string_body.push(0);
    bit_string_body.extend_from_slice(pkcs1);
    let mut inner = ALGORITHM.to_vec();
    inner.extend(der_element(0x03, &bit_string_body));
    der_element(0x30, &inner)
}

fn der_element(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_with_their_label() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = encode("RSA PUBLIC KEY", &der);
        assert!(pem.lines().all(|line| line.len() <= 64 || line.starts_with("-----")));
        let block = decode(&format!("junk before\n{pem}junk after")).unwrap();
        assert_eq!(block.label, "RSA PUBLIC KEY");
        assert_eq!(block.der, der);
    }

    #[test]
    fn broken_blocks_say_what_is_wrong() {
        assert_eq!(decode("nothing here"), Err(PemError::NoBegin));
        assert_eq!(
            decode("-----BEGIN PUBLIC KEY-----\nAAAA\n"),
            Err(PemError::NoEnd("PUBLIC KEY".into()))
        );
        assert!(matches!(
            decode("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"),
            Err(PemError::Base64(_))
        ));
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let element = der_element(0x04, &[7; 300]);
        assert_eq!(&element[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(element.len(), 304);
        assert_eq!(der_element(0x04, &[7; 3]), vec![0x04, 3, 7, 7, 7]);
    }
}
