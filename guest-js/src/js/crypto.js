// Web Crypto (W3C Web Cryptography API): crypto.getRandomValues,
// crypto.randomUUID, and crypto.subtle. The work runs in the host
// (crypto.rs -> nano:platform/crypto); this side does the standard's
// argument checking, algorithm normalisation and CryptoKey objects.
// Implemented so far: digest (SHA-1/256/384/512), HMAC (generateKey,
// importKey and exportKey in raw and jwk, sign, verify), HKDF and PBKDF2
// (importKey raw, deriveBits, deriveKey to HMAC), AES-GCM with 128/256-bit
// keys, 96-bit IVs and 128-bit tags (generateKey, importKey and exportKey
// in raw and jwk, encrypt, decrypt).
const HASH_NAMES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const HASH_BLOCK_BITS = [512, 512, 1024, 1024];
const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array];
const cryptoToken = Symbol('crypto');

function cryptoError(err) {
  const text = err && typeof err.message === 'string' ? err.message : '';
  const match = /^DOMException:(\w+):([\s\S]*)$/.exec(text);
  return match ? new DOMException(match[2], match[1]) : err;
}

function getRandomValues(array) {
  requiredArguments(arguments.length, 1, "Failed to execute 'getRandomValues' on 'Crypto'");
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
    if (algorithm.name === undefined) throw new TypeError(`${operation}: the algorithm has no name`);
    name = String(algorithm.name);
  } else {
    throw new TypeError(`${operation}: the algorithm must be a string or an object with a name`);
  }
  const found = supported.find((s) => s.toUpperCase() === name.toUpperCase());
  if (found === undefined) throw new DOMException(`${operation}: the algorithm ${name} is not supported`, 'NotSupportedError');
  return found;
}

