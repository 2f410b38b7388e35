//! The client certificate a TLS proxy forwards in a header (`logmein`): the user id read
//! from its subject, and its public key as an OpenSSH `authorized_keys` line. The proxy
//! verified the certificate; here it is only read (auth.md §5.7).

use base64::Engine as _;
use x509_parser::prelude::*;

/// What `logmein` reads from a forwarded certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The first non-empty subject attribute of the configured OIDs, in their order.
    pub userid: Option<String>,
    /// The public key, `<type> <base64>`, when its algorithm has an OpenSSH form.
    pub openssh_key: Option<String>,
}

/// Why a forwarded certificate was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("logmein invalid certificate")]
pub struct InvalidCertificate;

/// Reads a header value: URL-escaped PEM, with or without its BEGIN/END lines.
///
/// # Errors
/// [`InvalidCertificate`] when it is not one X.509 certificate.
pub fn read(header: &str, oids: &[String]) -> Result<ClientCertificate, InvalidCertificate> {
    let unescaped: String = form_urlencoded::parse(format!("v={}", header.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let pem = if unescaped.trim_start().starts_with("-----BEGIN") {
        unescaped
    } else {
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            unescaped.trim()
        )
    };
    let (_, pem) = parse_x509_pem(pem.as_bytes()).map_err(|_| InvalidCertificate)?;
    let certificate = pem.parse_x509().map_err(|_| InvalidCertificate)?;
    let userid = oids.iter().find_map(|oid| {
        certificate
            .subject()
            .iter_attributes()
            .filter(|attribute| attribute.attr_type().to_id_string() == *oid)
            .find_map(|attribute| attribute.as_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    });
    Ok(ClientCertificate {
        userid,
        openssh_key: openssh_key(certificate.public_key()),
    })
}

/// An SSH wire string: length, then bytes.
fn ssh_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// An SSH mpint: big-endian, no superfluous leading zero, one zero before a high bit.
fn ssh_mpint(out: &mut Vec<u8>, bytes: &[u8]) {
    let trimmed: &[u8] = {
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        &bytes[first..]
    };
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(trimmed.len() + 1);
        padded.push(0);
        padded.extend_from_slice(trimmed);
        ssh_string(out, &padded);
    } else {
        ssh_string(out, trimmed);
    }
}

fn openssh_key(spki: &SubjectPublicKeyInfo<'_>) -> Option<String> {
    let mut blob = Vec::new();
    let kind = match spki.parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            ssh_string(&mut blob, b"ssh-rsa");
            ssh_mpint(&mut blob, rsa.exponent);
            ssh_mpint(&mut blob, rsa.modulus);
            "ssh-rsa"
        }
        x509_parser::public_key::PublicKey::EC(point) => {
            let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?.to_id_string();
            let (kind, name) = match curve.as_str() {
                "1.2.840.10045.3.1.7" => ("ecdsa-sha2-nistp256", "nistp256"),
                "1.3.132.0.34" => ("ecdsa-sha2-nistp384", "nistp384"),
                "1.3.132.0.35" => ("ecdsa-sha2-nistp521", "nistp521"),
                _ => return None,
            };
            ssh_string(&mut blob, kind.as_bytes());
            ssh_string(&mut blob, name.as_bytes());
            ssh_string(&mut blob, point.data());
            kind
        }
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => {
            ssh_string(&mut blob, b"ssh-ed25519");
            ssh_string(&mut blob, &spki.subject_public_key.data);
            "ssh-ed25519"
        }
        _ => return None,
    };
    Some(format!(
        "{kind} {}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpints_drop_leading_zeros_and_pad_a_high_bit() {
        let mut out = Vec::new();
        ssh_mpint(&mut out, &[0, 0, 0x01, 0x00, 0x01]);
        assert_eq!(out, [0, 0, 0, 3, 1, 0, 1]);
        out.clear();
        ssh_mpint(&mut out, &[0x80]);
        assert_eq!(out, [0, 0, 0, 2, 0, 0x80]);
    }

    #[test]
    fn garbage_is_an_invalid_certificate() {
        assert_eq!(read("not a certificate", &[]), Err(InvalidCertificate));
        assert_eq!(
            read("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", &[]),
            Err(InvalidCertificate)
        );
    }
}
