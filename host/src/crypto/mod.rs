//! `nano:platform/crypto`: Web Crypto in the host. Keys live in the store's
//! resource table; the guest only ever holds a handle. Digests, HMAC, HKDF
//! and the common AES-GCM case run on `ring`; the rest is in the
//! submodules, one per key family: `aes` (GCM beyond ring, CBC, CTR, KW),
//! `ec` (ECDSA / ECDH on the NIST curves), `okp` (Ed25519 / X25519 /
//! Ed448 / X448) and `rsa` (PKCS#1 v1.5, PSS, OAEP), and `pbkdf2` (on the
//! bare SHA compression functions, for speed).

mod aes;
mod ec;
mod okp;
mod pbkdf2;
mod rsa;

use crate::bindings::nano::platform::crypto::{
    AesMode, CryptoError, HashAlgorithm, Host, HostDigestContext, HostKey, JwkMember, KeyDerivation, KeyFormat,
    KeyInfo, KeyKind, SecretKeyType, SignatureScheme, UnwrapMode, UnwrapTarget,
};
use crate::state::State;
use ring::{digest, hkdf, hmac, rand::SecureRandom};
use std::sync::Arc;
use wasmtime::component::Resource;

/// A key held by the host for the guest.
pub struct CryptoKey {
    material: Material,
    extractable: bool,
    /// What it was charged to the instance's host budget.
    charge: usize,
}

/// The longest secret key (HMAC, HKDF or PBKDF2 material) an instance may
/// import or generate: far above any real key (a longer HMAC key is hashed
/// down anyway), and each one is host memory.
const MAX_SECRET_BYTES: usize = 64 << 10;

/// What a digest context costs the budget (ring's state and its box).
const DIGEST_CONTEXT_BYTES: usize = 512;

/// Roughly what a key holds in host memory, for the budget.
fn host_bytes(material: &Material) -> usize {
    const OVERHEAD: usize = 256;
    OVERHEAD
        + match material {
            // ring keeps the inner and outer hash states besides the bytes.
            Material::Hmac { raw, .. } => raw.len() + 512,
            Material::Derive { raw } | Material::Aes { raw } => raw.len(),
            // n, d, the primes, their exponents and Montgomery forms.
            Material::Asymmetric(key) if key.kind() == KeyKind::Rsa => key.info().modulus_length as usize / 8 * 12,
            Material::Asymmetric(_) => 1024,
        }
}

fn over_budget(e: crate::budget::OverBudget) -> CryptoError {
    CryptoError::QuotaExceeded(e.to_string())
}

/// Host work too long for an async worker thread (PBKDF2, RSA key
/// generation: up to a second each) runs on tokio's blocking pool, at most
/// one job per core at once. The instance waits without holding a worker, so
/// other requests, its own time limit and shutdown still act; a job whose
/// instance was stopped finishes on its own (its cost is bounded) and holds
/// its place until then. The job's time is the instance's CPU time: `cpu`
/// is charged with it, so `cpu_ms` stops an app that loops on such calls.
async fn offload<R: Send + 'static>(
    cpu: &Arc<crate::deadline::CpuClock>,
    job: impl FnOnce() -> R + Send + 'static,
) -> wasmtime::Result<R> {
    use std::sync::OnceLock;
    static PLACES: OnceLock<Arc<tokio::sync::Semaphore>> = OnceLock::new();
    let places = PLACES.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(tokio::sync::Semaphore::new(cores))
    });
    let place = places.clone().acquire_owned().await?;
    let cpu = cpu.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let _place = place;
        let started = std::time::Instant::now();
        let result = job();
        cpu.charge(started.elapsed());
        result
    })
    .await?)
}

enum Material {
    Hmac {
        key: hmac::Key,
        raw: Vec<u8>,
    },
    /// Input keying material of HKDF / PBKDF2.
    Derive {
        raw: Vec<u8>,
    },
    Aes {
        raw: Vec<u8>,
    },
    /// An EC, Curve25519 or RSA key, public or private.
    Asymmetric(Box<dyn Asymmetric>),
}

