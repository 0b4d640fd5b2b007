// Web Crypto (W3C Web Cryptography API): crypto.getRandomValues,
// crypto.randomUUID, and crypto.subtle. The work runs in the host
// (mod.rs -> nano:platform/crypto); this side does the standard's
// argument checking, algorithm normalisation, JWK members and CryptoKey
// objects. Algorithms: digest SHA-1/256/384/512; HMAC; HKDF and PBKDF2;
// AES-GCM, AES-CBC, AES-CTR, AES-KW; ECDSA and ECDH on P-256/384/521;
// Ed25519, X25519, Ed448 and X448; RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP; wrapKey and
// unwrapKey with every encryption algorithm and AES-KW.
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { TextDecoder, TextEncoder } from '../encoding/encoding.js';
import { atob, btoa } from '../encoding/base64.js';

const HASH_NAMES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
// Values cross to mod.rs as their WIT case names: here the hash-algorithm
// case of each hash.
const WIT_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const HASH_BLOCK_BITS = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 };
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array];
const cryptoToken = Symbol('crypto');

// Top-level code runs at build time and what it computes is frozen into the
// snapshot: a random value or key drawn then would be the same in every
// request and every restart (and readable in the built app). So drawing one
// then is a build error, located at the app's line like any other.
function refuseAtBuildTime(call, what) {
  if (native.atBuildTime()) {
    throw new Error(`${call} cannot run at build time: ${what} would be frozen into the snapshot and shared by every request; call it inside fetch()`);
  }
}

// A key lives in the host, and the host objects of the build are gone at
// request time: the snapshot would hold the id of nothing. So making one at
// build time is a build error too, located at the app's line.
function refuseKeyAtBuildTime(operation) {
  if (native.atBuildTime()) {
    throw new TypeError(`crypto.subtle.${operation} cannot run at build time (top-level code): the key would not exist at request time; create it inside fetch()`);
  }
}

function getRandomValues(array) {
  requiredArguments(arguments.length, 1, "Failed to execute 'getRandomValues' on 'Crypto'");
  refuseAtBuildTime('crypto.getRandomValues()', 'its values');
  if (!ArrayBuffer.isView(array)) {
    throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
  }
  if (!INTEGER_ARRAYS.some((Ctor) => array instanceof Ctor)) {
    throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is not an integer array type.", 'TypeMismatchError');
  }
  if (array.byteLength > 65536) {
    throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
  }
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(native.randomBytes(array.byteLength));
  return array;
}

