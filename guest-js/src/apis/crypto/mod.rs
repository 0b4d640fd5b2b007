//! Native half of Web Crypto (crypto.js). Randomness comes from
//! `wasi:random`; everything with keys or digests runs in the host
//! (`nano:platform/crypto`), and keys stay there as resources: the guest
//! keeps their handles in the instance's handle table and gives JS the id,
//! freed again when the CryptoKey holding it is collected.

use crate::instance;
use crate::nano::platform::crypto::{
    self, AesMode, AsymmetricTarget, CryptoError, CtrParams, DigestContext, GcmParams, HashAlgorithm, HkdfParams,
    HmacKeyType, JwkMember, Key, KeyDerivation, KeyFormat, KeyKind, OaepParams, Pbkdf2Params, PssParams, SecretKeyType,
    SignatureScheme, UnwrapMode, UnwrapTarget,
};
use crate::wit_names::crypto::{
    AesModeCase, KeyDerivationCase, SecretKeyTypeCase, SignatureSchemeCase, UnwrapModeCase, UnwrapTargetCase,
};
use crate::wit_names::WitEnum;
use rquickjs::{Ctx, Exception, Object, Result, TypedArray, Value};

/// A crypto error as the DOMException Web Crypto names.
fn throw(ctx: &Ctx<'_>, error: CryptoError) -> rquickjs::Error {
    let (name, message) = match error {
        CryptoError::NotSupported(m) => ("NotSupportedError", m),
        CryptoError::Data(m) => ("DataError", m),
        CryptoError::InvalidAccess(m) => ("InvalidAccessError", m),
        CryptoError::Operation(m) => ("OperationError", m),
        CryptoError::QuotaExceeded(m) => ("QuotaExceededError", m),
    };
    crate::hooks::throw_dom_exception(ctx, name, &message)
}

fn bytes<'js>(ctx: Ctx<'js>, data: Vec<u8>) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx, data)
}

/// Not refused at build time here: crypto.js refuses getRandomValues and
/// randomUUID then, and the other caller (a multipart boundary) is no secret.
pub fn random_bytes(ctx: Ctx<'_>, len: u32) -> Result<TypedArray<'_, u8>> {
    bytes(ctx, crate::wasi::random::random::get_random_bytes(u64::from(len)))
}

pub fn digest<'js>(ctx: Ctx<'js>, algorithm: HashAlgorithm, data: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let data = crate::natives::bytes_of(&data)?;
    bytes(ctx, crypto::digest(algorithm, &data))
}

/// Live keys an instance may hold at once: each is host memory outside the
/// instance's memory limit (an RSA private key is kilobytes), so the count
/// is bounded.
const MAX_LIVE_KEYS: usize = 65536;

/// Keeps a new key in the instance's handle table. A key cannot outlive
/// the build (the host's key is gone at request time and the snapshot would
/// hold a dangling id): crypto.js refuses key-making calls then, at the
/// app's line; this is the backstop for every native that makes one.
fn keep(key: Key) -> std::result::Result<u32, CryptoError> {
    instance::with(|i| {
        if i.at_build_time {
            return Err(CryptoError::Operation(
                "a CryptoKey cannot be made at build time (top-level code): it would not exist at request time; create it inside fetch()".into(),
            ));
        }
        if i.handles.count::<Key>() >= MAX_LIVE_KEYS {
            return Err(CryptoError::Operation(format!("an instance can hold at most {MAX_LIVE_KEYS} keys at once")));
        }
        i.handles.insert(key).map_err(CryptoError::Operation)
    })
}

/// Drops a key whose CryptoKey is gone (crypto.js's FinalizationRegistry).
pub fn key_drop(id: u32) {
    let key = instance::with(|i| i.handles.remove::<Key>(id));
    drop(key); // outside the instance: dropping calls into the host
}

fn with_key<R>(ctx: &Ctx<'_>, id: u32, f: impl FnOnce(&Key) -> R) -> Result<R> {
    instance::with(|i| i.handles.get::<Key>(id).map(f)).ok_or_else(|| not_a_key(ctx))
}

fn not_a_key(ctx: &Ctx<'_>) -> rquickjs::Error {
    Exception::throw_type(ctx, "not a CryptoKey of this instance")
}

