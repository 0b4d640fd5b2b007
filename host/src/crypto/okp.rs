//! Ed25519 (`ed25519-dalek`) and X25519 (`x25519-dalek`). Their SPKI and
//! PKCS #8 forms (RFC 8410) are one fixed DER prefix before the 32 key
//! bytes, so they are written here; parsing goes through the `spki` and
//! `pkcs8` crates, which also take the PKCS #8 v2 form with a public key.

use super::{jwk_member, jwk_optional, member, Asymmetric, CryptoError};
use crate::bindings::nano::platform::crypto::{JwkMember, KeyFormat, KeyKind, SignatureScheme};
use ed25519_dalek::{Signer, Verifier};

type Pair = (Box<dyn Asymmetric>, Box<dyn Asymmetric>);

/// The last byte of the RFC 8410 algorithm OIDs 1.3.101.110 / 112.
fn oid_byte(kind: KeyKind) -> u8 {
    if kind == KeyKind::Ed25519 {
        0x70
    } else {
        0x6e
    }
}

fn name(kind: KeyKind) -> &'static str {
    if kind == KeyKind::Ed25519 {
        "Ed25519"
    } else {
        "X25519"
    }
}

fn spki(kind: KeyKind, public: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oid_byte(kind), 0x03, 0x21, 0x00];
    der.extend_from_slice(public);
    der
}

fn pkcs8(kind: KeyKind, secret: &[u8; 32]) -> Vec<u8> {
    let mut der =
        vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oid_byte(kind), 0x04, 0x22, 0x04, 0x20];
    der.extend_from_slice(secret);
    der
}

fn oid(kind: KeyKind) -> pkcs8::ObjectIdentifier {
    pkcs8::ObjectIdentifier::new_unwrap(if kind == KeyKind::Ed25519 { "1.3.101.112" } else { "1.3.101.110" })
}

fn bad(kind: KeyKind, what: &str) -> CryptoError {
    CryptoError::Data(format!("not a valid {} {what}", name(kind)))
}

fn parse_spki(kind: KeyKind, der: &[u8]) -> Result<[u8; 32], CryptoError> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| bad(kind, "SPKI public key"))?;
    if info.algorithm.oid != oid(kind) || info.algorithm.parameters.is_some() {
        return Err(CryptoError::Data(format!("the SPKI key is not an {} key", name(kind))));
    }
    info.subject_public_key.as_bytes().and_then(|b| b.try_into().ok()).ok_or_else(|| bad(kind, "SPKI public key"))
}

fn parse_pkcs8(kind: KeyKind, der: &[u8]) -> Result<[u8; 32], CryptoError> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|_| bad(kind, "PKCS #8 private key"))?;
    if info.algorithm.oid != oid(kind) || info.algorithm.parameters.is_some() {
        return Err(CryptoError::Data(format!("the PKCS #8 key is not an {} key", name(kind))));
    }
    // CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
    match info.private_key {
        [0x04, 0x20, rest @ ..] => rest.try_into().map_err(|_| bad(kind, "PKCS #8 private key")),
        _ => Err(bad(kind, "PKCS #8 private key")),
    }
}

fn bytes32(kind: KeyKind, bytes: &[u8], what: &str) -> Result<[u8; 32], CryptoError> {
    bytes
        .try_into()
        .map_err(|_| CryptoError::Data(format!("an {} {what} is 32 bytes, not {}", name(kind), bytes.len())))
}

pub fn generate(kind: KeyKind) -> Result<Pair, CryptoError> {
    Ok(if kind == KeyKind::Ed25519 {
        let secret = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
        (Box::new(Ed25519::Public(secret.verifying_key())), Box::new(Ed25519::Private(secret)))
    } else {
        let secret = x25519_dalek::StaticSecret::random_from_rng(rand_core::OsRng);
        (Box::new(X25519::Public(x25519_dalek::PublicKey::from(&secret))), Box::new(X25519::Private(secret)))
    })
}

pub fn import(kind: KeyKind, format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    match format {
        KeyFormat::Raw => public(kind, bytes32(kind, data, "raw public key")?),
        KeyFormat::Spki => public(kind, parse_spki(kind, data)?),
        KeyFormat::Pkcs8 => Ok(private(kind, parse_pkcs8(kind, data)?)),
    }
}

pub fn import_jwk(kind: KeyKind, members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let x = bytes32(kind, jwk_member(members, "x")?, "JWK x")?;
    let Some(d) = jwk_optional(members, "d") else { return public(kind, x) };
    let key = private(kind, bytes32(kind, d, "JWK d")?);
    if key.public_bytes() != x {
        return Err(CryptoError::Data("the JWK's d does not belong to its x".into()));
    }
    Ok(key)
}

fn public(kind: KeyKind, bytes: [u8; 32]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    Ok(if kind == KeyKind::Ed25519 {
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| bad(kind, "public key (not a curve point)"))?;
        Box::new(Ed25519::Public(key))
    } else {
        Box::new(X25519::Public(x25519_dalek::PublicKey::from(bytes)))
    })
}