function randomUUID() {
  refuseAtBuildTime('crypto.randomUUID()', 'its value');
  const b = native.randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Web Crypto's "normalize an algorithm": a string or an object with a name.
function algorithmName(algorithm, operation, supported) {
  let name;
  if (typeof algorithm === 'string') name = algorithm;
  else if (algorithm !== null && typeof algorithm === 'object') {
    // Read once, as a WebIDL dictionary conversion does: a getter runs once.
    const value = algorithm.name;
    if (value === undefined) throw new TypeError(`${operation}: the algorithm has no name`);
    name = String(value);
  } else {
    throw new TypeError(`${operation}: the algorithm must be a string or an object with a name`);
  }
  const found = supported.find((s) => s.toUpperCase() === name.toUpperCase());
  if (found === undefined) throw new DOMException(`${operation}: the algorithm ${name} is not supported`, 'NotSupportedError');
  return found;
}

function hashName(hash, operation) {
  if (hash === undefined) throw new TypeError(`${operation}: the algorithm needs a hash`);
  return algorithmName(hash, operation, HASH_NAMES);
}

function bufferSourceCopy(data, operation) {
  if (!isBufferSource(data)) {
    throw new TypeError(`${operation}: the data must be an ArrayBuffer or an ArrayBufferView`);
  }
  return bufferSourceBytes(data).slice();
}

function checkUsages(usages, allowed, operation) {
  const list = [...usages].map(String);
  for (const usage of list) {
    if (!['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'].includes(usage)) {
      throw new TypeError(`${operation}: '${usage}' is not a key usage`);
    }
    if (!allowed.includes(usage)) throw new DOMException(`${operation}: '${usage}' is not a valid usage for this key`, 'SyntaxError');
  }
  return [...new Set(list)];
}

// A CryptoKey's host key is dropped when the CryptoKey is collected.
const keyRegistry = new FinalizationRegistry((handle) => native.keyDrop(handle));

class CryptoKey {
  #type; #extractable; #algorithm; #usages; #handle;
  constructor(token, type, extractable, algorithm, usages, handle) {
    if (token !== cryptoToken) throw new TypeError('Illegal constructor');
    keyRegistry.register(this, handle);
    this.#type = type;
    this.#extractable = extractable;
    this.#algorithm = algorithm;
    this.#usages = usages;
    this.#handle = handle;
  }
  get type() { return this.#type; }
  get extractable() { return this.#extractable; }
  get algorithm() { return this.#algorithm; }
  get usages() { return this.#usages; }
  static _handle(key) { return key.#handle; }
}
const keyHandle = CryptoKey._handle;
delete CryptoKey._handle;
Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: 'CryptoKey', configurable: true });

function base64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text, operation) {
  if (typeof text !== 'string' || /[^A-Za-z0-9_-]/.test(text)) throw new DOMException(`${operation}: invalid base64url in the JWK`, 'DataError');
  let binary;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw new DOMException(`${operation}: invalid base64url in the JWK`, 'DataError');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const HMAC_JWK_ALG = { 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' };
const AES_USAGES = ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'];
const DERIVE_USAGES = ['deriveKey', 'deriveBits'];
const AES_NAMES = ['AES-GCM', 'AES-CBC', 'AES-CTR', 'AES-KW'];
const EC_CURVES = ['P-256', 'P-384', 'P-521'];
const SIGN_PAIR = { public: ['verify'], private: ['sign'] };
const DERIVE_PAIR = { public: [], private: DERIVE_USAGES };
// Which usages each half of a key pair may have.
const PAIR_USAGES = {
  ECDSA: SIGN_PAIR, Ed25519: SIGN_PAIR, Ed448: SIGN_PAIR, 'RSASSA-PKCS1-v1_5': SIGN_PAIR, 'RSA-PSS': SIGN_PAIR,
  ECDH: DERIVE_PAIR, X25519: DERIVE_PAIR, X448: DERIVE_PAIR,
  'RSA-OAEP': { public: ['encrypt', 'wrapKey'], private: ['decrypt', 'unwrapKey'] },
};
const PAIR_NAMES = Object.keys(PAIR_USAGES);
// The Secure Curves (RFC 8410 keys, JWK kty "OKP" with crv the name).
const OKP_NAMES = ['Ed25519', 'X25519', 'Ed448', 'X448'];
// The WIT key-kind case of each curve (and of RSA). The binary formats
// ('raw', 'spki', 'pkcs8') are WIT key-format case names as they are.
const WIT_KEY_KIND = { 'P-256': 'p256', 'P-384': 'p384', 'P-521': 'p521', Ed25519: 'ed25519', X25519: 'x25519', Ed448: 'ed448', X448: 'x448', RSA: 'rsa' };
const RSA_JWK_ALG = {
  'RSASSA-PKCS1-v1_5': ['RS1', 'RS256', 'RS384', 'RS512'],
  'RSA-PSS': ['PS1', 'PS256', 'PS384', 'PS512'],
  'RSA-OAEP': ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'],
};
const EC_JWK_ALG = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const JWK_BYTE_MEMBERS = { EC: ['x', 'y', 'd'], OKP: ['x', 'd'], RSA: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] };

function domError(message, name) { return new DOMException(message, name); }

function checkFormat(format, operation) {
  if (!['raw', 'jwk', 'pkcs8', 'spki'].includes(format)) throw new TypeError(`${operation}: unknown format ${format}`);
}

function hashOfKey(key) { return key.algorithm.hash.name; }

function maskBits(bytes, bits) {
  const out = bytes.slice(0, Math.ceil(bits / 8));
  if (bits % 8) out[out.length - 1] &= 0xff << (8 - (bits % 8));
  return out;
}

// ---- secret keys: HMAC, AES, HKDF / PBKDF2 ----

// A secret key's bytes from `raw` or a `jwk` (kty "oct"), with the JWK's
// alg, use, key_ops and ext checked as the standard says.
function secretKeyBytes(format, keyData, extractable, usages, name, use, expectedAlg) {
  if (format === 'raw') return bufferSourceCopy(keyData, 'importKey');
  if (format !== 'jwk') throw domError(`importKey: format ${format} is not valid for ${name}`, 'NotSupportedError');
  const raw = fromBase64url(checkJwk(keyData, 'oct', name, extractable, usages, use).k, 'importKey');
  const alg = expectedAlg(raw);
  if (keyData.alg !== undefined && keyData.alg !== alg) {
    throw domError(`importKey: JWK alg ${keyData.alg} does not match ${alg}`, 'DataError');
  }
  return raw;
}

// The members every JWK import checks: kty, use, key_ops, ext.
function checkJwk(jwk, kty, name, extractable, usages, use) {
  if (jwk === null || typeof jwk !== 'object' || isBufferSource(jwk)) throw new TypeError('importKey: a JWK must be an object');
  if (jwk.kty !== kty) throw domError(`importKey: an ${name} JWK must have kty "${kty}"`, 'DataError');
  if (usages.length && jwk.use !== undefined && jwk.use !== use) throw domError(`importKey: JWK use must be "${use}"`, 'DataError');
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops)) throw domError('importKey: JWK key_ops must be an array', 'DataError');
    if (!usages.every((u) => jwk.key_ops.includes(u))) throw domError('importKey: usages are not in the JWK key_ops', 'DataError');
  }
  if (jwk.ext === false && extractable) throw domError('importKey: the JWK is not extractable', 'DataError');
  return jwk;
}

function hmacKey(handle, hash, lengthBits, extractable, usages) {
  const algorithm = { name: 'HMAC', hash: { name: hash }, length: lengthBits };
  return new CryptoKey(cryptoToken, 'secret', extractable, algorithm, usages, handle);
}

function aesKey(name, handle, lengthBits, extractable, usages) {
  return new CryptoKey(cryptoToken, 'secret', extractable, { name, length: lengthBits }, usages, handle);
}

function aesJwkAlg(name, bits) { return `A${bits}${name.slice(4)}`; }

// The import functions take the key's bytes from `keyData`, or, when
// `inHost` is given (unwrapKey, deriveKey), have it make the key in the host
// from bytes that never come here: inHost(target) returns the handle.
function hostHandle(inHost, target) {
  return inHost(target);
}

function importHmacKey(format, keyData, algorithm, extractable, keyUsages, inHost) {
  const hash = hashName(algorithm.hash, 'importKey');
  const usages = checkUsages(keyUsages, ['sign', 'verify'], 'importKey');
  const raw = inHost ? null : secretKeyBytes(format, keyData, extractable, usages, 'HMAC', 'sig', () => HMAC_JWK_ALG[hash]);
  if (usages.length === 0) throw domError('importKey: usages cannot be empty', 'SyntaxError');
  let length = algorithm.length === undefined ? undefined : Number(algorithm.length);
  if (inHost) {
    const handle = hostHandle(inHost, { case: 'secret', secret: 'hmac', hash: WIT_HASH[hash], length: length === undefined ? 0 : length });
    return hmacKey(handle, hash, length === undefined ? native.keyInfo(handle).length : length, !!extractable, usages);
  }
  if (length === undefined) length = raw.length * 8;
  return hmacKey(native.hmacImport(WIT_HASH[hash], raw, length, !!extractable), hash, length, !!extractable, usages);
}

function importAesKey(name, format, keyData, extractable, keyUsages, inHost) {
  const usages = checkUsages(keyUsages, name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : AES_USAGES, 'importKey');
  const raw = inHost ? null : secretKeyBytes(format, keyData, extractable, usages, name, 'enc', (bytes) => aesJwkAlg(name, bytes.length * 8));
  if (usages.length === 0) throw domError('importKey: usages cannot be empty', 'SyntaxError');
  if (inHost) {
    const handle = hostHandle(inHost, { case: 'secret', secret: 'aes' });
    return aesKey(name, handle, native.keyInfo(handle).length, !!extractable, usages);
  }
  return aesKey(name, native.aesImport(raw, !!extractable), raw.length * 8, !!extractable, usages);
}

// HKDF / PBKDF2 base keys: raw bytes only, never extractable.
function importDerivationKey(name, format, keyData, extractable, keyUsages, inHost) {
  const usages = checkUsages(keyUsages, DERIVE_USAGES, 'importKey');
  if (format !== 'raw') throw domError(`importKey: format ${format} is not valid for ${name}`, 'NotSupportedError');
  const raw = inHost ? null : bufferSourceCopy(keyData, 'importKey');
  if (extractable) throw domError(`importKey: ${name} keys cannot be extractable`, 'SyntaxError');
  if (usages.length === 0) throw domError('importKey: usages cannot be empty', 'SyntaxError');
  const handle = inHost ? hostHandle(inHost, { case: 'secret', secret: 'derive' }) : native.deriveImport(raw);
  return new CryptoKey(cryptoToken, 'secret', false, { name }, usages, handle);
}

function exportSecretKey(format, key) {
  const raw = native.keyExportRaw(keyHandle(key));
  if (format === 'raw') return raw.buffer;
  if (format === 'jwk') {
    const name = key.algorithm.name;
    const alg = name === 'HMAC' ? HMAC_JWK_ALG[hashOfKey(key)] : aesJwkAlg(name, key.algorithm.length);
    return { kty: 'oct', k: base64url(raw), alg, key_ops: [...key.usages], ext: key.extractable };
  }
  throw domError(`exportKey: format ${format} is not valid for ${key.algorithm.name}`, 'NotSupportedError');
}

// ---- key pairs: ECDSA, ECDH, Ed25519, X25519, Ed448, X448, RSA ----

// The host's key kind and the key's `algorithm` dictionary (RSA's
// modulusLength and publicExponent are filled in from the key).
function pairAlgorithm(name, algorithm, operation) {
  if (name === 'ECDSA' || name === 'ECDH') {
    if (algorithm.namedCurve === undefined) throw new TypeError(`${operation}: ${name} needs a namedCurve`);
    const namedCurve = String(algorithm.namedCurve);
    if (!EC_CURVES.includes(namedCurve)) throw domError(`${operation}: the curve ${namedCurve} is not supported`, 'NotSupportedError');
    return { kind: WIT_KEY_KIND[namedCurve], keyAlgorithm: { name, namedCurve } };
  }
  if (OKP_NAMES.includes(name)) return { kind: WIT_KEY_KIND[name], keyAlgorithm: { name } };
  const hash = hashName(algorithm.hash, operation);
  return { kind: WIT_KEY_KIND.RSA, keyAlgorithm: { name, modulusLength: 0, publicExponent: new Uint8Array(0), hash: { name: hash } } };
}

function pairKey(type, extractable, keyAlgorithm, usages, handle) {
  const algorithm = { ...keyAlgorithm };
  if (algorithm.hash) {
    const info = native.keyInfo(handle);
    algorithm.modulusLength = info.modulusLength;
    algorithm.publicExponent = info.publicExponent;
    algorithm.hash = { ...algorithm.hash };
  }
  return new CryptoKey(cryptoToken, type, extractable, algorithm, usages, handle);
}

function generateKeyPair(name, algorithm, extractable, keyUsages) {
  const allowed = PAIR_USAGES[name];
  const { kind, keyAlgorithm } = pairAlgorithm(name, algorithm, 'generateKey');
  let modulusLength = 0;
  let exponent = new Uint8Array(0);
  if (keyAlgorithm.hash) {
    if (algorithm.modulusLength === undefined) throw new TypeError('generateKey: RSA needs a modulusLength');
    if (!(algorithm.publicExponent instanceof Uint8Array)) throw new TypeError('generateKey: RSA needs a publicExponent Uint8Array');
    modulusLength = Number(algorithm.modulusLength) >>> 0;
    exponent = algorithm.publicExponent.slice();
  }
  const usages = checkUsages(keyUsages, [...allowed.public, ...allowed.private], 'generateKey');
  const privateUsages = usages.filter((u) => allowed.private.includes(u));
  // The standard generates first (a bad RSA publicExponent or modulusLength
  // is an OperationError from the host) and only then rejects a private key
  // without usages, so the host's checks come before the SyntaxError.
  const handles = native.keyPairGenerate(kind, modulusLength, exponent, !!extractable);
  if (privateUsages.length === 0) {
    native.keyDrop(handles[0]);
    native.keyDrop(handles[1]);
    throw domError('generateKey: the private key would have no usages', 'SyntaxError');
  }
  return {
    publicKey: pairKey('public', true, keyAlgorithm, usages.filter((u) => allowed.public.includes(u)), handles[0]),
    privateKey: pairKey('private', !!extractable, keyAlgorithm, privateUsages, handles[1]),
  };
}

// The JWK checks of each key-pair algorithm beyond kty / use / key_ops / ext.
function checkPairJwk(name, keyAlgorithm, jwk) {
  if (name === 'ECDSA' || name === 'ECDH') {
    if (jwk.crv !== keyAlgorithm.namedCurve) throw domError(`importKey: JWK crv ${jwk.crv} is not ${keyAlgorithm.namedCurve}`, 'DataError');
    if (name === 'ECDSA' && jwk.alg !== undefined && jwk.alg !== EC_JWK_ALG[jwk.crv]) {
      throw domError(`importKey: JWK alg ${jwk.alg} does not match ${EC_JWK_ALG[jwk.crv]}`, 'DataError');
    }
  } else if (OKP_NAMES.includes(name)) {
    if (jwk.crv !== name) throw domError(`importKey: JWK crv ${jwk.crv} is not ${name}`, 'DataError');
    if ((name === 'Ed25519' || name === 'Ed448') && jwk.alg !== undefined && jwk.alg !== name && jwk.alg !== 'EdDSA') {
      throw domError(`importKey: JWK alg ${jwk.alg} is not EdDSA`, 'DataError');
    }
  } else {
    const alg = RSA_JWK_ALG[name][HASH_NAMES.indexOf(keyAlgorithm.hash.name)];
    if (jwk.alg !== undefined && jwk.alg !== alg) throw domError(`importKey: JWK alg ${jwk.alg} does not match ${alg}`, 'DataError');
    // The CRT members come all together or not at all.
    const crt = ['p', 'q', 'dp', 'dq', 'qi'].filter((m) => jwk[m] !== undefined).length;
    if (jwk.d !== undefined && crt !== 0 && crt !== 5) throw domError('importKey: an RSA JWK has all of p, q, dp, dq and qi or none', 'DataError');
  }
}

function jwkKty(name) {
  if (name === 'ECDSA' || name === 'ECDH') return 'EC';
  return OKP_NAMES.includes(name) ? 'OKP' : 'RSA';
}

function importPairKey(name, format, keyData, algorithm, extractable, keyUsages, inHost) {
  const allowed = PAIR_USAGES[name];
  const { kind, keyAlgorithm } = pairAlgorithm(name, algorithm, 'importKey');
  const usages = checkUsages(keyUsages, [...allowed.public, ...allowed.private], 'importKey');
  if (format === 'raw' && keyAlgorithm.hash) throw domError('importKey: RSA keys have no raw format', 'NotSupportedError');
  let type;
  if (format === 'jwk') type = keyData.d === undefined ? 'public' : 'private';
  else type = format === 'pkcs8' ? 'private' : 'public';
  checkPairUsages(usages, allowed[type], type);
  if (type === 'private' && usages.length === 0) throw domError('importKey: usages cannot be empty', 'SyntaxError');
  let handle;
  if (format === 'jwk') {
    const kty = jwkKty(name);
    checkJwk(keyData, kty, name, extractable, usages, allowed.private.includes('sign') ? 'sig' : 'enc');
    checkPairJwk(name, keyAlgorithm, keyData);
    const members = {};
    for (const member of JWK_BYTE_MEMBERS[kty]) {
      if (keyData[member] !== undefined) members[member] = fromBase64url(keyData[member], 'importKey');
    }
    handle = native.keyImportJwk(kind, members, !!extractable);
  } else if (inHost) {
    handle = hostHandle(inHost, { case: 'asymmetric', kind, format });
  } else {
    const bytes = bufferSourceCopy(keyData, 'importKey');
    handle = native.keyImport(kind, format, bytes, !!extractable);
  }
  return pairKey(type, !!extractable, keyAlgorithm, usages, handle);
}

function checkPairUsages(usages, allowed, type) {
  for (const usage of usages) {
    if (!allowed.includes(usage)) throw domError(`importKey: '${usage}' is not a valid usage for a ${type} key`, 'SyntaxError');
  }
}

function exportPairKey(format, key) {
  const name = key.algorithm.name;
  if (format === 'jwk') {
    const members = native.keyExportJwk(keyHandle(key));
    const kty = jwkKty(name);
    const jwk = { kty };
    if (kty === 'EC') jwk.crv = key.algorithm.namedCurve;
    if (kty === 'OKP') jwk.crv = name;
    // Web Crypto (Secure Curves): an Ed25519 or Ed448 JWK names its algorithm.
    if (name === 'Ed25519' || name === 'Ed448') jwk.alg = name;
    if (kty === 'RSA') jwk.alg = RSA_JWK_ALG[name][HASH_NAMES.indexOf(hashOfKey(key))];
    for (const member of JWK_BYTE_MEMBERS[kty]) if (members[member]) jwk[member] = base64url(members[member]);
    jwk.key_ops = [...key.usages];
    jwk.ext = key.extractable;
    return jwk;
  }
  if (format === 'raw' && key.algorithm.hash) throw domError('exportKey: RSA keys have no raw format', 'NotSupportedError');
  return native.keyExport(keyHandle(key), format).buffer;
}

// ---- operations ----

function importKeyNow(format, keyData, algorithm, extractable, keyUsages, inHost = undefined) {
  checkFormat(format, 'importKey');
  const name = algorithmName(algorithm, 'importKey', ['HMAC', 'HKDF', 'PBKDF2', ...AES_NAMES, ...PAIR_NAMES]);
  if (inHost) {
    if (format === 'jwk') throw new TypeError('importKey: a JWK cannot be made in the host');
  } else if (format === 'jwk' ? (keyData === null || typeof keyData !== 'object' || isBufferSource(keyData)) : !isBufferSource(keyData)) {
    throw new TypeError(`importKey: the key data does not fit the ${format} format`);
  }
  if (name === 'HMAC') return importHmacKey(format, keyData, algorithm, extractable, keyUsages, inHost);
  if (AES_NAMES.includes(name)) return importAesKey(name, format, keyData, extractable, keyUsages, inHost);
  if (name === 'HKDF' || name === 'PBKDF2') return importDerivationKey(name, format, keyData, extractable, keyUsages, inHost);
  return importPairKey(name, format, keyData, algorithm, extractable, keyUsages, inHost);
}

function exportKeyNow(format, key) {
  checkFormat(format, 'exportKey');
  if (!(key instanceof CryptoKey)) throw new TypeError('exportKey: key is not a CryptoKey');
  if (!key.extractable) throw domError('exportKey: the key is not extractable', 'InvalidAccessError');
  return key.type === 'secret' ? exportSecretKey(format, key) : exportPairKey(format, key);
}

// The host's signature scheme: `{ case, hash, saltLength, context }`, `case`
// the WIT signature-scheme case, `hash` null for the key's (see withKeyHash)
// and undefined for none, `context` Ed448's (bytes or undefined).
function signatureScheme(name, algorithm, usage) {
  if (name === 'ECDSA') return { case: 'ecdsa', hash: hashName(algorithm.hash, usage) };
  if (name === 'Ed25519') return { case: 'ed25519' };
  if (name === 'Ed448') {
    const context = algorithm.context === undefined ? undefined : bufferSourceCopy(algorithm.context, `${usage}: context`);
    return { case: 'ed448', context };
  }
  if (name === 'RSASSA-PKCS1-v1_5') return { case: 'rsassa-pkcs1-v1-5', hash: null };
  if (algorithm.saltLength === undefined) throw new TypeError(`${usage}: RSA-PSS needs a saltLength`);
  return { case: 'rsa-pss', hash: null, saltLength: Number(algorithm.saltLength) >>> 0 };
}

// The scheme with its hash as a WIT hash-algorithm case (the key's when null).
function withKeyHash(scheme, key) {
  if (scheme.hash !== undefined) scheme.hash = WIT_HASH[scheme.hash === null ? hashOfKey(key) : scheme.hash];
  return scheme;
}

// The host's cipher mode after the standard's checks, its WIT unwrap-mode
// case in `case`: `{ case: 'aes', aes, a, b, n }` (`aes` the WIT aes-mode
// case; see mod.rs) or `{ case: 'rsa-oaep', hash, label }`.
function cipherMode(algorithm, key, usage, names) {
  const name = algorithmName(algorithm, usage, names);
  const param = (member, what) => {
    if (algorithm[member] === undefined) throw new TypeError(`${usage}: ${name} needs ${what}`);
    return bufferSourceCopy(algorithm[member], `${usage}: ${member}`);
  };
  if (name === 'AES-GCM') {
    const iv = param('iv', 'an iv');
    const additionalData = algorithm.additionalData === undefined ? new Uint8Array(0) : bufferSourceCopy(algorithm.additionalData, `${usage}: additionalData`);
    const tagLength = algorithm.tagLength === undefined ? 128 : Number(algorithm.tagLength);
    checkKey(key, name, usage);
    if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) throw domError(`${usage}: invalid tagLength ${algorithm.tagLength}`, 'OperationError');
    if (iv.length === 0) throw domError(`${usage}: the iv cannot be empty`, 'OperationError');
    return { case: 'aes', aes: 'gcm', a: iv, b: additionalData, n: tagLength };
  }
  let mode;
  if (name === 'AES-CBC') {
    mode = { case: 'aes', aes: 'cbc', a: param('iv', 'an iv'), b: undefined, n: 0 };
  } else if (name === 'AES-CTR') {
    const counter = param('counter', 'a counter');
    if (algorithm.length === undefined) throw new TypeError(`${usage}: AES-CTR needs a length`);
    mode = { case: 'aes', aes: 'ctr', a: counter, b: undefined, n: Number(algorithm.length) >>> 0 };
  } else if (name === 'AES-KW') {
    mode = { case: 'aes', aes: 'kw', a: undefined, b: undefined, n: 0 };
  } else {
    const label = algorithm.label === undefined ? new Uint8Array(0) : bufferSourceCopy(algorithm.label, `${usage}: label`);
    checkKey(key, name, usage);
    return { case: 'rsa-oaep', hash: WIT_HASH[hashOfKey(key)], label };
  }
  checkKey(key, name, usage);
  return mode;
}

