//! The AES modes of Web Crypto. AES-GCM with 128/256-bit keys, a 96-bit IV
//! and a full tag (what nearly everyone uses) runs on ring; every other GCM
//! shape is NIST SP 800-38D written out here on the `aes` block cipher and
//! `ghash`. CBC is the `cbc` crate, KW `aes-kw`, and CTR is written out
//! because Web Crypto lets the counter be any 1 to 128 rightmost bits of the
//! block, which no ready-made CTR type offers.

use super::CryptoError;
use crate::bindings::nano::platform::crypto::{AesMode, CtrParams, GcmParams};
use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use ghash::universal_hash::UniversalHash;
use ring::aead;

pub fn encrypt(raw: &[u8], mode: AesMode, data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    match mode {
        AesMode::Gcm(params) => gcm_encrypt(raw, &params, data),
        AesMode::Cbc(iv) => cbc_encrypt(raw, &iv, &data),
        AesMode::Ctr(params) => ctr(raw, &params, data),
        AesMode::Kw => kw_wrap(raw, &data),
    }
}

pub fn decrypt(raw: &[u8], mode: AesMode, data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    match mode {
        AesMode::Gcm(params) => gcm_decrypt(raw, &params, data),
        AesMode::Cbc(iv) => cbc_decrypt(raw, &iv, &data),
        AesMode::Ctr(params) => ctr(raw, &params, data),
        AesMode::Kw => kw_unwrap(raw, &data),
    }
}

/// The block cipher for a key of any of the three sizes.
enum Cipher {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

type Block = GenericArray<u8, aes::cipher::consts::U16>;

impl Cipher {
    fn new(raw: &[u8]) -> Result<Self, CryptoError> {
        let invalid = |_| CryptoError::Data(format!("an AES key is 128, 192 or 256 bits, not {}", raw.len() * 8));
        Ok(match raw.len() {
            16 => Cipher::A128(aes::Aes128::new_from_slice(raw).map_err(invalid)?),
            24 => Cipher::A192(aes::Aes192::new_from_slice(raw).map_err(invalid)?),
            _ => Cipher::A256(aes::Aes256::new_from_slice(raw).map_err(invalid)?),
        })
    }

    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            Cipher::A128(c) => c.encrypt_blocks(blocks),
            Cipher::A192(c) => c.encrypt_blocks(blocks),
            Cipher::A256(c) => c.encrypt_blocks(blocks),
        }
    }

    fn encrypt_block(&self, block: [u8; 16]) -> [u8; 16] {
        let mut blocks = [Block::from(block)];
        self.encrypt_blocks(&mut blocks);
        blocks[0].into()
    }
}

/// XORs `data` with the key stream of the counter blocks `counter(0)`,
/// `counter(1)`, ..., encrypting a batch of blocks at a time.
fn apply_keystream(cipher: &Cipher, data: &mut [u8], counter: impl Fn(u128) -> u128) {
    const BATCH: usize = 32;
    let mut blocks = [Block::default(); BATCH];
    let mut index = 0u128;
    for chunk in data.chunks_mut(16 * BATCH) {
        let count = chunk.len().div_ceil(16);
        for block in blocks.iter_mut().take(count) {
            block.copy_from_slice(&counter(index).to_be_bytes());
            index += 1;
        }
        cipher.encrypt_blocks(&mut blocks[..count]);
        for (bytes, block) in chunk.chunks_mut(16).zip(blocks.iter()) {
            for (byte, key) in bytes.iter_mut().zip(block.iter()) {
                *byte ^= key;
            }
        }
    }
}

/// ring's key and nonce when ring implements these parameters.
fn ring_gcm(raw: &[u8], params: &GcmParams) -> Option<(aead::LessSafeKey, aead::Nonce)> {
    let algorithm = match raw.len() {
        16 => &aead::AES_128_GCM,
        32 => &aead::AES_256_GCM,
        _ => return None,
    };
    if params.tag_length_bits != 128 {
        return None;
    }
    let nonce = aead::Nonce::try_assume_unique_for_key(&params.iv).ok()?;
    let key = aead::UnboundKey::new(algorithm, raw).ok()?;
    Some((aead::LessSafeKey::new(key), nonce))
}

fn tag_bytes(params: &GcmParams) -> Result<usize, CryptoError> {
    match params.tag_length_bits {
        32 | 64 | 96 | 104 | 112 | 120 | 128 => Ok(params.tag_length_bits as usize / 8),
        bits => {
            Err(CryptoError::Operation(format!("an AES-GCM tag is 32, 64, 96, 104, 112, 120 or 128 bits, not {bits}")))
        }
    }
}

