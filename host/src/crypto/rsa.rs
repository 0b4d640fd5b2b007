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
        return Err(CryptoError::Operation(format!("RSA modulusLength must be from {MIN_BITS} to {MAX_GENERATED_BITS}, not {bits}")));
    }
    let private = RsaPrivateKey::new_with_exp(&mut rand_core::OsRng, bits, &exponent)
        .map_err(|e| CryptoError::Operation(format!("RSA key generation failed: {e}")))?;
    let public = private.to_public_key();
    Ok((Box::new(RsaKey::Public(public)), Box::new(RsaKey::Private(Box::new(private)))))
}

fn checked_size(key: RsaKey) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let bits = key.public().n().bits();
    if bits > MAX_IMPORTED_BITS {
        return Err(CryptoError::NotSupported(format!("RSA keys of more than {MAX_IMPORTED_BITS} bits are not supported, not {bits}")));
    }
    Ok(Box::new(key))
}

pub fn import(format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let bad = |what: &str| CryptoError::Data(format!("not a valid RSA {what}"));
    match format {
        KeyFormat::Raw => Err(CryptoError::NotSupported("RSA keys have no raw format".into())),
        KeyFormat::Spki => checked_size(RsaKey::Public(RsaPublicKey::from_public_key_der(data).map_err(|_| bad("SPKI public key"))?)),
        KeyFormat::Pkcs8 => {
            let mut key = RsaPrivateKey::from_pkcs8_der(data).map_err(|_| bad("PKCS #8 private key"))?;
            key.validate().map_err(|_| bad("private key"))?;
            let _ = key.precompute(); // only speeds up; a key without CRT values still works
            checked_size(RsaKey::Private(Box::new(key)))
        }
    }
}

pub fn import_jwk(members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let int = |name: &str| jwk_member(members, name).map(BigUint::from_bytes_be);
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
    let key = RsaPrivateKey::from_components(n, e, d, primes)
        .map_err(|e| CryptoError::Data(format!("not a valid RSA private key: {e}")))?;
    checked_size(RsaKey::Private(Box::new(key)))
}

impl RsaKey {
    fn public(&self) -> &RsaPublicKey {
        match self {
            RsaKey::Public(key) => key,
            RsaKey::Private(key) => key.as_ref().as_ref(),
        }
    }

    pub fn oaep_encrypt(&self, hash: HashAlgorithm, label: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let label = oaep_label(label)?;
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
        let label = oaep_label(label)?;
        let result = with_digest!(hash, D => {
            let padding = match label { Some(l) => Oaep::new_with_label::<D, _>(l), None => Oaep::new::<D>() };
            key.decrypt(padding, data)
        });
        result.map_err(|_| CryptoError::Operation("RSA-OAEP decryption failed".into()))
    }
}

/// The `rsa` crate takes OAEP labels as strings; an empty label is none.
fn oaep_label(label: &[u8]) -> Result<Option<&str>, CryptoError> {
    if label.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(label)
        .map(Some)
        .map_err(|_| CryptoError::NotSupported("RSA-OAEP labels that are not UTF-8 text are not supported".into()))
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
        KeyInfo { private: self.is_private(), length_bits: 0, modulus_length: public.n().bits() as u32, public_exponent: public.e().to_bytes_be() }
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: &dyn std::fmt::Display| CryptoError::Operation(format!("encoding the RSA key failed: {e}"));
        match (format, self) {
            (KeyFormat::Spki, RsaKey::Public(key)) => Ok(key.to_public_key_der().map_err(|e| failed(&e))?.into_vec()),
            (KeyFormat::Pkcs8, RsaKey::Private(key)) => Ok(key.to_pkcs8_der().map_err(|e| failed(&e))?.as_bytes().to_vec()),
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
            _ => return Err(CryptoError::InvalidAccess("an RSA key signs with RSASSA-PKCS1-v1_5 or RSA-PSS only".into())),
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
            _ => return Err(CryptoError::InvalidAccess("an RSA key verifies with RSASSA-PKCS1-v1_5 or RSA-PSS only".into())),
        })
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.public().n().to_bytes_be()
    }

    fn as_rsa(&self) -> Option<&RsaKey> {
        Some(self)
    }
}