function encryptOrDecrypt(algorithm, key, data, usage, names) {
  const decrypt = usage === 'decrypt' || usage === 'unwrapKey';
  const bytes = bufferSourceCopy(data, usage);
  const mode = cipherMode(algorithm, key, usage, names);
  if (mode.case === 'rsa-oaep') return native.rsaOaep(keyHandle(key), decrypt, mode.hash, mode.label, bytes);
  return (decrypt ? native.aesDecrypt : native.aesEncrypt)(keyHandle(key), mode.aes, mode.a, mode.b, mode.n, bytes);
}

// The host's derivation after the standard's checks: `{ kind, hash, salt,
// info, iterations, length, peer }`, `kind` the WIT key-derivation case
// ('hkdf', 'pbkdf2', 'agreement'), `length` null for a whole shared secret.
function derivation(algorithm, baseKey, length, usage) {
  const name = algorithmName(algorithm, usage, ['HKDF', 'PBKDF2', 'ECDH', 'X25519', 'X448']);
  if (name === 'ECDH' || name === 'X25519' || name === 'X448') {
    const peer = algorithm.public;
    if (!(peer instanceof CryptoKey)) throw new TypeError(`${usage}: ${name} needs a public CryptoKey`);
    checkKey(baseKey, name, usage);
    if (peer.type !== 'public') throw domError(`${usage}: the public member is a ${peer.type} key`, 'InvalidAccessError');
    if (peer.algorithm.name !== name) throw domError(`${usage}: the public key is for ${peer.algorithm.name}, not ${name}`, 'InvalidAccessError');
    if (name === 'ECDH' && peer.algorithm.namedCurve !== baseKey.algorithm.namedCurve) {
      throw domError(`${usage}: the public key is on ${peer.algorithm.namedCurve}, the private key on ${baseKey.algorithm.namedCurve}`, 'InvalidAccessError');
    }
    return { kind: 'agreement', peer, length: length === null || length === undefined ? null : Number(length) >>> 0 };
  }
  const hash = WIT_HASH[hashName(algorithm.hash, usage)];
  const salt = bufferSourceCopy(algorithm.salt, `${usage}: salt`);
  let info;
  let iterations = 0;
  if (name === 'HKDF') {
    info = bufferSourceCopy(algorithm.info, `${usage}: info`);
  } else {
    if (algorithm.iterations === undefined) throw new TypeError(`${usage}: PBKDF2 needs iterations`);
    iterations = Number(algorithm.iterations) >>> 0;
  }
  checkKey(baseKey, name, usage);
  if (length === null || length === undefined) throw domError(`${usage}: ${name} needs a length`, 'OperationError');
  return { kind: name === 'HKDF' ? 'hkdf' : 'pbkdf2', hash, salt, info, iterations, length: Number(length) >>> 0 };
}

