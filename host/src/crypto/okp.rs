//! Ed25519 (`ed25519-dalek`), X25519 (`x25519-dalek`), Ed448
//! (`ed448-goldilocks`) and X448 (`x448`), RustCrypto's Curve448. Their SPKI
//! and PKCS #8 forms (RFC 8410) are one fixed DER prefix before the key
//! bytes, so they are written here; parsing goes through the `spki` and
//! `pkcs8` crates, which also take the PKCS #8 v2 form with a public key.
//! The Curve448 crates are a newer rand_core generation than the rest, so
//! their secrets are made here from the system's random bytes.

use super::{jwk_member, jwk_optional, member, Asymmetric, CryptoError};
use crate::bindings::nano::platform::crypto::{JwkMember, KeyFormat, KeyKind, SignatureScheme};
use ed25519_dalek::{Signer, Verifier};
use rand_core::RngCore;

type Pair = (Box<dyn Asymmetric>, Box<dyn Asymmetric>);

/// The last byte of the RFC 8410 algorithm OIDs 1.3.101.110 to 113.
fn oid_byte(kind: KeyKind) -> u8 {
    match kind {
        KeyKind::X25519 => 0x6e,
        KeyKind::X448 => 0x6f,
        KeyKind::Ed25519 => 0x70,
        _ => 0x71,
    }
}

fn name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::X25519 => "X25519",
        KeyKind::X448 => "X448",
        KeyKind::Ed25519 => "Ed25519",
        _ => "Ed448",
    }
}

/// The length of a key (public and private alike): RFC 8032 and RFC 7748.
fn key_length(kind: KeyKind) -> usize {
    match kind {
        KeyKind::Ed25519 | KeyKind::X25519 => 32,
        KeyKind::X448 => 56,
        _ => 57,
    }
}

// Every length below is under 128, so each DER length is one byte.
fn spki(kind: KeyKind, public: &[u8]) -> Vec<u8> {
    let n = public.len() as u8;
    let mut der = vec![0x30, n + 10, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oid_byte(kind), 0x03, n + 1, 0x00];
    der.extend_from_slice(public);
    der
}

fn pkcs8(kind: KeyKind, secret: &[u8]) -> Vec<u8> {
    let n = secret.len() as u8;
    let mut der =
        vec![0x30, n + 14, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oid_byte(kind), 0x04, n + 2, 0x04, n];
    der.extend_from_slice(secret);
    der
}

fn oid(kind: KeyKind) -> pkcs8::ObjectIdentifier {
    pkcs8::ObjectIdentifier::new_unwrap(match kind {
        KeyKind::X25519 => "1.3.101.110",
        KeyKind::X448 => "1.3.101.111",
        KeyKind::Ed25519 => "1.3.101.112",
        _ => "1.3.101.113",
    })
}

fn bad(kind: KeyKind, what: &str) -> CryptoError {
    CryptoError::Data(format!("not a valid {} {what}", name(kind)))
}

fn parse_spki(kind: KeyKind, der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|_| bad(kind, "SPKI public key"))?;
    if info.algorithm.oid != oid(kind) || info.algorithm.parameters.is_some() {
        return Err(CryptoError::Data(format!("the SPKI key is not an {} key", name(kind))));
    }
    match info.subject_public_key.as_bytes() {
        Some(bytes) if bytes.len() == key_length(kind) => Ok(bytes.to_vec()),
        _ => Err(bad(kind, "SPKI public key")),
    }
}

fn parse_pkcs8(kind: KeyKind, der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|_| bad(kind, "PKCS #8 private key"))?;
    if info.algorithm.oid != oid(kind) || info.algorithm.parameters.is_some() {
        return Err(CryptoError::Data(format!("the PKCS #8 key is not an {} key", name(kind))));
    }
    // CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
    match info.private_key {
        [0x04, n, rest @ ..] if *n as usize == key_length(kind) && rest.len() == key_length(kind) => Ok(rest.to_vec()),
        _ => Err(bad(kind, "PKCS #8 private key")),
    }
}

