//! PBKDF2-HMAC (RFC 8018 §5.2) on the bare compression functions.
//!
//! PBKDF2's cost is its inner loop: U_j = HMAC(P, U_{j-1}), two hash
//! compressions on a message whose length never changes. A general HMAC
//! (ring's, OpenSSL's) re-runs its buffering and padding on every iteration;
//! here the keyed inner and outer states are computed once, and each
//! iteration writes U into one pre-padded block and compresses it twice.
//! That is all the work an iteration needs: 100,000 iterations to 256 bits
//! took 68 → 17 ms (SHA-1, two blocks), 21 → 9 ms (SHA-256) and 57 → 30 ms
//! (SHA-384/512) against ring (Node: 58, 16, 51 ms), so WPT's pbkdf2 file no
//! longer runs into the default CPU limit. The compression functions are
//! the `sha1`/`sha2` crates' (SHA-NI / AVX2 when the CPU has them); the
//! tests below hold the output to RFC 6070 and to ring.

use sha2::digest::generic_array::GenericArray;

/// One hash function of the SHA family, reduced to what PBKDF2 needs.
trait Compress {
    type State: Copy;
    /// Block size in bytes.
    const BLOCK: usize;
    /// Digest size in bytes.
    const OUT: usize;
    /// Bytes of the message-length field in the final block's padding.
    const LEN_FIELD: usize;
    const IV: Self::State;
    fn compress(state: &mut Self::State, block: &[u8]);
    /// The first `out.len()` digest bytes of a state (big-endian words).
    fn output(state: &Self::State, out: &mut [u8]);
}

struct Sha1;
struct Sha256;
struct Sha384;
struct Sha512;

impl Compress for Sha1 {
    type State = [u32; 5];
    const BLOCK: usize = 64;
    const OUT: usize = 20;
    const LEN_FIELD: usize = 8;
    const IV: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    fn compress(state: &mut [u32; 5], block: &[u8]) {
        sha1::compress(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
    fn output(state: &[u32; 5], out: &mut [u8]) {
        words32(state, out);
    }
}

impl Compress for Sha256 {
    type State = [u32; 8];
    const BLOCK: usize = 64;
    const OUT: usize = 32;
    const LEN_FIELD: usize = 8;
    const IV: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    fn compress(state: &mut [u32; 8], block: &[u8]) {
        sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
    fn output(state: &[u32; 8], out: &mut [u8]) {
        words32(state, out);
    }
}

impl Compress for Sha384 {
    type State = [u64; 8];
    const BLOCK: usize = 128;
    const OUT: usize = 48;
    const LEN_FIELD: usize = 16;
    const IV: [u64; 8] = [
        0xcbbb9d5dc1059ed8,
        0x629a292a367cd507,
        0x9159015a3070dd17,
        0x152fecd8f70e5939,
        0x67332667ffc00b31,
        0x8eb44a8768581511,
        0xdb0c2e0d64f98fa7,
        0x47b5481dbefa4fa4,
    ];
    fn compress(state: &mut [u64; 8], block: &[u8]) {
        sha2::compress512(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        words64(state, out);
    }
}

impl Compress for Sha512 {
    type State = [u64; 8];
    const BLOCK: usize = 128;
    const OUT: usize = 64;
    const LEN_FIELD: usize = 16;
    const IV: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    fn compress(state: &mut [u64; 8], block: &[u8]) {
        sha2::compress512(state, std::slice::from_ref(GenericArray::from_slice(block)));
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        words64(state, out);
    }
}

fn words32(words: &[u32], out: &mut [u8]) {
    for (chunk, word) in out.chunks_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes()[..chunk.len()]);
    }
}

fn words64(words: &[u64], out: &mut [u8]) {
    for (chunk, word) in out.chunks_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes()[..chunk.len()]);
    }
}

/// The largest block (SHA-384/512), for stack buffers.
const MAX_BLOCK: usize = 128;