/// What every asymmetric key type implements. Guest data reaching these is
/// checked; failures are `CryptoError`s, never panics.
trait Asymmetric: Send + Sync {
    fn kind(&self) -> KeyKind;
    fn is_private(&self) -> bool;
    /// The encodings; `raw` only for public keys.
    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError>;
    fn export_jwk(&self) -> Vec<JwkMember>;
    fn info(&self) -> KeyInfo {
        KeyInfo { private: self.is_private(), length_bits: 0, modulus_length: 0, public_exponent: Vec::new() }
    }
    fn sign(&self, _scheme: &SignatureScheme, _data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::InvalidAccess("this key cannot sign".into()))
    }
    fn verify(&self, _scheme: &SignatureScheme, _data: &[u8], _signature: &[u8]) -> Result<bool, CryptoError> {
        Err(CryptoError::InvalidAccess("this key cannot verify".into()))
    }
    /// The public key's `raw` bytes, for the peer side of a key agreement.
    fn public_bytes(&self) -> Vec<u8>;
    /// Key agreement with the peer's public key bytes (same kind).
    fn agree(&self, _peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Err(CryptoError::InvalidAccess("this key cannot derive".into()))
    }
    fn as_rsa(&self) -> Option<&rsa::RsaKey> {
        None
    }
}

/// An incremental digest for `crypto.DigestStream`.
pub struct DigestContext(digest::Context);

fn digest_algorithm(hash: HashAlgorithm) -> &'static digest::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

fn hash_bytes(hash: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    digest::digest(digest_algorithm(hash), data).as_ref().to_vec()
}

fn hmac_algorithm(hash: HashAlgorithm) -> hmac::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
        HashAlgorithm::Sha512 => hmac::HMAC_SHA512,
    }
}

fn random_bytes(len: usize) -> wasmtime::Result<Vec<u8>> {
    let mut raw = vec![0u8; len];
    ring::rand::SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| wasmtime::format_err!("the system random source failed"))?;
    Ok(raw)
}

/// The member `name` of a JWK, or a data error naming it.
fn jwk_member<'a>(members: &'a [JwkMember], name: &str) -> Result<&'a [u8], CryptoError> {
    members
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.value.as_slice())
        .ok_or_else(|| CryptoError::Data(format!("the JWK has no \"{name}\"")))
}

fn jwk_optional<'a>(members: &'a [JwkMember], name: &str) -> Option<&'a [u8]> {
    members.iter().find(|m| m.name == name).map(|m| m.value.as_slice())
}

fn member(name: &str, value: impl Into<Vec<u8>>) -> JwkMember {
    JwkMember { name: name.into(), value: value.into() }
}

impl State {
    fn key(&self, handle: &Resource<CryptoKey>) -> wasmtime::Result<&CryptoKey> {
        Ok(self.table.get(handle)?)
    }

    /// Charges the key to the budget, then hands it to the guest.
    fn new_key(
        &mut self,
        material: Material,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let charge = host_bytes(&material);
        if let Err(e) = self.budget.charge(charge) {
            return Ok(Err(over_budget(e)));
        }
        Ok(Ok(self.table.push(CryptoKey { material, extractable, charge })?))
    }

    fn asymmetric(&self, handle: &Resource<CryptoKey>) -> wasmtime::Result<Result<&dyn Asymmetric, CryptoError>> {
        Ok(match &self.key(handle)?.material {
            Material::Asymmetric(key) => Ok(key.as_ref()),
            _ => Err(CryptoError::InvalidAccess("not an asymmetric key".into())),
        })
    }

    fn hmac_key(
        &mut self,
        hash: HashAlgorithm,
        raw: Vec<u8>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let key = hmac::Key::new(hmac_algorithm(hash), &raw);
        self.new_key(Material::Hmac { key, raw }, extractable)
    }

    /// A secret key made of bytes that stay in the host (deriveKey, unwrapKey).
    fn secret_key(
        &mut self,
        target: SecretKeyType,
        raw: Vec<u8>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        match target {
            SecretKeyType::Hmac(t) => Host::hmac_import(self, t.hash, raw, t.length_bits, extractable),
            SecretKeyType::Aes => Host::aes_import(self, raw, extractable),
            SecretKeyType::Derive => Host::derive_import(self, raw),
        }
    }

