//! Native half of Web Crypto (js/crypto.js). Randomness comes from
//! `wasi:random`; everything with keys or digests runs in the host
//! (`nano:platform/crypto`), and keys stay there as resources: the guest
//! keeps their handles in a table and gives JS an index.

use crate::nano::platform::crypto::{self, CryptoError, HashAlgorithm, Key};
use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray, Value};
use std::cell::RefCell;

thread_local! {
    static KEYS: RefCell<Vec<Key>> = const { RefCell::new(Vec::new()) };
}

pub fn install<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("randomBytes", Function::new(ctx.clone(), random_bytes)?)?;
    native.set("digest", Function::new(ctx.clone(), digest)?)?;
    native.set("hmacImport", Function::new(ctx.clone(), hmac_import)?)?;
    native.set("hmacGenerate", Function::new(ctx.clone(), hmac_generate)?)?;
    native.set("hmacSign", Function::new(ctx.clone(), hmac_sign)?)?;
    native.set("hmacVerify", Function::new(ctx.clone(), hmac_verify)?)?;
    native.set("keyExportRaw", Function::new(ctx.clone(), export_raw)?)?;
    native.set("deriveImport", Function::new(ctx.clone(), derive_import)?)?;
    native.set("aesImport", Function::new(ctx.clone(), aes_import)?)?;
    native.set("aesGenerate", Function::new(ctx.clone(), aes_generate)?)?;
    native.set("aesGcm", Function::new(ctx.clone(), aes_gcm)?)?;
    native.set("hkdfDeriveBits", Function::new(ctx.clone(), hkdf_derive_bits)?)?;
    native.set("pbkdf2DeriveBits", Function::new(ctx.clone(), pbkdf2_derive_bits)?)?;
    Ok(())
}

/// js/crypto.js turns `DOMException:<name>:<message>` into a DOMException.
fn throw(ctx: &Ctx<'_>, error: CryptoError) -> rquickjs::Error {
    let (name, message) = match error {
        CryptoError::NotSupported(m) => ("NotSupportedError", m),
        CryptoError::Data(m) => ("DataError", m),
        CryptoError::InvalidAccess(m) => ("InvalidAccessError", m),
        CryptoError::Operation(m) => ("OperationError", m),
    };
    Exception::throw_message(ctx, &format!("DOMException:{name}:{message}"))
}

fn hash(index: u32) -> HashAlgorithm {
    match index {
        0 => HashAlgorithm::Sha1,
        1 => HashAlgorithm::Sha256,
        2 => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha512,
    }
}

fn bytes<'js>(ctx: Ctx<'js>, data: Vec<u8>) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx, data)
}

fn random_bytes(ctx: Ctx<'_>, len: u32) -> Result<TypedArray<'_, u8>> {
    bytes(ctx, crate::wasi::random::random::get_random_bytes(u64::from(len)))
}

fn digest<'js>(ctx: Ctx<'js>, algorithm: u32, data: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let data = crate::native::bytes_of(&data)?;
    bytes(ctx, crypto::digest(hash(algorithm), &data))
}

fn keep(key: Key) -> u32 {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        keys.push(key);
        (keys.len() - 1) as u32
    })
}

fn with_key<R>(ctx: &Ctx<'_>, id: u32, f: impl FnOnce(&Key) -> R) -> Result<R> {
    KEYS.with(|keys| match keys.borrow().get(id as usize) {
        Some(key) => Ok(f(key)),
        None => Err(Exception::throw_type(ctx, "not a CryptoKey of this instance")),
    })
}

fn hmac_import<'js>(ctx: Ctx<'js>, algorithm: u32, raw: Value<'js>, length: u32, extractable: bool) -> Result<u32> {
    let raw = crate::native::bytes_of(&raw)?;
    crypto::hmac_import(hash(algorithm), &raw, length, extractable).map(keep).map_err(|e| throw(&ctx, e))
}

fn hmac_generate(ctx: Ctx<'_>, algorithm: u32, length: u32, extractable: bool) -> Result<u32> {
    crypto::hmac_generate(hash(algorithm), length, extractable).map(keep).map_err(|e| throw(&ctx, e))
}

fn hmac_sign<'js>(ctx: Ctx<'js>, id: u32, data: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let data = crate::native::bytes_of(&data)?;
    let mac = with_key(&ctx, id, |key| crypto::hmac_sign(key, &data))?;
    bytes(ctx, mac)
}

fn hmac_verify<'js>(ctx: Ctx<'js>, id: u32, data: Value<'js>, signature: Value<'js>) -> Result<bool> {
    let data = crate::native::bytes_of(&data)?;
    let signature = crate::native::bytes_of(&signature)?;
    with_key(&ctx, id, |key| crypto::hmac_verify(key, &data, &signature))
}

fn export_raw(ctx: Ctx<'_>, id: u32) -> Result<TypedArray<'_, u8>> {
    let raw = with_key(&ctx, id, |key| key.export_raw())?.map_err(|e| throw(&ctx, e))?;
    bytes(ctx, raw)
}

fn derive_import<'js>(raw: Value<'js>) -> Result<u32> {
    let raw = crate::native::bytes_of(&raw)?;
    Ok(keep(crypto::derive_import(&raw)))
}

fn hkdf_derive_bits<'js>(
    ctx: Ctx<'js>,
    id: u32,
    algorithm: u32,
    salt: Value<'js>,
    info: Value<'js>,
    length: u32,
) -> Result<TypedArray<'js, u8>> {
    let (salt, info) = (crate::native::bytes_of(&salt)?, crate::native::bytes_of(&info)?);
    let out = with_key(&ctx, id, |key| crypto::hkdf_derive_bits(key, hash(algorithm), &salt, &info, length))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

fn pbkdf2_derive_bits<'js>(
    ctx: Ctx<'js>,
    id: u32,
    algorithm: u32,
    salt: Value<'js>,
    iterations: u32,
    length: u32,
) -> Result<TypedArray<'js, u8>> {
    let salt = crate::native::bytes_of(&salt)?;
    let out = with_key(&ctx, id, |key| crypto::pbkdf2_derive_bits(key, hash(algorithm), &salt, iterations, length))?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}

fn aes_import<'js>(ctx: Ctx<'js>, raw: Value<'js>, extractable: bool) -> Result<u32> {
    let raw = crate::native::bytes_of(&raw)?;
    crypto::aes_import(&raw, extractable).map(keep).map_err(|e| throw(&ctx, e))
}

fn aes_generate(ctx: Ctx<'_>, length: u32, extractable: bool) -> Result<u32> {
    crypto::aes_generate(length, extractable).map(keep).map_err(|e| throw(&ctx, e))
}

/// AES-GCM encryption (`decrypt` false) or decryption.
#[allow(clippy::too_many_arguments)]
fn aes_gcm<'js>(
    ctx: Ctx<'js>,
    id: u32,
    decrypt: bool,
    iv: Value<'js>,
    additional_data: Value<'js>,
    tag_length: u32,
    data: Value<'js>,
) -> Result<TypedArray<'js, u8>> {
    let (iv, aad, data) =
        (crate::native::bytes_of(&iv)?, crate::native::bytes_of(&additional_data)?, crate::native::bytes_of(&data)?);
    let out = with_key(&ctx, id, |key| {
        if decrypt {
            crypto::aes_gcm_decrypt(key, &iv, &aad, tag_length, &data)
        } else {
            crypto::aes_gcm_encrypt(key, &iv, &aad, tag_length, &data)
        }
    })?;
    bytes(ctx.clone(), out.map_err(|e| throw(&ctx, e))?)
}