pub fn hmac_import<'js>(
    ctx: Ctx<'js>,
    algorithm: HashAlgorithm,
    raw: Value<'js>,
    length: u32,
    extractable: bool,
) -> Result<u32> {
    let raw = crate::natives::bytes_of(&raw)?;
    crypto::hmac_import(algorithm, &raw, length, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

/// A key generated while the app is snapshotted would be shared by every
/// instance. crypto.js refuses first, at the app's line; this is the
/// backstop for the natives that draw the host's randomness for a key.
fn refuse_at_build_time(ctx: &Ctx<'_>) -> Result<()> {
    if crate::init::at_build_time() {
        return Err(Exception::throw_message(ctx, "crypto.subtle.generateKey() cannot run at build time"));
    }
    Ok(())
}

pub fn hmac_generate(ctx: Ctx<'_>, algorithm: HashAlgorithm, length: u32, extractable: bool) -> Result<u32> {
    refuse_at_build_time(&ctx)?;
    crypto::hmac_generate(algorithm, length, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

pub fn hmac_sign<'js>(ctx: Ctx<'js>, id: u32, data: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let data = crate::natives::bytes_of(&data)?;
    let mac = with_key(&ctx, id, |key| crypto::hmac_sign(key, &data))?;
    bytes(ctx, mac)
}

pub fn hmac_verify<'js>(ctx: Ctx<'js>, id: u32, data: Value<'js>, signature: Value<'js>) -> Result<bool> {
    let data = crate::natives::bytes_of(&data)?;
    let signature = crate::natives::bytes_of(&signature)?;
    with_key(&ctx, id, |key| crypto::hmac_verify(key, &data, &signature))
}

pub fn export_raw(ctx: Ctx<'_>, id: u32) -> Result<TypedArray<'_, u8>> {
    let raw = with_key(&ctx, id, |key| key.export_raw())?.map_err(|e| throw(&ctx, e))?;
    bytes(ctx, raw)
}

pub fn derive_import<'js>(ctx: Ctx<'js>, raw: Value<'js>) -> Result<u32> {
    let raw = crate::natives::bytes_of(&raw)?;
    crypto::derive_import(&raw).and_then(keep).map_err(|e| throw(&ctx, e))
}

pub fn hkdf_derive_bits<'js>(
    ctx: Ctx<'js>,
    id: u32,
    algorithm: HashAlgorithm,
    salt: Value<'js>,
    info: Value<'js>,
    length: u32,
) -> Result<TypedArray<'js, u8>> {
    let (salt, info) = (crate::natives::bytes_of(&salt)?, crate::natives::bytes_of(&info)?);
    let out = with_key(&ctx, id, |key| crypto::hkdf_derive_bits(key, algorithm, &salt, &info, length))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn pbkdf2_derive_bits<'js>(
    ctx: Ctx<'js>,
    id: u32,
    algorithm: HashAlgorithm,
    salt: Value<'js>,
    iterations: u32,
    length: u32,
) -> Result<TypedArray<'js, u8>> {
    let salt = crate::natives::bytes_of(&salt)?;
    let out = with_key(&ctx, id, |key| crypto::pbkdf2_derive_bits(key, algorithm, &salt, iterations, length))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn aes_import<'js>(ctx: Ctx<'js>, raw: Value<'js>, extractable: bool) -> Result<u32> {
    let raw = crate::natives::bytes_of(&raw)?;
    crypto::aes_import(&raw, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

pub fn aes_generate(ctx: Ctx<'_>, length: u32, extractable: bool) -> Result<u32> {
    refuse_at_build_time(&ctx)?;
    crypto::aes_generate(length, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

/// The AES mode from crypto.js's arguments: the WIT case name, then for
/// `gcm` (iv, additionalData, tagLength), `cbc` (iv), `ctr` (counter,
/// length), `kw` nothing.
fn aes_mode<'js>(mode: AesModeCase, a: &Value<'js>, b: &Value<'js>, n: u32) -> Result<AesMode> {
    Ok(match mode {
        AesModeCase::Gcm => AesMode::Gcm(GcmParams {
            iv: crate::natives::bytes_of(a)?,
            additional_data: crate::natives::bytes_of(b)?,
            tag_length_bits: n,
        }),
        AesModeCase::Cbc => AesMode::Cbc(crate::natives::bytes_of(a)?),
        AesModeCase::Ctr => AesMode::Ctr(CtrParams { counter: crate::natives::bytes_of(a)?, length_bits: n }),
        AesModeCase::Kw => AesMode::Kw,
    })
}

pub fn aes_encrypt<'js>(
    ctx: Ctx<'js>,
    id: u32,
    mode: AesModeCase,
    a: Value<'js>,
    b: Value<'js>,
    n: u32,
    data: Value<'js>,
) -> Result<TypedArray<'js, u8>> {
    let (mode, data) = (aes_mode(mode, &a, &b, n)?, crate::natives::bytes_of(&data)?);
    let out = with_key(&ctx, id, |key| crypto::aes_encrypt(key, &mode, &data))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn aes_decrypt<'js>(
    ctx: Ctx<'js>,
    id: u32,
    mode: AesModeCase,
    a: Value<'js>,
    b: Value<'js>,
    n: u32,
    data: Value<'js>,
) -> Result<TypedArray<'js, u8>> {
    let (mode, data) = (aes_mode(mode, &a, &b, n)?, crate::natives::bytes_of(&data)?);
    let out = with_key(&ctx, id, |key| crypto::aes_decrypt(key, &mode, &data))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn key_pair_generate<'js>(
    ctx: Ctx<'js>,
    kind: KeyKind,
    modulus_length: u32,
    exponent: Value<'js>,
    extractable: bool,
) -> Result<Vec<u32>> {
    refuse_at_build_time(&ctx)?;
    let exponent = crate::natives::bytes_of(&exponent)?;
    let (public, private) =
        crypto::generate_key_pair(kind, modulus_length, &exponent, extractable).map_err(|e| throw(&ctx, e))?;
    let public = keep(public).map_err(|e| throw(&ctx, e))?;
    Ok(vec![public, keep(private).map_err(|e| throw(&ctx, e))?])
}