function hashIndex(hash, operation) {
  if (hash === undefined) throw new TypeError(`${operation}: the algorithm needs a hash`);
  return HASH_NAMES.indexOf(algorithmName(hash, operation, HASH_NAMES));
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

class CryptoKey {
  #type; #extractable; #algorithm; #usages; #handle;
  constructor(token, type, extractable, algorithm, usages, handle) {
    if (token !== cryptoToken) throw new TypeError('Illegal constructor');
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

function hmacKey(handle, hash, lengthBits, extractable, usages) {
  const algorithm = { name: 'HMAC', hash: { name: HASH_NAMES[hash] }, length: lengthBits };
  return new CryptoKey(cryptoToken, 'secret', extractable, algorithm, usages, handle);
}

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

const HMAC_JWK_ALG = ['HS1', 'HS256', 'HS384', 'HS512'];

// The standard's operations: each is async, so every error becomes a
// rejected promise.
class SubtleCrypto {
  constructor(token) { if (token !== cryptoToken) throw new TypeError('Illegal constructor'); }

  async digest(algorithm, data) {
    requiredArguments(arguments.length, 2, "Failed to execute 'digest' on 'SubtleCrypto'");
    const hash = HASH_NAMES.indexOf(algorithmName(algorithm, 'digest', HASH_NAMES));
    return native.digest(hash, bufferSourceCopy(data, 'digest')).buffer;
  }

  async generateKey(algorithm, extractable, keyUsages) {
    requiredArguments(arguments.length, 3, "Failed to execute 'generateKey' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'generateKey', ['HMAC', 'AES-GCM']);
    if (name === 'AES-GCM') {
      const usages = checkUsages(keyUsages, AES_USAGES, 'generateKey');
      const length = Number(algorithm.length);
      if (![128, 192, 256].includes(length)) throw new DOMException(`generateKey: an AES key is 128, 192 or 256 bits, not ${algorithm.length}`, 'OperationError');
      if (usages.length === 0) throw new DOMException('generateKey: usages cannot be empty', 'SyntaxError');
      try { return aesKey(native.aesGenerate(length, !!extractable), length, !!extractable, usages); } catch (err) { throw cryptoError(err); }
    }
    const hash = hashIndex(algorithm.hash, 'generateKey');
    const usages = checkUsages(keyUsages, ['sign', 'verify'], 'generateKey');
    if (usages.length === 0) throw new DOMException('generateKey: usages cannot be empty', 'SyntaxError');
    const length = algorithm.length === undefined ? HASH_BLOCK_BITS[hash] : Number(algorithm.length);
    if (!(length > 0)) throw new DOMException(`generateKey: invalid ${name} key length ${algorithm.length}`, 'OperationError');
    try {
      return hmacKey(native.hmacGenerate(hash, length, !!extractable), hash, length, !!extractable, usages);
    } catch (err) { throw cryptoError(err); }
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    requiredArguments(arguments.length, 5, "Failed to execute 'importKey' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'importKey', ['HMAC', 'HKDF', 'PBKDF2', 'AES-GCM']);
    if (name === 'AES-GCM') return importAesKey(format, keyData, extractable, keyUsages);
    if (name !== 'HMAC') return importDerivationKey(name, format, keyData, extractable, keyUsages);
    const hash = hashIndex(algorithm.hash, 'importKey');
    const usages = checkUsages(keyUsages, ['sign', 'verify'], 'importKey');
    const raw = secretKeyBytes(format, keyData, extractable, usages, 'HMAC', 'sig', () => HMAC_JWK_ALG[hash]);
    if (usages.length === 0) throw new DOMException('importKey: usages cannot be empty', 'SyntaxError');
    const bits = raw.length * 8;
    const length = algorithm.length === undefined ? bits : Number(algorithm.length);
    try {
      return hmacKey(native.hmacImport(hash, raw, length, !!extractable), hash, length, !!extractable, usages);
    } catch (err) { throw cryptoError(err); }
  }

  async exportKey(format, key) {
    requiredArguments(arguments.length, 2, "Failed to execute 'exportKey' on 'SubtleCrypto'");
    if (!(key instanceof CryptoKey)) throw new TypeError('exportKey: key is not a CryptoKey');
    if (!['raw', 'jwk', 'pkcs8', 'spki'].includes(format)) throw new TypeError(`exportKey: unknown format ${format}`);
    if (!key.extractable) throw new DOMException('exportKey: the key is not extractable', 'InvalidAccessError');
    let raw;
    try { raw = native.keyExportRaw(keyHandle(key)); } catch (err) { throw cryptoError(err); }
    if (format === 'raw') return raw.buffer;
    if (format === 'jwk') {
      const alg = key.algorithm.name === 'AES-GCM'
        ? `A${key.algorithm.length}GCM`
        : HMAC_JWK_ALG[HASH_NAMES.indexOf(key.algorithm.hash.name)];
      return { kty: 'oct', k: base64url(raw), alg, key_ops: [...key.usages], ext: key.extractable };
    }
    throw new DOMException(`exportKey: format ${format} is not valid for ${key.algorithm.name}`, 'NotSupportedError');
  }

  async sign(algorithm, key, data) {
    requiredArguments(arguments.length, 3, "Failed to execute 'sign' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'sign', ['HMAC']);
    const bytes = bufferSourceCopy(data, 'sign');
    checkKey(key, name, 'sign');
    return native.hmacSign(keyHandle(key), bytes).buffer;
  }

  async verify(algorithm, key, signature, data) {
    requiredArguments(arguments.length, 4, "Failed to execute 'verify' on 'SubtleCrypto'");
    const name = algorithmName(algorithm, 'verify', ['HMAC']);
    const sig = bufferSourceCopy(signature, 'verify');
    const bytes = bufferSourceCopy(data, 'verify');
    checkKey(key, name, 'verify');
    return native.hmacVerify(keyHandle(key), bytes, sig);
  }
}

const AES_USAGES = ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'];

// A secret key's bytes from `raw` or a `jwk` (kty "oct"), with the JWK's
// alg, use, key_ops and ext checked as the standard says.
function secretKeyBytes(format, keyData, extractable, usages, name, use, expectedAlg) {
  if (format === 'raw') return bufferSourceCopy(keyData, 'importKey');
  if (format !== 'jwk') {
    if (['pkcs8', 'spki'].includes(format)) throw new DOMException(`importKey: format ${format} is not valid for ${name}`, 'NotSupportedError');
    throw new TypeError(`importKey: unknown format ${format}`);
  }
  if (keyData === null || typeof keyData !== 'object' || isBufferSource(keyData)) throw new TypeError('importKey: a JWK must be an object');
  if (keyData.kty !== 'oct') throw new DOMException(`importKey: an ${name} JWK must have kty "oct"`, 'DataError');
  const raw = fromBase64url(keyData.k, 'importKey');
  const alg = expectedAlg(raw);
  if (keyData.alg !== undefined && keyData.alg !== alg) {
    throw new DOMException(`importKey: JWK alg ${keyData.alg} does not match ${alg}`, 'DataError');
  }
  if (usages.length && keyData.use !== undefined && keyData.use !== use) throw new DOMException(`importKey: JWK use must be "${use}"`, 'DataError');
  if (keyData.key_ops !== undefined && !usages.every((u) => keyData.key_ops.includes(u))) {
    throw new DOMException('importKey: usages are not in the JWK key_ops', 'DataError');
  }
  if (keyData.ext === false && extractable) throw new DOMException('importKey: the JWK is not extractable', 'DataError');
  return raw;
}

function aesKey(handle, lengthBits, extractable, usages) {
  return new CryptoKey(cryptoToken, 'secret', extractable, { name: 'AES-GCM', length: lengthBits }, usages, handle);
}

function importAesKey(format, keyData, extractable, keyUsages) {
  const usages = checkUsages(keyUsages, AES_USAGES, 'importKey');
  const raw = secretKeyBytes(format, keyData, extractable, usages, 'AES-GCM', 'enc', (bytes) => `A${bytes.length * 8}GCM`);
  if (usages.length === 0) throw new DOMException('importKey: usages cannot be empty', 'SyntaxError');
  try { return aesKey(native.aesImport(raw, !!extractable), raw.length * 8, !!extractable, usages); } catch (err) { throw cryptoError(err); }
}

function aesGcm(algorithm, key, data, decrypt) {
  const usage = decrypt ? 'decrypt' : 'encrypt';
  const name = algorithmName(algorithm, usage, ['AES-GCM']);
  const iv = bufferSourceCopy(algorithm.iv, `${usage}: iv`);
  const additionalData = algorithm.additionalData === undefined ? new Uint8Array(0) : bufferSourceCopy(algorithm.additionalData, `${usage}: additionalData`);
  const tagLength = algorithm.tagLength === undefined ? 128 : Number(algorithm.tagLength);
  const bytes = bufferSourceCopy(data, usage);
  checkKey(key, name, usage);
  if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) throw new DOMException(`${usage}: invalid tagLength ${algorithm.tagLength}`, 'OperationError');
  if (iv.length === 0) throw new DOMException(`${usage}: the iv cannot be empty`, 'OperationError');
  try { return native.aesGcm(keyHandle(key), decrypt, iv, additionalData, tagLength, bytes).buffer; } catch (err) { throw cryptoError(err); }
}

SubtleCrypto.prototype.encrypt = async function encrypt(algorithm, key, data) {
  requiredArguments(arguments.length, 3, "Failed to execute 'encrypt' on 'SubtleCrypto'");
  return aesGcm(algorithm, key, data, false);
};

SubtleCrypto.prototype.decrypt = async function decrypt(algorithm, key, data) {
  requiredArguments(arguments.length, 3, "Failed to execute 'decrypt' on 'SubtleCrypto'");
  return aesGcm(algorithm, key, data, true);
};

// HKDF / PBKDF2 base keys: raw bytes only, never extractable.
function importDerivationKey(name, format, keyData, extractable, keyUsages) {
  const usages = checkUsages(keyUsages, ['deriveKey', 'deriveBits'], 'importKey');
  if (format !== 'raw') {
    if (['jwk', 'pkcs8', 'spki'].includes(format)) throw new DOMException(`importKey: format ${format} is not valid for ${name}`, 'NotSupportedError');
    throw new TypeError(`importKey: unknown format ${format}`);
  }
  const raw = bufferSourceCopy(keyData, 'importKey');
  if (extractable) throw new DOMException(`importKey: ${name} keys cannot be extractable`, 'SyntaxError');
  if (usages.length === 0) throw new DOMException('importKey: usages cannot be empty', 'SyntaxError');
  return new CryptoKey(cryptoToken, 'secret', false, { name }, usages, native.deriveImport(raw));
}

// The bits of deriveBits / deriveKey.
function deriveBits(algorithm, baseKey, length, usage) {
  const name = algorithmName(algorithm, usage, ['HKDF', 'PBKDF2']);
  const hash = hashIndex(algorithm.hash, usage);
  const salt = bufferSourceCopy(algorithm.salt, `${usage}: salt`);
  let info;
  let iterations;
  if (name === 'HKDF') {
    info = bufferSourceCopy(algorithm.info, `${usage}: info`);
  } else {
    if (algorithm.iterations === undefined) throw new TypeError(`${usage}: PBKDF2 needs iterations`);
    iterations = Number(algorithm.iterations) >>> 0;
  }
  checkKey(baseKey, name, usage);
  if (length === null || length === undefined) throw new DOMException(`${usage}: ${name} needs a length`, 'OperationError');
  const bits = Number(length) >>> 0;
  try {
    return name === 'HKDF'
      ? native.hkdfDeriveBits(keyHandle(baseKey), hash, salt, info, bits)
      : native.pbkdf2DeriveBits(keyHandle(baseKey), hash, salt, iterations, bits);
  } catch (err) { throw cryptoError(err); }
}

SubtleCrypto.prototype.deriveBits = async function deriveBits_(algorithm, baseKey, length = null) {
  requiredArguments(arguments.length, 2, "Failed to execute 'deriveBits' on 'SubtleCrypto'");
  return deriveBits(algorithm, baseKey, length, 'deriveBits').buffer;
};

SubtleCrypto.prototype.deriveKey = async function deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
  requiredArguments(arguments.length, 5, "Failed to execute 'deriveKey' on 'SubtleCrypto'");
  algorithmName(derivedKeyType, 'deriveKey', ['HMAC']);
  const hash = hashIndex(derivedKeyType.hash, 'deriveKey');
  const length = derivedKeyType.length === undefined ? HASH_BLOCK_BITS[hash] : Number(derivedKeyType.length);
  const bits = deriveBits(algorithm, baseKey, length, 'deriveKey');
  return this.importKey('raw', bits, derivedKeyType, extractable, keyUsages);
};

for (const operation of ['wrapKey', 'unwrapKey']) {
  Object.defineProperty(SubtleCrypto.prototype, operation, {
    value: async function () {
      throw new DOMException(`${operation}: no algorithm that supports it is implemented yet`, 'NotSupportedError');
    },
    writable: true, configurable: true,
  });
}
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });

function checkKey(key, name, usage) {
  if (!(key instanceof CryptoKey)) throw new TypeError(`${usage}: key is not a CryptoKey`);
  if (key.algorithm.name !== name) {
    throw new DOMException(`${usage}: the key is for ${key.algorithm.name}, not ${name}`, 'InvalidAccessError');
  }
  if (!key.usages.includes(usage)) throw new DOMException(`${usage}: the key's usages do not include '${usage}'`, 'InvalidAccessError');
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