function deriveBitsNow(algorithm, baseKey, length, usage) {
  const d = derivation(algorithm, baseKey, length, usage);
  if (d.kind === 'hkdf') return native.hkdfDeriveBits(keyHandle(baseKey), d.hash, d.salt, d.info, d.length);
  if (d.kind === 'pbkdf2') return native.pbkdf2DeriveBits(keyHandle(baseKey), d.hash, d.salt, d.iterations, d.length);
  const secret = native.deriveShared(keyHandle(baseKey), keyHandle(d.peer));
  if (d.length === null) return secret;
  if (d.length > secret.length * 8) throw domError(`${usage}: the shared secret has ${secret.length * 8} bits, not ${d.length}`, 'OperationError');
  return maskBits(secret, d.length);
}

// The standard's operations: each is async, so every error becomes a
// rejected promise.
class SubtleCrypto {
  constructor(token) { if (token !== cryptoToken) throw new TypeError('Illegal constructor'); }

  async digest(algorithm, data) {
    requiredArguments(arguments.length, 2, "Failed to execute 'digest' on 'SubtleCrypto'");
    const hash = WIT_HASH[algorithmName(algorithm, 'digest', HASH_NAMES)];
    return native.digest(hash, bufferSourceCopy(data, 'digest')).buffer;
  }