    fn asymmetric_key(
        &mut self,
        key: Result<Box<dyn Asymmetric>, CryptoError>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        match key {
            Ok(key) => self.new_key(Material::Asymmetric(key), extractable),
            Err(e) => Ok(Err(e)),
        }
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
            Material::Asymmetric(key) => key.export(KeyFormat::Raw),
        })
    }

    fn export(
        &mut self,
        key: Resource<CryptoKey>,
        format: KeyFormat,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let key = self.key(&key)?;
        if !key.extractable {
            return Ok(Err(CryptoError::InvalidAccess("the key is not extractable".into())));
        }
        Ok(match &key.material {
            Material::Asymmetric(key) => key.export(format),
            _ => Err(CryptoError::NotSupported(format!("a secret key has no {format:?} encoding"))),
        })
    }

    fn export_jwk(&mut self, key: Resource<CryptoKey>) -> wasmtime::Result<Result<Vec<JwkMember>, CryptoError>> {
        let key = self.key(&key)?;
        if !key.extractable {
            return Ok(Err(CryptoError::InvalidAccess("the key is not extractable".into())));
        }
        Ok(match &key.material {
            Material::Asymmetric(key) => Ok(key.export_jwk()),
            _ => Err(CryptoError::NotSupported("secret keys export as raw".into())),
        })
    }

    fn info(&mut self, key: Resource<CryptoKey>) -> wasmtime::Result<KeyInfo> {
        let secret = |raw: &Vec<u8>| KeyInfo {
            private: false,
            length_bits: raw.len() as u32 * 8,
            modulus_length: 0,
            public_exponent: Vec::new(),
        };
        Ok(match &self.key(&key)?.material {
            Material::Asymmetric(key) => key.info(),
            Material::Hmac { raw, .. } | Material::Derive { raw } | Material::Aes { raw } => secret(raw),
        })
    }

    fn drop(&mut self, key: Resource<CryptoKey>) -> wasmtime::Result<()> {
        let key = self.table.delete(key)?;
        self.budget.release(key.charge);
        Ok(())
    }
}

impl HostDigestContext for State {
    fn update(&mut self, context: Resource<DigestContext>, data: Vec<u8>) -> wasmtime::Result<()> {
        self.table.get_mut(&context)?.0.update(&data);
        Ok(())
    }

    fn finish(&mut self, context: Resource<DigestContext>) -> wasmtime::Result<Vec<u8>> {
        let context = &mut self.table.get_mut(&context)?.0;
        let fresh = digest::Context::new(context.algorithm());
        Ok(std::mem::replace(context, fresh).finish().as_ref().to_vec())
    }

    fn drop(&mut self, context: Resource<DigestContext>) -> wasmtime::Result<()> {
        self.table.delete(context)?;
        self.budget.release(DIGEST_CONTEXT_BYTES);
        Ok(())
    }
}

impl Host for State {
    fn digest_new(
        &mut self,
        algorithm: HashAlgorithm,
    ) -> wasmtime::Result<Result<Resource<DigestContext>, CryptoError>> {
        if let Err(e) = self.budget.charge(DIGEST_CONTEXT_BYTES) {
            return Ok(Err(over_budget(e)));
        }
        Ok(Ok(self.table.push(DigestContext(digest::Context::new(digest_algorithm(algorithm))))?))
    }