pub fn key_import<'js>(
    ctx: Ctx<'js>,
    kind: KeyKind,
    format: KeyFormat,
    data: Value<'js>,
    extractable: bool,
) -> Result<u32> {
    let data = crate::natives::bytes_of(&data)?;
    crypto::import_key(kind, format, &data, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

/// `members` is an object of the JWK's byte members, already decoded.
pub fn key_import_jwk<'js>(ctx: Ctx<'js>, kind: KeyKind, members: Object<'js>, extractable: bool) -> Result<u32> {
    let mut list = Vec::new();
    for entry in members.props::<String, Value>() {
        let (name, value) = entry?;
        list.push(JwkMember { name, value: crate::natives::bytes_of(&value)? });
    }
    crypto::import_jwk(kind, &list, extractable).and_then(keep).map_err(|e| throw(&ctx, e))
}

pub fn key_export(ctx: Ctx<'_>, id: u32, format: KeyFormat) -> Result<TypedArray<'_, u8>> {
    let out = with_key(&ctx, id, |key| key.export(format))?.map_err(|e| throw(&ctx, e))?;
    bytes(ctx, out)
}

pub fn key_export_jwk(ctx: Ctx<'_>, id: u32) -> Result<Object<'_>> {
    let members = with_key(&ctx, id, |key| key.export_jwk())?.map_err(|e| throw(&ctx, e))?;
    let object = Object::new(ctx.clone())?;
    for member in members {
        object.set(member.name, bytes(ctx.clone(), member.value)?)?;
    }
    Ok(object)
}

pub fn key_info(ctx: Ctx<'_>, id: u32) -> Result<Object<'_>> {
    let info = with_key(&ctx, id, |key| key.info())?;
    let object = Object::new(ctx.clone())?;
    object.set("private", info.private)?;
    object.set("length", info.length_bits)?;
    object.set("modulusLength", info.modulus_length)?;
    object.set("publicExponent", bytes(ctx.clone(), info.public_exponent)?)?;
    Ok(object)
}

/// The signature scheme from crypto.js's `{ case, hash, saltLength,
/// context }`: the WIT case name, the hash (none for `ed25519` and `ed448`),
/// RSA-PSS's salt length and Ed448's context (bytes, or none).
fn scheme<'js>(ctx: &Ctx<'js>, scheme: &Object<'js>) -> Result<SignatureScheme> {
    let case: SignatureSchemeCase = scheme.get("case")?;
    let hash: Option<HashAlgorithm> = scheme.get("hash")?;
    let hash = || {
        hash.ok_or_else(|| {
            Exception::throw_type(ctx, &format!("the signature scheme {} needs a hash", case.wit_name()))
        })
    };
    Ok(match case {
        SignatureSchemeCase::Ecdsa => SignatureScheme::Ecdsa(hash()?),
        SignatureSchemeCase::Ed25519 => SignatureScheme::Ed25519,
        SignatureSchemeCase::Ed448 => {
            let context: Value<'js> = scheme.get("context")?;
            SignatureScheme::Ed448(if context.is_undefined() {
                Vec::new()
            } else {
                crate::natives::bytes_of(&context)?
            })
        }
        SignatureSchemeCase::RsassaPkcs1V15 => SignatureScheme::RsassaPkcs1V15(hash()?),
        SignatureSchemeCase::RsaPss => {
            SignatureScheme::RsaPss(PssParams { hash: hash()?, salt_length: scheme.get("saltLength")? })
        }
    })
}

pub fn sign<'js>(ctx: Ctx<'js>, id: u32, scheme_of: Object<'js>, data: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let data = crate::natives::bytes_of(&data)?;
    let scheme = scheme(&ctx, &scheme_of)?;
    let out = with_key(&ctx, id, |key| crypto::sign(key, &scheme, &data))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn verify<'js>(
    ctx: Ctx<'js>,
    id: u32,
    scheme_of: Object<'js>,
    data: Value<'js>,
    signature: Value<'js>,
) -> Result<bool> {
    let (data, signature) = (crate::natives::bytes_of(&data)?, crate::natives::bytes_of(&signature)?);
    let scheme = scheme(&ctx, &scheme_of)?;
    with_key(&ctx, id, |key| crypto::verify(key, &scheme, &data, &signature))?.map_err(|e| throw(&ctx, e))
}

pub fn derive_shared(ctx: Ctx<'_>, private: u32, public: u32) -> Result<TypedArray<'_, u8>> {
    let out = instance::with(|i| match (i.handles.get::<Key>(private), i.handles.get::<Key>(public)) {
        (Some(private), Some(public)) => Some(crypto::derive_shared_secret(private, public)),
        _ => None,
    })
    .ok_or_else(|| not_a_key(&ctx))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn rsa_oaep<'js>(
    ctx: Ctx<'js>,
    id: u32,
    decrypt: bool,
    hash: HashAlgorithm,
    label: Value<'js>,
    data: Value<'js>,
) -> Result<TypedArray<'js, u8>> {
    let (label, data) = (crate::natives::bytes_of(&label)?, crate::natives::bytes_of(&data)?);
    let out = with_key(&ctx, id, |key| {
        if decrypt {
            crypto::rsa_oaep_decrypt(key, hash, &label, &data)
        } else {
            crypto::rsa_oaep_encrypt(key, hash, &label, &data)
        }
    })?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

pub fn digest_new(ctx: Ctx<'_>, algorithm: HashAlgorithm) -> Result<u32> {
    let context = crypto::digest_new(algorithm).map_err(|e| throw(&ctx, e))?;
    instance::with(|i| i.handles.insert(context)).map_err(|e| throw(&ctx, CryptoError::Operation(e)))
}

pub fn digest_update<'js>(ctx: Ctx<'js>, id: u32, data: Value<'js>) -> Result<()> {
    let data = crate::natives::bytes_of(&data)?;
    instance::with(|i| i.handles.get::<DigestContext>(id).map(|context| context.update(&data)))
        .ok_or_else(|| Exception::throw_type(&ctx, "the digest is finished"))
}

pub fn digest_finish(ctx: Ctx<'_>, id: u32) -> Result<TypedArray<'_, u8>> {
    let context = instance::with(|i| i.handles.remove::<DigestContext>(id));
    match context {
        Some(context) => bytes(ctx, context.finish()),
        None => Err(Exception::throw_type(&ctx, "the digest is finished")),
    }
}

/// A secret key type from crypto.js's `{ secret, hash, length }`, `secret`
/// the WIT case name (`hmac`, `aes`, `derive`).
fn secret_key_type(target: &Object<'_>) -> Result<SecretKeyType> {
    Ok(match target.get::<_, SecretKeyTypeCase>("secret")? {
        SecretKeyTypeCase::Hmac => {
            SecretKeyType::Hmac(HmacKeyType { hash: target.get("hash")?, length_bits: target.get("length")? })
        }
        SecretKeyTypeCase::Aes => SecretKeyType::Aes,
        SecretKeyTypeCase::Derive => SecretKeyType::Derive,
    })
}

/// deriveKey in the host: `params` is `{ kind, hash, salt, info,
/// iterations, length }`, `kind` the WIT key-derivation case name (`hkdf`,
/// `pbkdf2`, `agreement`); `peer` the public key of an agreement (else -1).
pub fn derive_key<'js>(
    ctx: Ctx<'js>,
    base: u32,
    params: Object<'js>,
    peer: i32,
    target: Object<'js>,
    extractable: bool,
) -> Result<u32> {
    let derivation = match params.get::<_, KeyDerivationCase>("kind")? {
        KeyDerivationCase::Hkdf => KeyDerivation::Hkdf(HkdfParams {
            hash: params.get("hash")?,
            salt: crate::natives::bytes_of(&params.get("salt")?)?,
            info: crate::natives::bytes_of(&params.get("info")?)?,
        }),
        KeyDerivationCase::Pbkdf2 => KeyDerivation::Pbkdf2(Pbkdf2Params {
            hash: params.get("hash")?,
            salt: crate::natives::bytes_of(&params.get("salt")?)?,
            iterations: params.get("iterations")?,
        }),
        KeyDerivationCase::Agreement => KeyDerivation::Agreement,
    };
    let (length, target) = (params.get::<_, u32>("length")?, secret_key_type(&target)?);
    let derived = instance::with(|i| {
        let base = i.handles.get::<Key>(base)?;
        // -1: no peer; any other id must be a live key.
        let peer = if peer < 0 { None } else { Some(i.handles.get::<Key>(peer as u32)?) };
        Some(crypto::derive_key(base, &derivation, peer, length, target, extractable))
    })
    .ok_or_else(|| not_a_key(&ctx))?;
    derived.and_then(keep).map_err(|e| throw(&ctx, e))
}

/// unwrapKey of a binary format in the host. `mode` and `target` name their
/// WIT case in `case`: `mode` is `{ case: 'aes', aes, a, b, n }` (as for
/// aesDecrypt) or `{ case: 'rsa-oaep', hash, label }`; `target` is
/// `{ case: 'secret', ... }` (a secret key type) or `{ case: 'asymmetric',
/// kind, format }`.
pub fn unwrap_key<'js>(
    ctx: Ctx<'js>,
    id: u32,
    mode: Object<'js>,
    wrapped: Value<'js>,
    target: Object<'js>,
    extractable: bool,
) -> Result<u32> {
    let mode = match mode.get::<_, UnwrapModeCase>("case")? {
        UnwrapModeCase::Aes => {
            UnwrapMode::Aes(aes_mode(mode.get("aes")?, &mode.get("a")?, &mode.get("b")?, mode.get("n")?)?)
        }
        UnwrapModeCase::RsaOaep => UnwrapMode::RsaOaep(OaepParams {
            hash: mode.get("hash")?,
            label: crate::natives::bytes_of(&mode.get("label")?)?,
        }),
    };
    let target = match target.get::<_, UnwrapTargetCase>("case")? {
        UnwrapTargetCase::Asymmetric => {
            UnwrapTarget::Asymmetric(AsymmetricTarget { kind: target.get("kind")?, format: target.get("format")? })
        }
        UnwrapTargetCase::Secret => UnwrapTarget::Secret(secret_key_type(&target)?),
    };
    let wrapped = crate::natives::bytes_of(&wrapped)?;
    let out = with_key(&ctx, id, move |key| crypto::unwrap_key(key, &mode, &wrapped, target, extractable))?;
    out.and_then(keep).map_err(|e| throw(&ctx, e))
}