  async generateKey(algorithm, extractable, keyUsages) {
    requiredArguments(arguments.length, 3, "Failed to execute 'generateKey' on 'SubtleCrypto'");
    refuseAtBuildTime('crypto.subtle.generateKey()', 'the key');
    const name = algorithmName(algorithm, 'generateKey', ['HMAC', ...AES_NAMES, ...PAIR_NAMES]);
    if (PAIR_NAMES.includes(name)) return generateKeyPair(name, algorithm, extractable, keyUsages);
    if (AES_NAMES.includes(name)) {
      const usages = checkUsages(keyUsages, name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : AES_USAGES, 'generateKey');
      const length = Number(algorithm.length);
      if (![128, 192, 256].includes(length)) throw domError(`generateKey: an AES key is 128, 192 or 256 bits, not ${algorithm.length}`, 'OperationError');
      if (usages.length === 0) throw domError('generateKey: usages cannot be empty', 'SyntaxError');
      return aesKey(name, native.aesGenerate(length, !!extractable), length, !!extractable, usages);
    }
    const hash = hashName(algorithm.hash, 'generateKey');
    const usages = checkUsages(keyUsages, ['sign', 'verify'], 'generateKey');
    if (usages.length === 0) throw domError('generateKey: usages cannot be empty', 'SyntaxError');
    const length = algorithm.length === undefined ? HASH_BLOCK_BITS[hash] : Number(algorithm.length);
    if (!(length > 0)) throw domError(`generateKey: invalid ${name} key length ${algorithm.length}`, 'OperationError');
    return hmacKey(native.hmacGenerate(WIT_HASH[hash], length, !!extractable), hash, length, !!extractable, usages);
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    requiredArguments(arguments.length, 5, "Failed to execute 'importKey' on 'SubtleCrypto'");
    refuseKeyAtBuildTime('importKey');
    return importKeyNow(format, keyData, algorithm, extractable, keyUsages);
  }

