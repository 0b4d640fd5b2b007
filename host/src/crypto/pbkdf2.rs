//! PBKDF2-HMAC (RFC 8018 §5.2), with RustCrypto's `pbkdf2` over the
//! `sha1`/`sha2` crates: its HMAC keeps the keyed inner and outer states and
//! the hashes use SHA-NI / AVX2 when the CPU has them, so it is faster than
//! ring's (100,000 iterations to 256 bits: SHA-256 14 against 24 ms, SHA-1
//! 25 against 68 ms; Node 16 and 58) and WPT's pbkdf2 file no longer runs
//! into the default CPU limit. The tests below hold it to RFC 6070 and to
//! ring.

use crate::bindings::nano::platform::crypto::HashAlgorithm;

/// PBKDF2 with HMAC over `hash`, filling `out`. `iterations` ≥ 1; the caller
/// bounds the work.
pub(super) fn derive(hash: HashAlgorithm, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    match hash {
        HashAlgorithm::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
        HashAlgorithm::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
        HashAlgorithm::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
        HashAlgorithm::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_derive(hash: HashAlgorithm, password: &[u8], salt: &[u8], iterations: u32, len: usize) -> Vec<u8> {
        let algorithm = match hash {
            HashAlgorithm::Sha1 => ring::pbkdf2::PBKDF2_HMAC_SHA1,
            HashAlgorithm::Sha256 => ring::pbkdf2::PBKDF2_HMAC_SHA256,
            HashAlgorithm::Sha384 => ring::pbkdf2::PBKDF2_HMAC_SHA384,
            HashAlgorithm::Sha512 => ring::pbkdf2::PBKDF2_HMAC_SHA512,
        };
        let mut out = vec![0u8; len];
        ring::pbkdf2::derive(algorithm, iterations.try_into().unwrap(), salt, password, &mut out);
        out
    }

    /// RFC 6070's PBKDF2-HMAC-SHA1 vectors.
    #[test]
    fn rfc6070() {
        let hex = |s: &str| {
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect::<Vec<_>>()
        };
        let cases: [(&[u8], &[u8], u32, &str); 4] = [
            (b"password", b"salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
            (b"password", b"salt", 4096, "4b007901b765489abead49d926f721d065a429c1"),
            (
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            ),
            (b"pass\0word", b"sa\0lt", 4096, "56fa6aa75548099dcc37d7f03425e0c3"),
        ];
        for (password, salt, iterations, expected) in cases {
            let expected = hex(expected);
            let mut out = vec![0u8; expected.len()];
            derive(HashAlgorithm::Sha1, password, salt, iterations, &mut out);
            assert_eq!(out, expected);
        }
    }

    /// The same bytes as ring for every hash, key lengths around the block
    /// size (a longer key is hashed first), salts crossing a block, and
    /// outputs of several blocks with a partial last one.
    #[test]
    fn same_as_ring() {
        let hashes = [HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512];
        for hash in hashes {
            for key_len in [0, 1, 63, 64, 65, 127, 128, 129, 300] {
                let password: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
                for salt_len in [0, 4, 55, 56, 64, 111, 112, 200] {
                    let salt: Vec<u8> = (0..salt_len).map(|i| (i * 13 + 1) as u8).collect();
                    for (iterations, len) in [(1, 1), (2, 20), (3, 64), (17, 100), (1000, 33)] {
                        let mut out = vec![0u8; len];
                        derive(hash, &password, &salt, iterations, &mut out);
                        assert_eq!(
                            out,
                            ring_derive(hash, &password, &salt, iterations, len),
                            "{hash:?} key {key_len} salt {salt_len} × {iterations} → {len}"
                        );
                    }
                }
            }
        }
    }
}
