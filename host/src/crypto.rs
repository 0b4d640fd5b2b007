//! `nano:platform/crypto`: Web Crypto in the host, on `ring`. Keys live in
//! the store's resource table; the guest only ever holds a handle.

use crate::bindings::nano::platform::crypto::{CryptoError, HashAlgorithm, Host, HostKey};
use crate::state::State;
use ring::{aead, digest, hkdf, hmac, pbkdf2, rand::SecureRandom};
use wasmtime::component::Resource;

/// A key held by the host for the guest.
pub struct CryptoKey {
    material: Material,
    extractable: bool,
}

enum Material {
    Hmac { key: hmac::Key, raw: Vec<u8> },
    /// Input keying material of HKDF / PBKDF2.
    Derive { raw: Vec<u8> },
    Aes { raw: Vec<u8> },
}

fn digest_algorithm(hash: HashAlgorithm) -> &'static digest::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

fn hmac_algorithm(hash: HashAlgorithm) -> hmac::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
        HashAlgorithm::Sha512 => hmac::HMAC_SHA512,
    }
}

impl State {
    fn key(&self, handle: &Resource<CryptoKey>) -> wasmtime::Result<&CryptoKey> {
        Ok(self.table.get(handle)?)
    }

    fn new_key(&mut self, key: CryptoKey) -> wasmtime::Result<Resource<CryptoKey>> {
        Ok(self.table.push(key)?)
    }

    /// The AES-GCM key and nonce of an AES key resource.
    fn gcm_key(
        &self,
        key: &Resource<CryptoKey>,
        iv: &[u8],
        tag_length_bits: u32,
    ) -> wasmtime::Result<Result<(aead::LessSafeKey, aead::Nonce), CryptoError>> {
        let Material::Aes { raw } = &self.key(key)?.material else { wasmtime::bail!("not an AES key") };
        Ok(gcm_parts(raw, iv, tag_length_bits))
    }

    fn hmac_key(&mut self, hash: HashAlgorithm, raw: Vec<u8>, extractable: bool) -> wasmtime::Result<Resource<CryptoKey>> {
        let key = hmac::Key::new(hmac_algorithm(hash), &raw);
        self.new_key(CryptoKey { material: Material::Hmac { key, raw }, extractable })
    }
}

impl HostKey for State {
    fn export_raw(&mut self, key: Resource<CryptoKey>) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let key = self.key(&key)?;
        if !key.extractable {
            return Ok(Err(CryptoError::InvalidAccess("the key is not extractable".into())));
        }
        Ok(match &key.material {
            Material::Hmac { raw, .. } | Material::Derive { raw } | Material::Aes { raw } => Ok(raw.clone()),
        })
    }

    fn drop(&mut self, key: Resource<CryptoKey>) -> wasmtime::Result<()> {
        self.table.delete(key)?;
        Ok(())
    }
}

impl Host for State {
    fn digest(&mut self, algorithm: HashAlgorithm, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        Ok(digest::digest(digest_algorithm(algorithm), &data).as_ref().to_vec())
    }

    fn hmac_import(
        &mut self,
        hash: HashAlgorithm,
        mut raw: Vec<u8>,
        length_bits: u32,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if raw.is_empty() {
            return Ok(Err(CryptoError::Data("an HMAC key cannot be empty".into())));
        }
        let bits = raw.len() as u64 * 8;
        let length = u64::from(length_bits);
        // The standard allows a length that drops at most the last byte's bits.
        if length_bits != 0 && (length > bits || length <= bits - 8) {
            return Ok(Err(CryptoError::Data(format!("length {length} does not match a {bits}-bit key"))));
        }
        if length_bits != 0 && length % 8 != 0 {
            let keep = 0xffu8 << (8 - length % 8);
            if let Some(last) = raw.last_mut() {
                *last &= keep;
            }
        }
        Ok(Ok(self.hmac_key(hash, raw, extractable)?))
    }

