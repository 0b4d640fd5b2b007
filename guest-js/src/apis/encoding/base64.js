// atob / btoa (HTML Standard, forgiving-base64).
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_LOOKUP[BASE64_ALPHABET.charCodeAt(i)] = i;

function btoa(data) {
  requiredArguments(arguments.length, 1, "Failed to execute 'btoa'");
  const s = String(data);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
    if (a > 0xff || b > 0xff || c > 0xff) {
      throw new DOMException("Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.", 'InvalidCharacterError');
    }
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += BASE64_ALPHABET[n >> 18] + BASE64_ALPHABET[(n >> 12) & 63] +
      (i + 1 < s.length ? BASE64_ALPHABET[(n >> 6) & 63] : '=') +
      (i + 2 < s.length ? BASE64_ALPHABET[n & 63] : '=');
  }
  return out;
}

function atob(data) {
  requiredArguments(arguments.length, 1, "Failed to execute 'atob'");
  const invalid = () => new DOMException("Failed to execute 'atob': The string to be decoded is not correctly encoded.", 'InvalidCharacterError');
  let s = String(data).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1) throw invalid();
  let out = '';
  let buffer = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const v = code < 128 ? BASE64_LOOKUP[code] : -1;
    if (v < 0) throw invalid();
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

export { atob, btoa };