    fn digest(&mut self, algorithm: HashAlgorithm, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        Ok(hash_bytes(algorithm, &data))
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
        if raw.len() > MAX_SECRET_BYTES {
            return Ok(Err(CryptoError::Data(format!(
                "HMAC keys longer than {MAX_SECRET_BYTES} bytes are not supported"
            ))));
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
        self.hmac_key(hash, raw, extractable)
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
        if length_bits.div_ceil(8) as usize > MAX_SECRET_BYTES {
            return Ok(Err(CryptoError::Operation(format!(
                "HMAC keys longer than {} bits are not supported, not {length_bits}",
                MAX_SECRET_BYTES * 8
            ))));
        }
        let mut raw = random_bytes(length_bits.div_ceil(8) as usize)?;
        if !length_bits.is_multiple_of(8) {
            if let Some(last) = raw.last_mut() {
                *last &= 0xffu8 << (8 - length_bits % 8);
            }
        }
        self.hmac_key(hash, raw, extractable)
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

    fn aes_import(
        &mut self,
        raw: Vec<u8>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if ![16, 24, 32].contains(&raw.len()) {
            return Ok(Err(CryptoError::Data(format!("an AES key is 128, 192 or 256 bits, not {}", raw.len() * 8))));
        }
        self.new_key(Material::Aes { raw }, extractable)
    }

    fn aes_generate(
        &mut self,
        length_bits: u32,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if ![128, 192, 256].contains(&length_bits) {
            return Ok(Err(CryptoError::Operation(format!("an AES key is 128, 192 or 256 bits, not {length_bits}"))));
        }
        let raw = random_bytes(length_bits as usize / 8)?;
        self.new_key(Material::Aes { raw }, extractable)
    }

    fn aes_encrypt(
        &mut self,
        key: Resource<CryptoKey>,
        mode: AesMode,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let Material::Aes { raw } = &self.key(&key)?.material else {
            return Ok(Err(CryptoError::InvalidAccess("not an AES key".into())));
        };
        Ok(aes::encrypt(raw, mode, data))
    }

    fn aes_decrypt(
        &mut self,
        key: Resource<CryptoKey>,
        mode: AesMode,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let Material::Aes { raw } = &self.key(&key)?.material else {
            return Ok(Err(CryptoError::InvalidAccess("not an AES key".into())));
        };
        Ok(aes::decrypt(raw, mode, data))
    }

    fn derive_import(&mut self, raw: Vec<u8>) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        if raw.len() > MAX_SECRET_BYTES {
            return Ok(Err(CryptoError::Data(format!(
                "key material longer than {MAX_SECRET_BYTES} bytes is not supported"
            ))));
        }
        self.new_key(Material::Derive { raw }, false)
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
        // HKDF yields at most 255 hash lengths; checked before allocating.
        if len > 255 * digest_algorithm(hash).output_len() {
            return Ok(Err(CryptoError::Operation(format!("HKDF cannot derive {length_bits} bits with this hash"))));
        }
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

    async fn pbkdf2_derive_bits(
        &mut self,
        key: Resource<CryptoKey>,
        hash: HashAlgorithm,
        salt: Vec<u8>,
        iterations: u32,
        length_bits: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let Material::Derive { raw } = &self.key(&key)?.material else { wasmtime::bail!("not a PBKDF2 key") };
        let job = match pbkdf2_job(raw.clone(), hash, salt, iterations, length_bits) {
            Ok(job) => job,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(offload(&self.cpu, job).await?))
    }

    async fn generate_key_pair(
        &mut self,
        kind: KeyKind,
        modulus_length: u32,
        public_exponent: Vec<u8>,
        extractable: bool,
    ) -> wasmtime::Result<Result<(Resource<CryptoKey>, Resource<CryptoKey>), CryptoError>> {
        let pair = match kind {
            KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => ec::generate(kind),
            KeyKind::Ed25519 | KeyKind::X25519 | KeyKind::Ed448 | KeyKind::X448 => okp::generate(kind),
            // Up to a second for 4,096 bits: off the async workers.
            KeyKind::Rsa => offload(&self.cpu, move || rsa::generate(modulus_length, &public_exponent)).await?,
        };
        let (public, private) = match pair {
            Ok(pair) => pair,
            Err(e) => return Ok(Err(e)),
        };
        let public = match self.new_key(Material::Asymmetric(public), true)? {
            Ok(public) => public,
            Err(e) => return Ok(Err(e)),
        };
        match self.new_key(Material::Asymmetric(private), extractable)? {
            Ok(private) => Ok(Ok((public, private))),
            Err(e) => {
                HostKey::drop(self, public)?;
                Ok(Err(e))
            }
        }
    }

    fn import_key(
        &mut self,
        kind: KeyKind,
        format: KeyFormat,
        data: Vec<u8>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let key = match kind {
            KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => ec::import(kind, format, &data),
            KeyKind::Ed25519 | KeyKind::X25519 | KeyKind::Ed448 | KeyKind::X448 => okp::import(kind, format, &data),
            KeyKind::Rsa => rsa::import(format, &data),
        };
        self.asymmetric_key(key, extractable)
    }

    fn import_jwk(
        &mut self,
        kind: KeyKind,
        members: Vec<JwkMember>,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let key = match kind {
            KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => ec::import_jwk(kind, &members),
            KeyKind::Ed25519 | KeyKind::X25519 | KeyKind::Ed448 | KeyKind::X448 => okp::import_jwk(kind, &members),
            KeyKind::Rsa => rsa::import_jwk(&members),
        };
        self.asymmetric_key(key, extractable)
    }

    fn sign(
        &mut self,
        key: Resource<CryptoKey>,
        scheme: SignatureScheme,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        Ok(self.asymmetric(&key)?.and_then(|key| key.sign(&scheme, &data)))
    }

    fn verify(
        &mut self,
        key: Resource<CryptoKey>,
        scheme: SignatureScheme,
        data: Vec<u8>,
        signature: Vec<u8>,
    ) -> wasmtime::Result<Result<bool, CryptoError>> {
        Ok(self.asymmetric(&key)?.and_then(|key| key.verify(&scheme, &data, &signature)))
    }

    fn derive_shared_secret(
        &mut self,
        private: Resource<CryptoKey>,
        public: Resource<CryptoKey>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        let peer = match self.asymmetric(&public)? {
            Ok(peer) if !peer.is_private() => (peer.kind(), peer.public_bytes()),
            Ok(_) => return Ok(Err(CryptoError::InvalidAccess("the public member must be a public key".into()))),
            Err(e) => return Ok(Err(e)),
        };
        Ok(self.asymmetric(&private)?.and_then(|key| {
            if !key.is_private() {
                return Err(CryptoError::InvalidAccess("the base key must be a private key".into()));
            }
            if key.kind() != peer.0 {
                return Err(CryptoError::InvalidAccess(format!(
                    "the public key is {:?}, the private key {:?}",
                    peer.0,
                    key.kind()
                )));
            }
            key.agree(&peer.1)
        }))
    }

    async fn derive_key(
        &mut self,
        base: Resource<CryptoKey>,
        derivation: KeyDerivation,
        peer: Option<Resource<CryptoKey>>,
        length_bits: u32,
        target: SecretKeyType,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let bits = match derivation {
            KeyDerivation::Hkdf(p) => self.hkdf_derive_bits(base, p.hash, p.salt, p.info, length_bits)?,
            KeyDerivation::Pbkdf2(p) => {
                self.pbkdf2_derive_bits(base, p.hash, p.salt, p.iterations, length_bits).await?
            }
            KeyDerivation::Agreement => match peer {
                Some(peer) => {
                    self.derive_shared_secret(base, peer)?.and_then(|secret| leading_bits(secret, length_bits))
                }
                None => Err(CryptoError::InvalidAccess("a key agreement needs the peer's public key".into())),
            },
        };
        match bits {
            Ok(bits) => self.secret_key(target, bits, extractable),
            Err(e) => Ok(Err(e)),
        }
    }

    fn unwrap_key(
        &mut self,
        unwrapping_key: Resource<CryptoKey>,
        mode: UnwrapMode,
        wrapped: Vec<u8>,
        target: UnwrapTarget,
        extractable: bool,
    ) -> wasmtime::Result<Result<Resource<CryptoKey>, CryptoError>> {
        let bytes = match mode {
            UnwrapMode::Aes(mode) => self.aes_decrypt(unwrapping_key, mode, wrapped)?,
            UnwrapMode::RsaOaep(p) => self.rsa_oaep_decrypt(unwrapping_key, p.hash, p.label, wrapped)?,
        };
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(e) => return Ok(Err(e)),
        };
        match target {
            UnwrapTarget::Secret(target) => self.secret_key(target, bytes, extractable),
            UnwrapTarget::Asymmetric(t) => self.import_key(t.kind, t.format, bytes, extractable),
        }
    }

    fn rsa_oaep_encrypt(
        &mut self,
        key: Resource<CryptoKey>,
        hash: HashAlgorithm,
        label: Vec<u8>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        Ok(self.asymmetric(&key)?.and_then(|key| match key.as_rsa() {
            Some(rsa) => rsa.oaep_encrypt(hash, &label, &data),
            None => Err(CryptoError::InvalidAccess("not an RSA key".into())),
        }))
    }

    fn rsa_oaep_decrypt(
        &mut self,
        key: Resource<CryptoKey>,
        hash: HashAlgorithm,
        label: Vec<u8>,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        Ok(self.asymmetric(&key)?.and_then(|key| match key.as_rsa() {
            Some(rsa) => rsa.oaep_decrypt(hash, &label, &data),
            None => Err(CryptoError::InvalidAccess("not an RSA key".into())),
        }))
    }
}

/// PBKDF2 runs in one host call, which the instance's time limit cannot
/// stop; a million iterations (above OWASP's 600,000 for SHA-256) take well
/// under a second.
const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;

/// Each block of PBKDF2 output costs every iteration again: the work of one
/// call (iterations × output blocks) is capped at two blocks of the largest
/// iteration count, ≈ 1 s of one core.
const MAX_PBKDF2_WORK: u64 = 2 * MAX_PBKDF2_ITERATIONS as u64;

/// The checked PBKDF2 derivation, ready to run off the async workers.
fn pbkdf2_job(
    password: Vec<u8>,
    hash: HashAlgorithm,
    salt: Vec<u8>,
    iterations: u32,
    length_bits: u32,
) -> Result<impl FnOnce() -> Vec<u8> + Send + 'static, CryptoError> {
    let Some(len) = byte_length(length_bits) else { return Err(not_whole_bytes(length_bits)) };
    // The output is host memory outside the budget until the guest has it.
    if len > MAX_SECRET_BYTES {
        return Err(CryptoError::NotSupported(format!(
            "PBKDF2 output longer than {} bits is not supported, not {length_bits}",
            MAX_SECRET_BYTES * 8
        )));
    }
    let Some(iterations) = std::num::NonZeroU32::new(iterations) else {
        return Err(CryptoError::Operation("PBKDF2 needs at least one iteration".into()));
    };
    if iterations.get() > MAX_PBKDF2_ITERATIONS {
        return Err(CryptoError::NotSupported(format!(
            "PBKDF2 with more than {MAX_PBKDF2_ITERATIONS} iterations is not supported, not {iterations}"
        )));
    }
    let block = digest_algorithm(hash).output_len();
    let work = (len.div_ceil(block) as u64).max(1) * u64::from(iterations.get());
    if work > MAX_PBKDF2_WORK {
        return Err(CryptoError::NotSupported(format!(
            "PBKDF2 of {length_bits} bits with {iterations} iterations is over the host's limit \
             (output blocks × iterations at most {MAX_PBKDF2_WORK})"
        )));
    }
    Ok(move || {
        let mut out = vec![0u8; len];
        pbkdf2::derive(hash, &password, &salt, iterations.get(), &mut out);
        out
    })
}

/// An output length for ring's HKDF.
struct OutputLength(usize);

impl hkdf::KeyType for OutputLength {
    fn len(&self) -> usize {
        self.0
    }
}

/// The first `bits` bits of a shared secret, the rest of the last byte zero.
fn leading_bits(mut secret: Vec<u8>, bits: u32) -> Result<Vec<u8>, CryptoError> {
    let have = secret.len() as u64 * 8;
    if u64::from(bits) > have {
        return Err(CryptoError::Operation(format!("the shared secret has {have} bits, not {bits}")));
    }
    secret.truncate(bits.div_ceil(8) as usize);
    if !bits.is_multiple_of(8) {
        if let Some(last) = secret.last_mut() {
            *last &= 0xffu8 << (8 - bits % 8);
        }
    }
    Ok(secret)
}

fn byte_length(bits: u32) -> Option<usize> {
    bits.is_multiple_of(8).then_some(bits as usize / 8)
}

fn not_whole_bytes(bits: u32) -> CryptoError {
    CryptoError::Operation(format!("the length must be a multiple of 8 bits, not {bits}"))
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::crypto::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