    fn hmac_generate(
        &mut self,
        hash: HashAlgorithm,
        length_bits: u32,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if length_bits == 0 {
            return Ok(Err(CryptoError::Operation("an HMAC key needs a non-zero length".into())));
        }
        let mut raw = vec![0u8; length_bits.div_ceil(8) as usize];
        ring::rand::SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| wasmtime::format_err!("the system random source failed"))?;
        if length_bits % 8 != 0 {
            if let Some(last) = raw.last_mut() {
                *last &= 0xffu8 << (8 - length_bits % 8);
            }
        }
        Ok(Ok(self.hmac_key(hash, raw, extractable)?))
    }

    fn hmac_sign(&mut self, key: Resource<CryptoKey>, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        match &self.key(&key)?.material {
            Material::Hmac { key, .. } => Ok(hmac::sign(key, &data).as_ref().to_vec()),
            _ => wasmtime::bail!("not an HMAC key"), // the guest checks the algorithm first
        }
    }

    fn hmac_verify(&mut self, key: Resource<CryptoKey>, data: Vec<u8>, signature: Vec<u8>) -> wasmtime::Result<bool> {
        match &self.key(&key)?.material {
            Material::Hmac { key, .. } => Ok(hmac::verify(key, &data, &signature).is_ok()),
            _ => wasmtime::bail!("not an HMAC key"),
        }
    }

    fn aes_import(&mut self, raw: Vec<u8>, extractable: bool) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if ![16, 24, 32].contains(&raw.len()) {
            return Ok(Err(CryptoError::Data(format!("an AES key is 128, 192 or 256 bits, not {}", raw.len() * 8))));
        }
        Ok(Ok(self.new_key(CryptoKey { material: Material::Aes { raw }, extractable })?))
    }

    fn aes_generate(&mut self, length_bits: u32, extractable: bool) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if ![128, 192, 256].contains(&length_bits) {
            return Ok(Err(CryptoError::Operation(format!("an AES key is 128, 192 or 256 bits, not {length_bits}"))));
        }
        let mut raw = vec![0u8; length_bits as usize / 8];
        ring::rand::SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| wasmtime::format_err!("the system random source failed"))?;
        Ok(Ok(self.new_key(CryptoKey { material: Material::Aes { raw }, extractable })?))
    }

    fn aes_gcm_encrypt(
        &mut self,
        key: Resource<CryptoKey>,
        iv: Vec<u8>,
        additional_data: Vec<u8>,
        tag_length_bits: u32,
        mut plaintext: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let (key, nonce) = match self.gcm_key(&key, &iv, tag_length_bits)? {
            Ok(parts) => parts,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match key.seal_in_place_append_tag(nonce, aead::Aad::from(additional_data), &mut plaintext) {
            Ok(()) => Ok(plaintext),
            Err(_) => Err(CryptoError::Operation("the plaintext is too long for AES-GCM".into())),
        })
    }

    fn aes_gcm_decrypt(
        &mut self,
        key: Resource<CryptoKey>,
        iv: Vec<u8>,
        additional_data: Vec<u8>,
        tag_length_bits: u32,
        mut ciphertext: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let (key, nonce) = match self.gcm_key(&key, &iv, tag_length_bits)? {
            Ok(parts) => parts,
            Err(e) => return Ok(Err(e)),
        };
        if ciphertext.len() < 16 {
            return Ok(Err(CryptoError::Operation("the ciphertext is shorter than the tag".into())));
        }
        Ok(match key.open_in_place(nonce, aead::Aad::from(additional_data), &mut ciphertext) {
            Ok(plaintext) => Ok(plaintext.to_vec()),
            Err(_) => Err(CryptoError::Operation("decryption failed: the data or the tag is not authentic".into())),
        })
    }

    fn derive_import(&mut self, raw: Vec<u8>) -> wasmtime::Result<Resource<CryptoKey>> {
        self.new_key(CryptoKey { material: Material::Derive { raw }, extractable: false })
    }

    fn hkdf_derive_bits(
        &mut self,
        key: Resource<CryptoKey>,
        hash: HashAlgorithm,
        salt: Vec<u8>,
        info: Vec<u8>,
        length_bits: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let Material::Derive { raw } = &self.key(&key)?.material else { wasmtime::bail!("not an HKDF key") };
        let Some(len) = byte_length(length_bits) else { return Ok(Err(not_whole_bytes(length_bits))) };
        let algorithm = match hash {
            HashAlgorithm::Sha1 => hkdf::HKDF_SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => hkdf::HKDF_SHA256,
            HashAlgorithm::Sha384 => hkdf::HKDF_SHA384,
            HashAlgorithm::Sha512 => hkdf::HKDF_SHA512,
        };
        let prk = hkdf::Salt::new(algorithm, &salt).extract(raw);
        let info = [info.as_slice()];
        let mut out = vec![0u8; len];
        let derived = prk.expand(&info, OutputLength(len)).and_then(|okm| okm.fill(&mut out));
        Ok(match derived {
            Ok(()) => Ok(out),
            Err(_) => Err(CryptoError::Operation(format!("HKDF cannot derive {length_bits} bits with this hash"))),
        })
    }

    fn pbkdf2_derive_bits(
        &mut self,
        key: Resource<CryptoKey>,
        hash: HashAlgorithm,
        salt: Vec<u8>,
        iterations: u32,
        length_bits: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let Material::Derive { raw } = &self.key(&key)?.material else { wasmtime::bail!("not a PBKDF2 key") };
        let Some(len) = byte_length(length_bits) else { return Ok(Err(not_whole_bytes(length_bits))) };
        let Some(iterations) = std::num::NonZeroU32::new(iterations) else {
            return Ok(Err(CryptoError::Operation("PBKDF2 needs at least one iteration".into())));
        };
        let algorithm = match hash {
            HashAlgorithm::Sha1 => pbkdf2::PBKDF2_HMAC_SHA1,
            HashAlgorithm::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            HashAlgorithm::Sha384 => pbkdf2::PBKDF2_HMAC_SHA384,
            HashAlgorithm::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        };
        let mut out = vec![0u8; len];
        pbkdf2::derive(algorithm, iterations, &salt, raw, &mut out);
        Ok(Ok(out))
    }
}

