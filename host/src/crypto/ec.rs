//! ECDSA and ECDH on P-256, P-384 and P-521 (RustCrypto `p256`, `p384`,
//! `p521`). One macro writes the key type of each curve: their APIs are
//! alike but share no trait that covers signing, encoding and ECDH at once.
//! ECDSA with the pairs `ring` implements (P-256 with SHA-256, P-384 with
//! SHA-384) runs on `ring`, which
//! signs about eight times faster than the portable `p256` code.

use super::{hash_bytes, jwk_member, jwk_optional, member, Asymmetric, CryptoError};
use crate::bindings::nano::platform::crypto::{HashAlgorithm, JwkMember, KeyFormat, KeyKind, SignatureScheme};
use ring::signature::{self as ring_signature, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm};
use std::sync::OnceLock;

type Pair = (Box<dyn Asymmetric>, Box<dyn Asymmetric>);

pub fn generate(kind: KeyKind) -> Result<Pair, CryptoError> {
    Ok(match kind {
        KeyKind::P256 => p256_key::generate(),
        KeyKind::P384 => p384_key::generate(),
        _ => p521_key::generate(),
    })
}

pub fn import(kind: KeyKind, format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    match kind {
        KeyKind::P256 => p256_key::import(format, data),
        KeyKind::P384 => p384_key::import(format, data),
        _ => p521_key::import(format, data),
    }
}

pub fn import_jwk(kind: KeyKind, members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    match kind {
        KeyKind::P256 => p256_key::import_jwk(members),
        KeyKind::P384 => p384_key::import_jwk(members),
        _ => p521_key::import_jwk(members),
    }
}

/// The digest ECDSA signs: the hash of the data, left-padded with zeros to
/// the field size when shorter (the same integer; the `ecdsa` crate refuses
/// digests under half the field size, which Web Crypto allows, e.g. P-521
/// with SHA-256). Longer digests are truncated by the crate, as ECDSA says.
fn prehash(scheme: &SignatureScheme, data: &[u8], field_bytes: usize) -> Result<Vec<u8>, CryptoError> {
    let SignatureScheme::Ecdsa(hash) = scheme else {
        return Err(CryptoError::InvalidAccess("an EC key signs with ECDSA only".into()));
    };
    let digest = hash_bytes(*hash, data);
    if digest.len() >= field_bytes {
        return Ok(digest);
    }
    let mut padded = vec![0u8; field_bytes - digest.len()];
    padded.extend_from_slice(&digest);
    Ok(padded)
}

fn scheme_hash(scheme: &SignatureScheme) -> Option<HashAlgorithm> {
    match scheme {
        SignatureScheme::Ecdsa(hash) => Some(*hash),
        _ => None,
    }
}

/// ring's signing algorithm for a curve and hash, where it has one.
fn ring_signing(kind: KeyKind, hash: HashAlgorithm) -> Option<&'static EcdsaSigningAlgorithm> {
    match (kind, hash) {
        (KeyKind::P256, HashAlgorithm::Sha256) => Some(&ring_signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        (KeyKind::P384, HashAlgorithm::Sha384) => Some(&ring_signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

fn ring_verification(kind: KeyKind, hash: HashAlgorithm) -> Option<&'static EcdsaVerificationAlgorithm> {
    match (kind, hash) {
        (KeyKind::P256, HashAlgorithm::Sha256) => Some(&ring_signature::ECDSA_P256_SHA256_FIXED),
        (KeyKind::P384, HashAlgorithm::Sha384) => Some(&ring_signature::ECDSA_P384_SHA384_FIXED),
        _ => None,
    }
}

/// Signs with ring when it has the curve and hash (None otherwise). The
/// ring key pair is made on first use and kept.
fn ring_sign(
    cache: &OnceLock<Option<EcdsaKeyPair>>,
    kind: KeyKind,
    scheme: &SignatureScheme,
    key_bytes: impl FnOnce() -> (Vec<u8>, Vec<u8>),
    data: &[u8],
) -> Option<Result<Vec<u8>, CryptoError>> {
    let algorithm = ring_signing(kind, scheme_hash(scheme)?)?;
    let rng = ring::rand::SystemRandom::new();
    let pair = cache.get_or_init(|| {
        let (private, public) = key_bytes();
        EcdsaKeyPair::from_private_key_and_public_key(algorithm, &private, &public, &rng).ok()
    });
    let pair = pair.as_ref()?;
    Some(
        pair.sign(&rng, data)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| CryptoError::Operation("ECDSA signing failed".into())),
    )
}

/// The public key of an SPKI that names the id-ecDH algorithm (RFC 5480),
/// which ECDH keys may use instead of id-ecPublicKey: the SEC1 point, when
/// the named curve is `curve`.
fn ecdh_spki_point<'a>(der: &'a [u8], curve: &str) -> Option<&'a [u8]> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(der).ok()?;
    let named = info.algorithm.parameters?.decode_as::<pkcs8::ObjectIdentifier>().ok()?;
    let expected = (pkcs8::ObjectIdentifier::new_unwrap("1.3.132.1.12"), pkcs8::ObjectIdentifier::new(curve).ok()?);
    ((info.algorithm.oid, named) == expected).then(|| info.subject_public_key.as_bytes()).flatten()
}