fn gcm_encrypt(raw: &[u8], params: &GcmParams, mut data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    if let Some((key, nonce)) = ring_gcm(raw, params) {
        return match key.seal_in_place_append_tag(nonce, aead::Aad::from(&params.additional_data), &mut data) {
            Ok(()) => Ok(data),
            Err(_) => Err(CryptoError::Operation("the plaintext is too long for AES-GCM".into())),
        };
    }
    let tag_len = tag_bytes(params)?;
    let gcm = Gcm::new(raw, &params.iv)?;
    gcm.apply(&mut data);
    let tag = gcm.tag(&params.additional_data, &data);
    data.extend_from_slice(&tag[..tag_len]);
    Ok(data)
}

fn gcm_decrypt(raw: &[u8], params: &GcmParams, mut data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    let tag_len = tag_bytes(params)?;
    if data.len() < tag_len {
        return Err(CryptoError::Operation("the ciphertext is shorter than the tag".into()));
    }
    let not_authentic = || CryptoError::Operation("decryption failed: the data or the tag is not authentic".into());
    if let Some((key, nonce)) = ring_gcm(raw, params) {
        return match key.open_in_place(nonce, aead::Aad::from(&params.additional_data), &mut data) {
            Ok(plaintext) => {
                let len = plaintext.len();
                data.truncate(len);
                Ok(data)
            }
            Err(_) => Err(not_authentic()),
        };
    }
    let gcm = Gcm::new(raw, &params.iv)?;
    let tag = data.split_off(data.len() - tag_len);
    let expected = gcm.tag(&params.additional_data, &data);
    // Constant time: every byte is looked at whatever the first mismatch.
    let difference = tag.iter().zip(expected.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference != 0 {
        return Err(not_authentic());
    }
    gcm.apply(&mut data);
    Ok(data)
}

/// GCM (NIST SP 800-38D) for the parameters ring does not take: 192-bit
/// keys, IVs of any length, short tags.
struct Gcm {
    cipher: Cipher,
    /// The hash subkey H = E(K, 0^128).
    h: [u8; 16],
    /// The pre-counter block J0.
    j0: u128,
}

impl Gcm {
    fn new(raw: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        if iv.is_empty() {
            return Err(CryptoError::Operation("the AES-GCM iv cannot be empty".into()));
        }
        let cipher = Cipher::new(raw)?;
        let h = cipher.encrypt_block([0; 16]);
        let j0 = if iv.len() == 12 {
            let mut block = [0u8; 16];
            block[..12].copy_from_slice(iv);
            block[15] = 1;
            u128::from_be_bytes(block)
        } else {
            // J0 = GHASH(IV || 0-padding || 0^64 || [len(IV) in bits]_64).
            let mut ghash = ghash::GHash::new(&h.into());
            ghash.update_padded(iv);
            let lengths = (iv.len() as u128 * 8).to_be_bytes();
            ghash.update(&[lengths.into()]);
            u128::from_be_bytes(ghash.finalize().into())
        };
        Ok(Gcm { cipher, h, j0 })
    }

    /// GCTR from inc32(J0): encryption and decryption alike.
    fn apply(&self, data: &mut [u8]) {
        let j0 = self.j0;
        apply_keystream(&self.cipher, data, |i| inc32(j0, i + 1));
    }

    /// The full 16-byte tag over the additional data and the ciphertext.
    fn tag(&self, additional_data: &[u8], ciphertext: &[u8]) -> [u8; 16] {
        let mut ghash = ghash::GHash::new(&self.h.into());
        ghash.update_padded(additional_data);
        ghash.update_padded(ciphertext);
        let lengths = ((additional_data.len() as u128 * 8) << 64) | (ciphertext.len() as u128 * 8);
        ghash.update(&[lengths.to_be_bytes().into()]);
        let s: [u8; 16] = ghash.finalize().into();
        let mask = self.cipher.encrypt_block(self.j0.to_be_bytes());
        std::array::from_fn(|i| s[i] ^ mask[i])
    }
}

/// The counter block `j0` advanced by `n` in its low 32 bits (mod 2^32).
fn inc32(j0: u128, n: u128) -> u128 {
    let low = (j0 as u32).wrapping_add(n as u32);
    (j0 & !0xffff_ffffu128) | u128::from(low)
}

fn cbc_iv(iv: &[u8]) -> Result<(), CryptoError> {
    if iv.len() != 16 {
        return Err(CryptoError::Operation(format!("the AES-CBC iv is 16 bytes, not {}", iv.len())));
    }
    Ok(())
}

fn cbc_encrypt(raw: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    cbc_iv(iv)?;
    let invalid = |_| CryptoError::Data("invalid AES key".into());
    Ok(match raw.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .encrypt_padded_vec_mut::<Pkcs7>(data),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .encrypt_padded_vec_mut::<Pkcs7>(data),
        _ => cbc::Encryptor::<aes::Aes256>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .encrypt_padded_vec_mut::<Pkcs7>(data),
    })
}