/// ring's AES-GCM key and nonce. ring implements 128- and 256-bit keys with
/// a 96-bit IV and a 128-bit tag; other parameters are not supported yet.
fn gcm_parts(raw: &[u8], iv: &[u8], tag_length_bits: u32) -> Result<(aead::LessSafeKey, aead::Nonce), CryptoError> {
    let algorithm = match raw.len() {
        16 => &aead::AES_128_GCM,
        32 => &aead::AES_256_GCM,
        _ => return Err(CryptoError::NotSupported("AES-GCM with a 192-bit key is not supported yet".into())),
    };
    if tag_length_bits != 128 {
        return Err(CryptoError::NotSupported(format!("AES-GCM tagLength {tag_length_bits} is not supported yet (only 128)")));
    }
    let nonce = aead::Nonce::try_assume_unique_for_key(iv)
        .map_err(|_| CryptoError::NotSupported(format!("an AES-GCM iv of {} bytes is not supported yet (only 12)", iv.len())))?;
    let key = aead::UnboundKey::new(algorithm, raw).map_err(|_| CryptoError::Data("invalid AES key".into()))?;
    Ok((aead::LessSafeKey::new(key), nonce))
}

/// An output length for ring's HKDF.
struct OutputLength(usize);

impl hkdf::KeyType for OutputLength {
    fn len(&self) -> usize {
        self.0
    }
}

fn byte_length(bits: u32) -> Option<usize> {
    (bits % 8 == 0).then_some(bits as usize / 8)
}

fn not_whole_bytes(bits: u32) -> CryptoError {
    CryptoError::Operation(format!("the length must be a multiple of 8 bits, not {bits}"))
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::crypto::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
