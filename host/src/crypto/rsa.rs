//! RSA (the `rsa` crate): RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP with
//! SHA-1/256/384/512, keys in SPKI, PKCS #8 and JWK.

use super::{hash_bytes, jwk_member, member, Asymmetric, CryptoError};
use crate::bindings::nano::platform::crypto::{HashAlgorithm, JwkMember, KeyFormat, KeyInfo, KeyKind, SignatureScheme};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Oaep, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};

type Pair = (Box<dyn Asymmetric>, Box<dyn Asymmetric>);

/// Runs `$body` with `$d` bound to the digest type of `$hash`.
macro_rules! with_digest {
    ($hash:expr, $d:ident => $body:expr) => {
        match $hash {
            HashAlgorithm::Sha1 => {
                type $d = sha1::Sha1;
                $body
            }
            HashAlgorithm::Sha256 => {
                type $d = sha2::Sha256;
                $body
            }
            HashAlgorithm::Sha384 => {
                type $d = sha2::Sha384;
                $body
            }
            HashAlgorithm::Sha512 => {
                type $d = sha2::Sha512;
                $body
            }
        }
    };
}

pub enum RsaKey {
    Public(RsaPublicKey),
    /// Boxed: a private key is several times the size of a public one.
    Private(Box<RsaPrivateKey>),
}

/// Generated keys are 1,024 to 4,096 bits: smaller ones are insecure (and
/// `rsa` refuses them), and generation runs in the host call, where the
/// instance's time limit cannot stop it; 4,096 bits take about a second.
const MIN_BITS: usize = 1024;
const MAX_GENERATED_BITS: usize = 4096;
/// Imported keys up to 8,192 bits: a private operation with a larger one
/// would hold the host for seconds.
const MAX_IMPORTED_BITS: usize = 8192;

pub fn generate(modulus_length: u32, public_exponent: &[u8]) -> Result<Pair, CryptoError> {
    let exponent = BigUint::from_bytes_be(public_exponent);
    if exponent != BigUint::from(65537u32) {
        return Err(CryptoError::Operation("RSA keys are generated with the public exponent 65537 only".into()));
    }
    let bits = modulus_length as usize;
    if !(MIN_BITS..=MAX_GENERATED_BITS).contains(&bits) {
        return Err(CryptoError::Operation(format!(
            "RSA modulusLength must be from {MIN_BITS} to {MAX_GENERATED_BITS}, not {bits}"
        )));
    }
    let private = RsaPrivateKey::new_with_exp(&mut rand_core::OsRng, bits, &exponent)
        .map_err(|e| CryptoError::Operation(format!("RSA key generation failed: {e}")))?;
    let public = private.to_public_key();
    Ok((Box::new(RsaKey::Public(public)), Box::new(RsaKey::Private(Box::new(private)))))
}

fn too_large() -> CryptoError {
    CryptoError::NotSupported(format!("RSA keys of more than {MAX_IMPORTED_BITS} bits are not supported"))
}

fn checked_size(key: RsaKey) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let bits = key.public().n().bits();
    if bits > MAX_IMPORTED_BITS {
        return Err(CryptoError::NotSupported(format!(
            "RSA keys of more than {MAX_IMPORTED_BITS} bits are not supported, not {bits}"
        )));
    }
    Ok(Box::new(key))
}

/// The largest encoded key looked at: an 8,192-bit PKCS #8 key with its CRT
/// values is under 5 KiB. Parsing and validating (gcd, inverses, square
/// roots) is quadratic in the size and runs before the bit count is known,
/// so oversized input is refused before any of it.
const MAX_ENCODED_BYTES: usize = 16 << 10;

pub fn import(format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let bad = |what: &str| CryptoError::Data(format!("not a valid RSA {what}"));
    if data.len() > MAX_ENCODED_BYTES {
        return Err(too_large());
    }
    match format {
        KeyFormat::Raw => Err(CryptoError::NotSupported("RSA keys have no raw format".into())),
        KeyFormat::Spki => {
            checked_size(RsaKey::Public(RsaPublicKey::from_public_key_der(data).map_err(|_| bad("SPKI public key"))?))
        }
        KeyFormat::Pkcs8 => {
            let key = arithmetic(|| {
                let mut key = RsaPrivateKey::from_pkcs8_der(data).map_err(|_| bad("PKCS #8 private key"))?;
                key.validate().map_err(|_| bad("private key"))?;
                let _ = key.precompute(); // only speeds up; a key without CRT values still works
                Ok(key)
            })?;
            checked_size(RsaKey::Private(Box::new(key)))
        }
    }
}