/// `bytes` when they are a key's length, else a DataError naming it.
fn exact<'a>(kind: KeyKind, bytes: &'a [u8], what: &str) -> Result<&'a [u8], CryptoError> {
    if bytes.len() != key_length(kind) {
        return Err(CryptoError::Data(format!(
            "an {} {what} is {} bytes, not {}",
            name(kind),
            key_length(kind),
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().expect("the length was checked")
}

/// A new secret of `N` bytes from the system's generator.
fn random<const N: usize>() -> zeroize::Zeroizing<[u8; N]> {
    let mut secret = zeroize::Zeroizing::new([0u8; N]);
    rand_core::OsRng.fill_bytes(secret.as_mut());
    secret
}

pub fn generate(kind: KeyKind) -> Result<Pair, CryptoError> {
    Ok(match kind {
        KeyKind::Ed25519 => {
            let secret = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
            (Box::new(Ed25519::Public(secret.verifying_key())), Box::new(Ed25519::Private(secret)))
        }
        KeyKind::X25519 => {
            let secret = x25519_dalek::StaticSecret::random_from_rng(rand_core::OsRng);
            (Box::new(X25519::Public(x25519_dalek::PublicKey::from(&secret))), Box::new(X25519::Private(secret)))
        }
        KeyKind::Ed448 => {
            let secret = ed448_signing_key(random::<57>().as_slice())?;
            (Box::new(Ed448::Public(secret.verifying_key())), Box::new(Ed448::Private(secret)))
        }
        _ => {
            let secret = random::<56>();
            (Box::new(X448::Public(x448_public(&secret))), Box::new(X448::Private(secret)))
        }
    })
}

pub fn import(kind: KeyKind, format: KeyFormat, data: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    match format {
        KeyFormat::Raw => public(kind, exact(kind, data, "raw public key")?),
        KeyFormat::Spki => public(kind, &parse_spki(kind, data)?),
        KeyFormat::Pkcs8 => private(kind, &zeroize::Zeroizing::new(parse_pkcs8(kind, data)?)),
    }
}

pub fn import_jwk(kind: KeyKind, members: &[JwkMember]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    let x = exact(kind, jwk_member(members, "x")?, "JWK x")?;
    let Some(d) = jwk_optional(members, "d") else { return public(kind, x) };
    let key = private(kind, exact(kind, d, "JWK d")?)?;
    if key.public_bytes() != x {
        return Err(CryptoError::Data("the JWK's d does not belong to its x".into()));
    }
    Ok(key)
}

/// A public key from bytes of the key's length.
fn public(kind: KeyKind, bytes: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    Ok(match kind {
        KeyKind::Ed25519 => {
            let key = ed25519_dalek::VerifyingKey::from_bytes(&array(bytes))
                .map_err(|_| bad(kind, "public key (not a curve point)"))?;
            Box::new(Ed25519::Public(key))
        }
        KeyKind::X25519 => Box::new(X25519::Public(x25519_dalek::PublicKey::from(array::<32>(bytes)))),
        KeyKind::Ed448 => {
            let key = ed448_goldilocks::VerifyingKey::from_bytes(&array(bytes))
                .map_err(|_| bad(kind, "public key (not a curve point)"))?;
            Box::new(Ed448::Public(key))
        }
        _ => Box::new(X448::Public(array(bytes))),
    })
}

/// A private key from bytes of the key's length.
fn private(kind: KeyKind, bytes: &[u8]) -> Result<Box<dyn Asymmetric>, CryptoError> {
    Ok(match kind {
        KeyKind::Ed25519 => Box::new(Ed25519::Private(ed25519_dalek::SigningKey::from_bytes(&array(bytes)))),
        KeyKind::X25519 => Box::new(X25519::Private(x25519_dalek::StaticSecret::from(array::<32>(bytes)))),
        KeyKind::Ed448 => Box::new(Ed448::Private(ed448_signing_key(bytes)?)),
        _ => Box::new(X448::Private(zeroize::Zeroizing::new(array(bytes)))),
    })
}

fn ed448_signing_key(bytes: &[u8]) -> Result<ed448_goldilocks::SigningKey, CryptoError> {
    ed448_goldilocks::SigningKey::try_from(bytes).map_err(|_| bad(KeyKind::Ed448, "private key"))
}

/// X448's public key: the secret times the base point (RFC 7748, 6.2).
fn x448_public(secret: &[u8; 56]) -> [u8; 56] {
    x448::x448_unchecked(*secret, x448::X448_BASEPOINT_BYTES)
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
        let peer = x25519_dalek::PublicKey::from(array::<32>(exact(KeyKind::X25519, peer_public, "public key")?));
        let shared = secret.diffie_hellman(&peer);
        // A small-order peer key gives all zeros; the standard makes that an error.
        if !shared.was_contributory() {
            return Err(CryptoError::Operation("X25519 with a small-order public key gives no secret".into()));
        }
        Ok(shared.as_bytes().to_vec())
    }
}

/// Ed448 signs with a context of at most 255 bytes (RFC 8032, 5.2).
fn ed448_context(context: &[u8]) -> Result<&[u8], CryptoError> {
    if context.len() > 255 {
        return Err(CryptoError::Operation(format!("an Ed448 context is at most 255 bytes, not {}", context.len())));
    }
    Ok(context)
}

enum Ed448 {
    Public(ed448_goldilocks::VerifyingKey),
    Private(ed448_goldilocks::SigningKey),
}

impl Ed448 {
    fn verifying(&self) -> ed448_goldilocks::VerifyingKey {
        match self {
            Ed448::Public(key) => *key,
            Ed448::Private(key) => key.verifying_key(),
        }
    }
}

impl Asymmetric for Ed448 {
    fn kind(&self) -> KeyKind {
        KeyKind::Ed448
    }

    fn is_private(&self) -> bool {
        matches!(self, Ed448::Private(_))
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        match (format, self) {
            (KeyFormat::Raw, Ed448::Public(key)) => Ok(key.to_bytes().to_vec()),
            (KeyFormat::Spki, Ed448::Public(key)) => Ok(spki(KeyKind::Ed448, key.as_bytes())),
            (KeyFormat::Pkcs8, Ed448::Private(key)) => Ok(pkcs8(KeyKind::Ed448, key.as_bytes())),
            (format, key) => Err(no_format(KeyKind::Ed448, key.is_private(), format)),
        }
    }

    fn export_jwk(&self) -> Vec<JwkMember> {
        let mut members = vec![member("x", self.verifying().to_bytes())];
        if let Ed448::Private(key) = self {
            members.push(member("d", key.as_bytes().as_slice()));
        }
        members
    }

    fn sign(&self, scheme: &SignatureScheme, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match (scheme, self) {
            (SignatureScheme::Ed448(context), Ed448::Private(key)) => {
                let signature = key
                    .sign_ctx(ed448_context(context)?, data)
                    .map_err(|e| CryptoError::Operation(format!("Ed448 signing failed: {e}")))?;
                Ok(signature.to_bytes().to_vec())
            }
            (SignatureScheme::Ed448(_), Ed448::Public(_)) => {
                Err(CryptoError::InvalidAccess("a public key cannot sign".into()))
            }
            _ => Err(CryptoError::InvalidAccess("an Ed448 key signs with Ed448 only".into())),
        }
    }

    fn verify(&self, scheme: &SignatureScheme, data: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
        let SignatureScheme::Ed448(context) = scheme else {
            return Err(CryptoError::InvalidAccess("an Ed448 key verifies with Ed448 only".into()));
        };
        let context = ed448_context(context)?;
        let Ok(signature) = ed448_goldilocks::Signature::from_slice(signature) else { return Ok(false) };
        Ok(self.verifying().verify_ctx(&signature, context, data).is_ok())
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.verifying().to_bytes().to_vec()
    }
}

/// X448 keys as their bytes: the crate's own secret type keeps only the
/// clamped scalar, and an exported key must be the bytes imported.
enum X448 {
    Public([u8; 56]),
    Private(zeroize::Zeroizing<[u8; 56]>),
}

impl X448 {
    fn public(&self) -> [u8; 56] {
        match self {
            X448::Public(key) => *key,
            X448::Private(secret) => x448_public(secret),
        }
    }
}

impl Asymmetric for X448 {
    fn kind(&self) -> KeyKind {
        KeyKind::X448
    }

    fn is_private(&self) -> bool {
        matches!(self, X448::Private(_))
    }

    fn export(&self, format: KeyFormat) -> Result<Vec<u8>, CryptoError> {
        match (format, self) {
            (KeyFormat::Raw, X448::Public(key)) => Ok(key.to_vec()),
            (KeyFormat::Spki, X448::Public(key)) => Ok(spki(KeyKind::X448, key)),
            (KeyFormat::Pkcs8, X448::Private(secret)) => Ok(pkcs8(KeyKind::X448, secret.as_slice())),
            (format, key) => Err(no_format(KeyKind::X448, key.is_private(), format)),
        }
    }

    fn export_jwk(&self) -> Vec<JwkMember> {
        let mut members = vec![member("x", self.public())];
        if let X448::Private(secret) = self {
            members.push(member("d", secret.as_slice()));
        }
        members
    }

    fn public_bytes(&self) -> Vec<u8> {
        self.public().to_vec()
    }

    fn agree(&self, peer_public: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let X448::Private(secret) = self else {
            return Err(CryptoError::InvalidAccess("X448 needs a private key".into()));
        };
        let peer = array(exact(KeyKind::X448, peer_public, "public key")?);
        // A small-order peer key gives all zeros; the standard makes that an error.
        match x448::x448(**secret, peer) {
            Some(shared) if shared.iter().any(|&b| b != 0) => Ok(shared.to_vec()),
            _ => Err(CryptoError::Operation("X448 with a small-order public key gives no secret".into())),
        }
    }
}