fn private(kind: KeyKind, bytes: [u8; 32]) -> Box<dyn Asymmetric> {
    if kind == KeyKind::Ed25519 {
        Box::new(Ed25519::Private(ed25519_dalek::SigningKey::from_bytes(&bytes)))
    } else {
        Box::new(X25519::Private(x25519_dalek::StaticSecret::from(bytes)))
    }
}

fn no_format(kind: KeyKind, private: bool, format: KeyFormat) -> CryptoError {
    let which = if private { "private" } else { "public" };
    CryptoError::InvalidAccess(format!("an {} {which} key has no {format:?} encoding", name(kind)))
}

enum Ed25519 {
    Public(ed25519_dalek::VerifyingKey),
    Private(ed25519_dalek::SigningKey),
}

impl Ed25519 {
    fn verifying(&self) -> ed25519_dalek::VerifyingKey {
        match self {
            Ed25519::Public(key) => *key,
            Ed25519::Private(key) => key.verifying_key(),
        }
    }
}

impl Asymmetric for Ed25519 {
    fn kind(&self) -> KeyKind {
        KeyKind::Ed25519
    }

    fn is_private(&self) -> bool {
        matches!(self, Ed25519::Private(_))
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        match (format, self) {
            (KeyFormat::Raw, Ed25519::Public(key)) => Ok(key.to_bytes().to_vec()),
            (KeyFormat::Spki, Ed25519::Public(key)) => Ok(spki(KeyKind::Ed25519, key.as_bytes())),
            (KeyFormat::Pkcs8, Ed25519::Private(key)) => Ok(pkcs8(KeyKind::Ed25519, &key.to_bytes())),
            (format, key) => Err(no_format(KeyKind::Ed25519, key.is_private(), format)),
        }
    }

    fn export_jwk(&self) -> Vec<JwkMember> {
        let mut members = vec![member("x", self.verifying().to_bytes())];
        if let Ed25519::Private(key) = self {
            members.push(member("d", key.to_bytes()));
        }
        members
    }

    fn sign(&self, scheme: &SignatureScheme, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match (scheme, self) {
            (SignatureScheme::Ed25519, Ed25519::Private(key)) => Ok(key.sign(data).to_bytes().to_vec()),
            (SignatureScheme::Ed25519, Ed25519::Public(_)) => {
                Err(CryptoError::InvalidAccess("a public key cannot sign".into()))
            }
            _ => Err(CryptoError::InvalidAccess("an Ed25519 key signs with Ed25519 only".into())),
        }
    }

    fn verify(&self, scheme: &SignatureScheme, data: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
        if !matches!(scheme, SignatureScheme::Ed25519) {
            return Err(CryptoError::InvalidAccess("an Ed25519 key verifies with Ed25519 only".into()));
        }
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else { return Ok(false) };
        Ok(self.verifying().verify(data, &signature).is_ok())
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.verifying().to_bytes().to_vec()
    }
}

enum X25519 {
    Public(x25519_dalek::PublicKey),
    Private(x25519_dalek::StaticSecret),
}

impl X25519 {
    fn public(&self) -> x25519_dalek::PublicKey {
        match self {
            X25519::Public(key) => *key,
            X25519::Private(key) => x25519_dalek::PublicKey::from(key),
        }
    }
}

impl Asymmetric for X25519 {
    fn kind(&self) -> KeyKind {
        KeyKind::X25519
    }

    fn is_private(&self) -> bool {
        matches!(self, X25519::Private(_))
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        match (format, self) {
            (KeyFormat::Raw, X25519::Public(key)) => Ok(key.as_bytes().to_vec()),
            (KeyFormat::Spki, X25519::Public(key)) => Ok(spki(KeyKind::X25519, key.as_bytes())),
            (KeyFormat::Pkcs8, X25519::Private(key)) => Ok(pkcs8(KeyKind::X25519, &key.to_bytes())),
            (format, key) => Err(no_format(KeyKind::X25519, key.is_private(), format)),
        }
    }

    fn export_jwk(&self) -> Vec<JwkMember> {
        let mut members = vec![member("x", self.public().as_bytes().as_slice())];
        if let X25519::Private(key) = self {
            members.push(member("d", key.to_bytes()));
        }
        members
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.public().as_bytes().to_vec()
    }

    fn agree(&self, peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let X25519::Private(secret) = self else {
            return Err(CryptoError::InvalidAccess("X25519 needs a private key".into()));
        };
        let peer = x25519_dalek::PublicKey::from(bytes32(KeyKind::X25519, peer_public, "public key")?);
        let shared = secret.diffie_hellman(&peer);
        // A small-order peer key gives all zeros; the standard makes that an error.
        if !shared.was_contributory() {
            return Err(CryptoError::Operation("X25519 with a small-order public key gives no secret".into()));
        }
        Ok(shared.as_bytes().to_vec())
    }
}