pub fn import_jwk(members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    // Every integer of a key up to MAX_IMPORTED_BITS fits in that many bits.
    let int = |name: &str| {
        jwk_member(members, name).and_then(|bytes| {
            if bytes.len() > MAX_IMPORTED_BITS / 8 {
                return Err(too_large());
            }
            Ok(BigUint::from_bytes_be(bytes))
        })
    };
    let (n, e) = (int("n")?, int("e")?);
    if members.iter().all(|m| m.name != "d") {
        let key = RsaPublicKey::new(n, e).map_err(|e| CryptoError::Data(format!("not a valid RSA public key: {e}")))?;
        return checked_size(RsaKey::Public(key));
    }
    let d = int("d")?;
    // p and q when given (the standard wants all of the CRT members or none;
    // multi-prime keys, with "oth", are not supported).
    if members.iter().any(|m| m.name == "oth") {
        return Err(CryptoError::NotSupported("multi-prime RSA keys are not supported".into()));
    }
    let primes = match (int("p"), int("q")) {
        (Ok(p), Ok(q)) => vec![p, q],
        _ => Vec::new(),
    };
    // The crate's arithmetic assumes n and d non-zero and d, e and the primes
    // smaller than n (n = 0, and d = 0 in recovering the primes, panicked in
    // a subtraction: found by fuzzing).
    let zero = BigUint::from(0u32);
    if n == zero || d == zero || e >= n || d >= n || primes.iter().any(|p| *p >= n || *p <= BigUint::from(1u32)) {
        return Err(CryptoError::Data("not a valid RSA private key: its members do not fit its modulus".into()));
    }
    let key = arithmetic(|| {
        RsaPrivateKey::from_components(n, e, d, primes)
            .map_err(|e| CryptoError::Data(format!("not a valid RSA private key: {e}")))
    })?;
    checked_size(RsaKey::Private(Box::new(key)))
}

/// Runs the `rsa` crate's key arithmetic on guest-supplied numbers. Its
/// big-integer code panics (rather than failing) on some inconsistent
/// inputs; a panic here must be the guest's `DataError`, not a host fault.
fn arithmetic<T>(work: impl FnOnce() -> Result<T, CryptoError>) -> Result<T, CryptoError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(CryptoError::Data("not a valid RSA private key: inconsistent numbers".into())))
}

impl RsaKey {
    fn public(&self) -> &RsaPublicKey {
        match self {
            RsaKey::Public(key) => key,
            RsaKey::Private(key) => key.as_ref().as_ref(),
        }
    }

    pub fn oaep_encrypt(&self, hash: HashAlgorithm, label: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let Ok(label) = oaep_label(label) else { return binary_label_oaep::encrypt(self.public(), hash, label, data) };
        let result = with_digest!(hash, D => {
            let padding = match label { Some(l) => Oaep::new_with_label::<D, _>(l), None => Oaep::new::<D>() };
            self.public().encrypt(&mut rand_core::OsRng, padding, data)
        });
        result.map_err(|e| CryptoError::Operation(format!("RSA-OAEP encryption failed: {e}")))
    }

    pub fn oaep_decrypt(&self, hash: HashAlgorithm, label: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let RsaKey::Private(key) = self else {
            return Err(CryptoError::InvalidAccess("RSA-OAEP decryption needs a private key".into()));
        };
        let Ok(label) = oaep_label(label) else { return binary_label_oaep::decrypt(key, hash, label, data) };
        let result = with_digest!(hash, D => {
            let padding = match label { Some(l) => Oaep::new_with_label::<D, _>(l), None => Oaep::new::<D>() };
            key.decrypt(padding, data)
        });
        result.map_err(|_| CryptoError::Operation("RSA-OAEP decryption failed".into()))
    }
}

/// The `rsa` crate takes OAEP labels as strings (an empty label is none);
/// labels that are not UTF-8 go through `binary_label_oaep` instead.
fn oaep_label(label: &[u8]) -> Result<Option<&str>, ()> {
    if label.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(label).map(Some).map_err(|_| ())
}