macro_rules! nist_curve {
    ($module:ident, $curve:ident, $kind:expr, $name:literal, $field:literal, $oid:literal) => {
        mod $module {
            use super::*;
            use $curve::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $curve::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $curve::elliptic_curve::sec1::ToEncodedPoint;
            use $curve::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
            use $curve::{PublicKey, SecretKey};

            /// Bytes of a field element (and of a coordinate, a scalar, an r or an s).
            const FIELD: usize = $field;

            pub struct Key {
                public: PublicKey,
                verifying: VerifyingKey,
                secret: Option<(SecretKey, SigningKey)>,
                /// ring's key pair, for the hash ring signs this curve with.
                ring_pair: OnceLock<Option<EcdsaKeyPair>>,
            }

            fn bad(what: &str) -> CryptoError {
                CryptoError::Data(format!("not a valid {} {what}", $name))
            }

            fn public_key(public: PublicKey) -> Result<Key, CryptoError> {
                let verifying = VerifyingKey::from_sec1_bytes(public.to_encoded_point(false).as_bytes())
                    .map_err(|_| bad("public key"))?;
                Ok(Key { public, verifying, secret: None, ring_pair: OnceLock::new() })
            }

            fn private_key(secret: SecretKey) -> Result<Key, CryptoError> {
                let signing = SigningKey::from_slice(&secret.to_bytes()).map_err(|_| bad("private key"))?;
                let mut key = public_key(secret.public_key())?;
                key.secret = Some((secret, signing));
                Ok(key)
            }

            pub fn generate() -> Pair {
                let secret = SecretKey::random(&mut rand_core::OsRng);
                let public = secret.public_key();
                // Generated keys are valid by construction.
                let private = private_key(secret).expect("a generated key is valid");
                let public = public_key(public).expect("a generated key is valid");
                (Box::new(public), Box::new(private))
            }

            pub fn import(format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
                let key = match format {
                    // Compressed and uncompressed points alike.
                    KeyFormat::Raw => public_key(PublicKey::from_sec1_bytes(data).map_err(|_| bad("raw public key"))?)?,
                    KeyFormat::Spki => {
                        let public =
                            PublicKey::from_public_key_der(data).or_else(|_| match ecdh_spki_point(data, $oid) {
                                Some(point) => PublicKey::from_sec1_bytes(point),
                                None => Err($curve::elliptic_curve::Error),
                            });
                        public_key(public.map_err(|_| bad("SPKI public key"))?)?
                    }
                    KeyFormat::Pkcs8 => {
                        private_key(SecretKey::from_pkcs8_der(data).map_err(|_| bad("PKCS #8 private key"))?)?
                    }
                };
                Ok(Box::new(key))
            }

            pub fn import_jwk(members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
                let (x, y) = (jwk_member(members, "x")?, jwk_member(members, "y")?);
                if x.len() != FIELD || y.len() != FIELD {
                    return Err(CryptoError::Data(format!("{} JWK coordinates are {FIELD} bytes", $name)));
                }
                let mut point = vec![4u8];
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                let public = PublicKey::from_sec1_bytes(&point).map_err(|_| bad("JWK point"))?;
                let Some(d) = jwk_optional(members, "d") else { return Ok(Box::new(public_key(public)?)) };
                if d.len() != FIELD {
                    return Err(CryptoError::Data(format!("a {} JWK d is {FIELD} bytes", $name)));
                }
                let secret = SecretKey::from_slice(d).map_err(|_| bad("JWK private scalar"))?;
                if secret.public_key() != public {
                    return Err(CryptoError::Data("the JWK's d does not belong to its x and y".into()));
                }
                Ok(Box::new(private_key(secret)?))
            }

            impl Asymmetric for Key {
                fn kind(&self) -> KeyKind {
                    $kind
                }

                fn is_private(&self) -> bool {
                    self.secret.is_some()
                }

                fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
                    let failed = |e: &dyn std::fmt::Display| {
                        CryptoError::Operation(format!("encoding the {} key failed: {e}", $name))
                    };
                    match (format, &self.secret) {
                        (KeyFormat::Raw, None) => Ok(self.public.to_encoded_point(false).as_bytes().to_vec()),
                        (KeyFormat::Spki, None) => {
                            Ok(self.public.to_public_key_der().map_err(|e| failed(&e))?.into_vec())
                        }
                        (KeyFormat::Pkcs8, Some((secret, _))) => {
                            Ok(secret.to_pkcs8_der().map_err(|e| failed(&e))?.as_bytes().to_vec())
                        }
                        (format, _) => Err(CryptoError::InvalidAccess(format!(
                            "a {} {} key has no {format:?} encoding",
                            $name,
                            if self.is_private() { "private" } else { "public" }
                        ))),
                    }
                }

                fn export_jwk(&self) -> Vec<JwkMember> {
                    let point = self.public.to_encoded_point(false);
                    let bytes = point.as_bytes();
                    let mut members = vec![member("x", &bytes[1..1 + FIELD]), member("y", &bytes[1 + FIELD..])];
                    if let Some((secret, _)) = &self.secret {
                        members.push(member("d", secret.to_bytes().as_slice()));
                    }
                    members
                }

                fn sign(&self, scheme: &SignatureScheme, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
                    let Some((secret, signing)) = &self.secret else {
                        return Err(CryptoError::InvalidAccess("a public key cannot sign".into()));
                    };
                    let key_bytes =
                        || (secret.to_bytes().to_vec(), self.public.to_encoded_point(false).as_bytes().to_vec());
                    if let Some(signed) = ring_sign(&self.ring_pair, $kind, scheme, key_bytes, data) {
                        return signed;
                    }
                    let digest = prehash(scheme, data, FIELD)?;
                    let signature: Signature = signing
                        .sign_prehash(&digest)
                        .map_err(|e| CryptoError::Operation(format!("ECDSA signing failed: {e}")))?;
                    Ok(signature.to_bytes().to_vec())
                }

                fn verify(&self, scheme: &SignatureScheme, data: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
                    if let Some(algorithm) = scheme_hash(scheme).and_then(|hash| ring_verification($kind, hash)) {
                        let point = self.public.to_encoded_point(false);
                        let public = ring_signature::UnparsedPublicKey::new(algorithm, point.as_bytes());
                        return Ok(public.verify(data, signature).is_ok());
                    }
                    let digest = prehash(scheme, data, FIELD)?;
                    // A signature of the wrong size or out of range is just not valid.
                    let Ok(signature) = Signature::from_slice(signature) else { return Ok(false) };
                    Ok(self.verifying.verify_prehash(&digest, &signature).is_ok())
                }

                fn public_bytes(&self) -> Vec<u8> {
                    self.public.to_encoded_point(false).as_bytes().to_vec()
                }

                fn agree(&self, peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
                    let Some((secret, _)) = &self.secret else {
                        return Err(CryptoError::InvalidAccess("ECDH needs a private key".into()));
                    };
                    let peer = PublicKey::from_sec1_bytes(peer_public).map_err(|_| bad("public key"))?;
                    let shared = $curve::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
                    Ok(shared.raw_secret_bytes().to_vec())
                }
            }
        }
    };
}

nist_curve!(p256_key, p256, KeyKind::P256, "P-256", 32, "1.2.840.10045.3.1.7");
nist_curve!(p384_key, p384, KeyKind::P384, "P-384", 48, "1.3.132.0.34");
nist_curve!(p521_key, p521, KeyKind::P521, "P-521", 66, "1.3.132.0.35");