  async exportKey(format, key) {
    requiredArguments(arguments.length, 2, "Failed to execute 'exportKey' on 'SubtleCrypto'");
    return exportKeyNow(format, key);
  }

  async sign(algorithm, key, data) {
    requiredArguments(arguments.length, 3, "Failed to execute 'sign' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'sign', ['HMAC', ...SIGN_NAMES]);
    const bytes = bufferSourceCopy(data, 'sign');
    if (name === 'HMAC') {
      checkKey(key, name, 'sign');
      return native.hmacSign(keyHandle(key), bytes).buffer;
    }
    const scheme = signatureScheme(name, algorithm, 'sign');
    checkKey(key, name, 'sign');
    return native.sign(keyHandle(key), withKeyHash(scheme, key), bytes).buffer;
  }

  async verify(algorithm, key, signature, data) {
    requiredArguments(arguments.length, 4, "Failed to execute 'verify' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'verify', ['HMAC', ...SIGN_NAMES]);
    const sig = bufferSourceCopy(signature, 'verify');
    const bytes = bufferSourceCopy(data, 'verify');
    if (name === 'HMAC') {
      checkKey(key, name, 'verify');
      return native.hmacVerify(keyHandle(key), bytes, sig);
    }
    const scheme = signatureScheme(name, algorithm, 'verify');
    checkKey(key, name, 'verify');
    return native.verify(keyHandle(key), withKeyHash(scheme, key), bytes, sig);
  }

  async encrypt(algorithm, key, data) {
    requiredArguments(arguments.length, 3, "Failed to execute 'encrypt' on 'SubtleCrypto'");
    return encryptOrDecrypt(algorithm, key, data, 'encrypt', CIPHER_NAMES).buffer;
  }

  async decrypt(algorithm, key, data) {
    requiredArguments(arguments.length, 3, "Failed to execute 'decrypt' on 'SubtleCrypto'");
    return encryptOrDecrypt(algorithm, key, data, 'decrypt', CIPHER_NAMES).buffer;
  }

  async deriveBits(algorithm, baseKey, length = null) {
    requiredArguments(arguments.length, 2, "Failed to execute 'deriveBits' on 'SubtleCrypto'");
    return deriveBitsNow(algorithm, baseKey, length, 'deriveBits').buffer;
  }

  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    requiredArguments(arguments.length, 5, "Failed to execute 'deriveKey' on 'SubtleCrypto'");
    refuseKeyAtBuildTime('deriveKey');
    const name = algorithmName(derivedKeyType, 'deriveKey', ['HMAC', ...AES_NAMES]);
    let length;
    if (name === 'HMAC') {
      const hash = hashName(derivedKeyType.hash, 'deriveKey');
      length = derivedKeyType.length === undefined ? HASH_BLOCK_BITS[hash] : Number(derivedKeyType.length);
    } else {
      length = Number(derivedKeyType.length);
      if (![128, 192, 256].includes(length)) throw domError(`deriveKey: an AES key is 128, 192 or 256 bits, not ${derivedKeyType.length}`, 'OperationError');
    }
    // The derived bits become the key in the host; they never come here.
    const d = derivation(algorithm, baseKey, length, 'deriveKey');
    const peer = d.kind === 'agreement' ? keyHandle(d.peer) : -1;
    return importKeyNow('raw', null, derivedKeyType, extractable, keyUsages,
      (target) => native.deriveKey(keyHandle(baseKey), d, peer, target, !!extractable));
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    requiredArguments(arguments.length, 4, "Failed to execute 'wrapKey' on 'SubtleCrypto'");
    checkFormat(format, 'wrapKey');
    algorithmName(wrapAlgorithm, 'wrapKey', WRAP_NAMES);
    checkKey(wrappingKey, wrappingKey instanceof CryptoKey ? wrappingKey.algorithm.name : '', 'wrapKey');
    const exported = exportKeyNow(format, key);
    const bytes = format === 'jwk' ? new TextEncoder().encode(JSON.stringify(exported)) : new Uint8Array(exported);
    return encryptOrDecrypt(wrapAlgorithm, wrappingKey, bytes, 'wrapKey', WRAP_NAMES).buffer;
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    requiredArguments(arguments.length, 7, "Failed to execute 'unwrapKey' on 'SubtleCrypto'");
    refuseKeyAtBuildTime('unwrapKey');
    checkFormat(format, 'unwrapKey');
    if (format !== 'jwk') {
      // Decrypted and imported in the host: the key's bytes never come here.
      const wrapped = bufferSourceCopy(wrappedKey, 'unwrapKey');
      const mode = cipherMode(unwrapAlgorithm, unwrappingKey, 'unwrapKey', WRAP_NAMES);
      return importKeyNow(format, null, unwrappedKeyAlgorithm, extractable, keyUsages,
        (target) => native.unwrapKey(keyHandle(unwrappingKey), mode, wrapped, target, !!extractable));
    }
    // A JWK is JSON, parsed here: its members pass through this instance.
    const bytes = encryptOrDecrypt(unwrapAlgorithm, unwrappingKey, wrappedKey, 'unwrapKey', WRAP_NAMES);
    let keyData;
    try { keyData = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)); } catch {
      throw domError('unwrapKey: the unwrapped data is not a JWK', 'DataError');
    }
    return importKeyNow(format, keyData, unwrappedKeyAlgorithm, extractable, keyUsages);
  }
}
const SIGN_NAMES = ['ECDSA', 'Ed25519', 'Ed448', 'RSASSA-PKCS1-v1_5', 'RSA-PSS'];
const CIPHER_NAMES = ['AES-GCM', 'AES-CBC', 'AES-CTR', 'RSA-OAEP'];
const WRAP_NAMES = [...CIPHER_NAMES, 'AES-KW'];
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });

function checkKey(key, name, usage) {
  if (!(key instanceof CryptoKey)) throw new TypeError(`${usage}: key is not a CryptoKey`);
  if (key.algorithm.name !== name) {
    throw domError(`${usage}: the key is for ${key.algorithm.name}, not ${name}`, 'InvalidAccessError');
  }
  if (!key.usages.includes(usage)) throw domError(`${usage}: the key's usages do not include '${usage}'`, 'InvalidAccessError');
}

class Crypto {
  #subtle = new SubtleCrypto(cryptoToken);
  constructor(token) { if (token !== cryptoToken) throw new TypeError('Illegal constructor'); }
  get subtle() { return this.#subtle; }
  getRandomValues(array) { return getRandomValues(...arguments); }
  randomUUID() { return randomUUID(); }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: 'Crypto', configurable: true });
const crypto = new Crypto(cryptoToken);

export { Crypto, CryptoKey, HASH_NAMES, SubtleCrypto, WIT_HASH, algorithmName, crypto };
