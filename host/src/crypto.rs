//! `nano:platform/crypto`: Web Crypto in the host, on `ring`. Keys live in
//! the store's resource table; the guest only ever holds a handle.

use crate::bindings::nano::platform::crypto::{CryptoError, HashAlgorithm, Host, HostKey};
use crate::state::State;
use ring::{digest, hmac, rand::SecureRandom};
use wasmtime::component::Resource;

/// A key held by the host for the guest.
pub struct CryptoKey {
    material: Material,
    extractable: bool,
}

enum Material {
    Hmac { key: hmac::Key, raw: Vec<u8> },
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
            Material::Hmac { raw, .. } => Ok(raw.clone()),
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
        let Material::Hmac { key, .. } = &self.key(&key)?.material;
        Ok(hmac::sign(key, &data).as_ref().to_vec())
    }

    fn hmac_verify(&mut self, key: Resource<CryptoKey>, data: Vec<u8>, signature: Vec<u8>) -> wasmtime::Result<bool> {
        let Material::Hmac { key, .. } = &self.key(&key)?.material;
        Ok(hmac::verify(key, &data, &signature).is_ok())
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::crypto::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