/// EME-OAEP (RFC 8017 7.1) around the `rsa` crate's raw RSA primitive, for
/// labels of any bytes, which the crate's OAEP cannot take.
mod binary_label_oaep {
    use super::{hash_bytes, CryptoError, HashAlgorithm};
    use ring::rand::SecureRandom;
    use rsa::hazmat::{rsa_decrypt_and_check, rsa_encrypt};
    use rsa::traits::PublicKeyParts;
    use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};

    fn mgf1(hash: HashAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
        let mut mask = Vec::with_capacity(len + 64);
        let mut counter = 0u32;
        while mask.len() < len {
            let mut input = seed.to_vec();
            input.extend_from_slice(&counter.to_be_bytes());
            mask.extend_from_slice(&hash_bytes(hash, &input));
            counter += 1;
        }
        mask.truncate(len);
        mask
    }

    fn xor(data: &mut [u8], mask: &[u8]) {
        data.iter_mut().zip(mask).for_each(|(d, m)| *d ^= m);
    }

    /// The big-endian bytes of `n`, left-padded to `len`.
    fn padded(n: &BigUint, len: usize) -> Vec<u8> {
        let bytes = n.to_bytes_be();
        let mut out = vec![0u8; len.saturating_sub(bytes.len())];
        out.extend_from_slice(&bytes);
        out
    }

    pub fn encrypt(
        key: &RsaPublicKey,
        hash: HashAlgorithm,
        label: &[u8],
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let (k, label_hash) = (key.size(), hash_bytes(hash, label));
        let h = label_hash.len();
        if k < 2 * h + 2 || message.len() > k - 2 * h - 2 {
            return Err(CryptoError::Operation(format!(
                "RSA-OAEP encryption failed: {} bytes are too long for this key",
                message.len()
            )));
        }
        // DB = lHash || PS || 0x01 || M
        let mut db = label_hash;
        db.resize(k - message.len() - h - 2, 0);
        db.push(1);
        db.extend_from_slice(message);
        let mut seed = vec![0u8; h];
        ring::rand::SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| CryptoError::Operation("the system random source failed".into()))?;
        xor(&mut db, &mgf1(hash, &seed, k - h - 1));
        xor(&mut seed, &mgf1(hash, &db, h));
        let mut em = vec![0u8];
        em.extend_from_slice(&seed);
        em.extend_from_slice(&db);
        let c = rsa_encrypt(key, &BigUint::from_bytes_be(&em))
            .map_err(|e| CryptoError::Operation(format!("RSA-OAEP encryption failed: {e}")))?;
        Ok(padded(&c, k))
    }

    /// One error for every way decryption fails, so that failures tell an
    /// attacker nothing (Manger's attack); the checks do not branch on the
    /// data.
    pub fn decrypt(
        key: &RsaPrivateKey,
        hash: HashAlgorithm,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let failed = || CryptoError::Operation("RSA-OAEP decryption failed".into());
        let (k, label_hash) = (key.size(), hash_bytes(hash, label));
        let h = label_hash.len();
        if ciphertext.len() != k || k < 2 * h + 2 {
            return Err(failed());
        }
        let m = rsa_decrypt_and_check(key, Some(&mut rand_core::OsRng), &BigUint::from_bytes_be(ciphertext))
            .map_err(|_| failed())?;
        let em = padded(&m, k);
        let (mut seed, mut db) = (em[1..1 + h].to_vec(), em[1 + h..].to_vec());
        xor(&mut seed, &mgf1(hash, &db, h));
        xor(&mut db, &mgf1(hash, &seed, k - h - 1));
        let mut invalid = em[0];
        for (a, b) in db[..h].iter().zip(&label_hash) {
            invalid |= a ^ b;
        }
        // PS is zeros up to the first 0x01; anything else first is invalid.
        let (mut looking, mut start) = (1u8, 0usize);
        for (i, &byte) in db[h..].iter().enumerate() {
            let (zero, one) = (u8::from(byte == 0), u8::from(byte == 1));
            let found = looking & one;
            start |= i & usize::from(found).wrapping_neg();
            invalid |= looking & (1 - zero) & (1 - one);
            looking &= zero;
        }
        if (invalid | looking) != 0 {
            return Err(failed());
        }
        Ok(db[h + start + 1..].to_vec())
    }
}