fn cbc_decrypt(raw: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    cbc_iv(iv)?;
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err(CryptoError::Operation(format!(
            "an AES-CBC ciphertext is whole 16-byte blocks, not {} bytes",
            data.len()
        )));
    }
    let invalid = |_| CryptoError::Data("invalid AES key".into());
    let plaintext = match raw.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(raw, iv)
            .map_err(invalid)?
            .decrypt_padded_vec_mut::<Pkcs7>(data),
    };
    plaintext.map_err(|_| CryptoError::Operation("decryption failed: bad PKCS#7 padding".into()))
}

/// AES-CTR (SP 800-38A) where only the rightmost `length-bits` bits of the
/// counter block count, wrapping around within them; encrypts and decrypts.
fn ctr(raw: &[u8], params: &CtrParams, mut data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    let Ok(counter) = <[u8; 16]>::try_from(params.counter.as_slice()) else {
        return Err(CryptoError::Operation(format!("the AES-CTR counter is 16 bytes, not {}", params.counter.len())));
    };
    let bits = params.length_bits;
    if bits == 0 || bits > 128 {
        return Err(CryptoError::Operation(format!("the AES-CTR length is 1 to 128 bits, not {bits}")));
    }
    // More blocks than counter values would reuse the key stream.
    let blocks = data.len().div_ceil(16) as u128;
    if bits < 128 && blocks > 1u128 << bits {
        return Err(CryptoError::Operation(format!("{blocks} blocks need more than a {bits}-bit counter")));
    }
    let cipher = Cipher::new(raw)?;
    let start = u128::from_be_bytes(counter);
    let mask = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    apply_keystream(&cipher, &mut data, |i| (start & !mask) | (start.wrapping_add(i) & mask));
    Ok(data)
}

fn kw_wrap(raw: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !data.len().is_multiple_of(8) || data.len() < 16 {
        return Err(CryptoError::Operation(format!(
            "AES-KW wraps a multiple of 8 bytes, at least 16, not {}",
            data.len()
        )));
    }
    let wrapped = match raw.len() {
        16 => aes_kw::KekAes128::try_from(raw).and_then(|kek| kek.wrap_vec(data)),
        24 => aes_kw::KekAes192::try_from(raw).and_then(|kek| kek.wrap_vec(data)),
        _ => aes_kw::KekAes256::try_from(raw).and_then(|kek| kek.wrap_vec(data)),
    };
    wrapped.map_err(|e| CryptoError::Operation(format!("AES-KW wrap failed: {e}")))
}

fn kw_unwrap(raw: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if !data.len().is_multiple_of(8) || data.len() < 24 {
        return Err(CryptoError::Operation(format!(
            "an AES-KW wrapped key is a multiple of 8 bytes, at least 24, not {}",
            data.len()
        )));
    }
    let unwrapped = match raw.len() {
        16 => aes_kw::KekAes128::try_from(raw).and_then(|kek| kek.unwrap_vec(data)),
        24 => aes_kw::KekAes192::try_from(raw).and_then(|kek| kek.unwrap_vec(data)),
        _ => aes_kw::KekAes256::try_from(raw).and_then(|kek| kek.unwrap_vec(data)),
    };
    unwrapped.map_err(|_| CryptoError::Operation("AES-KW unwrap failed: the integrity check does not match".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn the_written_out_gcm_matches_ring() {
        // Same parameters through both paths: ring's, and ours with the
        // 96-bit IV (ring_gcm is skipped by asking for a 120-bit tag, then
        // the first 15 bytes of the tag must agree).
        let key = hex("feffe9928665731c6d6a8f9467308308");
        let iv = hex("cafebabefacedbaddecaf888");
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let data = b"a plaintext that is longer than one block".to_vec();
        let full = GcmParams { iv: iv.clone(), additional_data: aad.clone(), tag_length_bits: 128 };
        let short = GcmParams { iv, additional_data: aad, tag_length_bits: 120 };
        let ring = gcm_encrypt(&key, &full, data.clone()).unwrap();
        let ours = gcm_encrypt(&key, &short, data.clone()).unwrap();
        assert_eq!(ring[..ring.len() - 1], ours[..]);
        assert_eq!(gcm_decrypt(&key, &short, ours).unwrap(), data);
    }

    #[test]
    fn ctr_wraps_within_the_counter_bits() {
        let key = [7u8; 16];
        // A 2-bit counter starting at 3: blocks use 3, 0, 1, 2 in the low bits.
        let mut counter = [0xaau8; 16];
        counter[15] = 0xab; // low two bits 11
        let params = CtrParams { counter: counter.to_vec(), length_bits: 2 };
        let out = ctr(&key, &params, vec![0u8; 64]).unwrap();
        let cipher = Cipher::new(&key).unwrap();
        for (i, low) in [3u8, 0, 1, 2].iter().enumerate() {
            let mut block = counter;
            block[15] = (counter[15] & !3) | low;
            assert_eq!(out[i * 16..i * 16 + 16], cipher.encrypt_block(block), "block {i}");
        }
        assert!(ctr(&key, &params, vec![0u8; 65]).is_err(), "five blocks reuse a 2-bit counter");
    }
}