/// Hashes `message` onward from `state`, which has already absorbed `done`
/// bytes (a whole number of blocks), with the final padding.
fn finish<H: Compress>(mut state: H::State, done: usize, message: &[u8]) -> H::State {
    let mut blocks = message.chunks_exact(H::BLOCK);
    for block in &mut blocks {
        H::compress(&mut state, block);
    }
    let rest = blocks.remainder();
    let mut tail = [0u8; 2 * MAX_BLOCK];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let end = if rest.len() + 1 + H::LEN_FIELD <= H::BLOCK { H::BLOCK } else { 2 * H::BLOCK };
    let bits = ((done + message.len()) as u128) * 8;
    tail[end - H::LEN_FIELD..end].copy_from_slice(&bits.to_be_bytes()[16 - H::LEN_FIELD..]);
    for block in tail[..end].chunks_exact(H::BLOCK) {
        H::compress(&mut state, block);
    }
    state
}

fn derive_with<H: Compress>(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    // HMAC's key: hashed down when longer than a block, then zero-padded.
    let mut key = [0u8; MAX_BLOCK];
    if password.len() > H::BLOCK {
        H::output(&finish::<H>(H::IV, 0, password), &mut key[..H::OUT]);
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let (mut inner, mut outer) = (H::IV, H::IV);
    let mut pad = [0u8; MAX_BLOCK];
    for (p, k) in pad.iter_mut().zip(&key[..H::BLOCK]) {
        *p = k ^ 0x36;
    }
    H::compress(&mut inner, &pad[..H::BLOCK]);
    for (p, k) in pad.iter_mut().zip(&key[..H::BLOCK]) {
        *p = k ^ 0x5c;
    }
    H::compress(&mut outer, &pad[..H::BLOCK]);

    // From the second iteration on, both hashes see one block: the previous
    // digest, then fixed padding for a message of block + digest bytes.
    let mut block = [0u8; MAX_BLOCK];
    block[H::OUT] = 0x80;
    let bits = ((H::BLOCK + H::OUT) as u128) * 8;
    block[H::BLOCK - H::LEN_FIELD..H::BLOCK].copy_from_slice(&bits.to_be_bytes()[16 - H::LEN_FIELD..]);

    let mut first = Vec::with_capacity(salt.len() + 4);
    for (index, chunk) in out.chunks_mut(H::OUT).enumerate() {
        first.clear();
        first.extend_from_slice(salt);
        first.extend_from_slice(&(index as u32 + 1).to_be_bytes());
        let mut u = [0u8; MAX_BLOCK / 2];
        H::output(&finish::<H>(inner, H::BLOCK, &first), &mut u[..H::OUT]);
        H::output(&finish::<H>(outer, H::BLOCK, &u[..H::OUT]), &mut u[..H::OUT]);
        let mut t = u;
        for _ in 1..iterations {
            block[..H::OUT].copy_from_slice(&u[..H::OUT]);
            let mut state = inner;
            H::compress(&mut state, &block[..H::BLOCK]);
            H::output(&state, &mut block[..H::OUT]);
            state = outer;
            H::compress(&mut state, &block[..H::BLOCK]);
            H::output(&state, &mut u[..H::OUT]);
            for (t, u) in t.iter_mut().zip(&u[..H::OUT]) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// PBKDF2 with HMAC over `hash`, filling `out`. `iterations` ≥ 1; the caller
/// bounds the work.
pub(super) fn derive(
    hash: crate::bindings::nano::platform::crypto::HashAlgorithm,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    use crate::bindings::nano::platform::crypto::HashAlgorithm as H;
    match hash {
        H::Sha1 => derive_with::<Sha1>(password, salt, iterations, out),
        H::Sha256 => derive_with::<Sha256>(password, salt, iterations, out),
        H::Sha384 => derive_with::<Sha384>(password, salt, iterations, out),
        H::Sha512 => derive_with::<Sha512>(password, salt, iterations, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::nano::platform::crypto::HashAlgorithm;

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