impl Asymmetric for RsaKey {
    fn kind(&self) -> KeyKind {
        KeyKind::Rsa
    }

    fn is_private(&self) -> bool {
        matches!(self, RsaKey::Private(_))
    }

    fn info(&self) -> KeyInfo {
        let public = self.public();
        KeyInfo {
            private: self.is_private(),
            length_bits: 0,
            modulus_length: public.n().bits() as u32,
            public_exponent: public.e().to_bytes_be(),
        }
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: &dyn std::fmt::Display| CryptoError::Operation(format!("encoding the RSA key failed: {e}"));
        match (format, self) {
            (KeyFormat::Spki, RsaKey::Public(key)) => Ok(key.to_public_key_der().map_err(|e| failed(&e))?.into_vec()),
            (KeyFormat::Pkcs8, RsaKey::Private(key)) => {
                Ok(key.to_pkcs8_der().map_err(|e| failed(&e))?.as_bytes().to_vec())
            }
            (format, key) => Err(CryptoError::InvalidAccess(format!(
                "an RSA {} key has no {format:?} encoding",
                if key.is_private() { "private" } else { "public" }
            ))),
        }
    }

    fn export_jwk(&self) -> Vec<JwkMember> {
        let public = self.public();
        let mut members = vec![member("n", public.n().to_bytes_be()), member("e", public.e().to_bytes_be())];
        if let RsaKey::Private(key) = self {
            members.push(member("d", key.d().to_bytes_be()));
            if let [p, q] = key.primes() {
                members.push(member("p", p.to_bytes_be()));
                members.push(member("q", q.to_bytes_be()));
                // The CRT values, computed when the key lacks them.
                let one = BigUint::from(1u32);
                let dp = key.dp().cloned().unwrap_or_else(|| key.d() % (p - &one));
                let dq = key.dq().cloned().unwrap_or_else(|| key.d() % (q - &one));
                members.push(member("dp", dp.to_bytes_be()));
                members.push(member("dq", dq.to_bytes_be()));
                if let Some(qi) = key.crt_coefficient() {
                    members.push(member("qi", qi.to_bytes_be()));
                }
            }
        }
        members
    }

    fn sign(&self, scheme: &SignatureScheme, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let RsaKey::Private(key) = self else {
            return Err(CryptoError::InvalidAccess("a public key cannot sign".into()));
        };
        let result = match *scheme {
            SignatureScheme::RsassaPkcs1V15(hash) => {
                let hashed = hash_bytes(hash, data);
                with_digest!(hash, D => key.sign(Pkcs1v15Sign::new::<D>(), &hashed))
            }
            SignatureScheme::RsaPss(params) => {
                let hashed = hash_bytes(params.hash, data);
                let salt = params.salt_length as usize;
                with_digest!(params.hash, D => key.sign_with_rng(&mut rand_core::OsRng, Pss::new_with_salt::<D>(salt), &hashed))
            }
            _ => {
                return Err(CryptoError::InvalidAccess(
                    "an RSA key signs with RSASSA-PKCS1-v1_5 or RSA-PSS only".into(),
                ))
            }
        };
        result.map_err(|e| CryptoError::Operation(format!("RSA signing failed: {e}")))
    }

    fn verify(&self, scheme: &SignatureScheme, data: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
        let key = self.public();
        Ok(match *scheme {
            SignatureScheme::RsassaPkcs1V15(hash) => {
                let hashed = hash_bytes(hash, data);
                with_digest!(hash, D => key.verify(Pkcs1v15Sign::new::<D>(), &hashed, signature)).is_ok()
            }
            SignatureScheme::RsaPss(params) => {
                let hashed = hash_bytes(params.hash, data);
                let salt = params.salt_length as usize;
                with_digest!(params.hash, D => key.verify(Pss::new_with_salt::<D>(salt), &hashed, signature)).is_ok()
            }
            _ => {
                return Err(CryptoError::InvalidAccess(
                    "an RSA key verifies with RSASSA-PKCS1-v1_5 or RSA-PSS only".into(),
                ))
            }
        })
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.public().n().to_bytes_be()
    }

    fn as_rsa(&self) -> Option<&RsaKey> {
        Some(self)
    }
}
