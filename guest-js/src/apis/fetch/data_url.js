// fetch() of `data:` URLs: the Fetch Standard's data: URL processor, with
// the MIME Sniffing Standard's MIME type parser and serializer it needs.
import * as native from 'nano:native';
import { atob } from '../encoding/base64.js';

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_QUOTED_STRING_TOKEN = /^[\t\x20-\x7e\x80-\xff]*$/;
const HTTP_WHITESPACE = '\t\n\r ';
const trimHttpWhitespace = (s) => s.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
const trimTrailingHttpWhitespace = (s) => s.replace(/[\t\n\r ]+$/, '');

// "Collect an HTTP quoted string" with extract-value set; `position` is at
// the opening quote. Returns [value, position after it].
function collectQuotedString(input, position) {
  let value = '';
  position++;
  for (;;) {
    while (position < input.length && input[position] !== '"' && input[position] !== '\\') value += input[position++];
    if (position >= input.length) break;
    const quoteOrBackslash = input[position++];
    if (quoteOrBackslash !== '\\') break;
    if (position >= input.length) { value += '\\'; break; }
    value += input[position++];
  }
  return [value, position];
}

// "Parse a MIME type": { essence, parameters: Map } or null (failure).
function parseMimeType(input) {
  const s = trimHttpWhitespace(input);
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const type = s.slice(0, slash);
  let position = s.indexOf(';', slash);
  if (position < 0) position = s.length;
  const subtype = trimTrailingHttpWhitespace(s.slice(slash + 1, position));
  if (!HTTP_TOKEN.test(type) || !HTTP_TOKEN.test(subtype)) return null;
  const parameters = new Map();
  while (position < s.length) {
    position++; // the ';'
    while (position < s.length && HTTP_WHITESPACE.includes(s[position])) position++;
    let end = position;
    while (end < s.length && s[end] !== ';' && s[end] !== '=') end++;
    const name = s.slice(position, end).toLowerCase();
    position = end;
    if (position < s.length) {
      if (s[position] === ';') continue;
      position++; // the '='
    }
    if (position >= s.length) break;
    let value;
    if (s[position] === '"') {
      [value, position] = collectQuotedString(s, position);
      while (position < s.length && s[position] !== ';') position++;
    } else {
      end = s.indexOf(';', position);
      if (end < 0) end = s.length;
      value = trimTrailingHttpWhitespace(s.slice(position, end));
      position = end;
      if (value === '') continue;
    }
    if (name !== '' && HTTP_TOKEN.test(name) && HTTP_QUOTED_STRING_TOKEN.test(value) && !parameters.has(name)) {
      parameters.set(name, value);
    }
  }
  return { essence: `${type}/${subtype}`.toLowerCase(), parameters };
}

function serializeMimeType(mime) {
  let out = mime.essence;
  for (const [name, value] of mime.parameters) {
    const quoted = HTTP_TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
    out += `;${name}=${quoted}`;
  }
  return out;
}

// "Percent-decode" a string: its UTF-8 bytes with %XX sequences decoded.
function percentDecode(s) {
  const bytes = native.utf8Encode(s);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  const hex = (b) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 ? (b | 0x20) - 0x57 : -1);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
      out[n++] = (hex(bytes[i + 1]) << 4) | hex(bytes[i + 2]);
      i += 2;
    } else {
      out[n++] = bytes[i];
    }
  }
  return out.subarray(0, n);
}

function isomorphicDecode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return s;
}

// The data: URL processor: { mimeType (serialized), body } or null.
function processDataUrl(href) {
  const hash = href.indexOf('#'); // the serialization without its fragment
  const input = (hash < 0 ? href : href.slice(0, hash)).slice('data:'.length);
  const comma = input.indexOf(',');
  if (comma < 0) return null;
  let mimeType = input.slice(0, comma).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  let body = percentDecode(input.slice(comma + 1));
  const base64 = /; *base64$/i.exec(mimeType);
  if (base64 !== null) {
    let binary;
    try {
      binary = atob(isomorphicDecode(body)); // forgiving-base64
    } catch {
      return null;
    }
    body = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    mimeType = mimeType.slice(0, base64.index);
  }
  if (mimeType.startsWith(';')) mimeType = `text/plain${mimeType}`;
  const record = parseMimeType(mimeType);
  return { mimeType: record === null ? 'text/plain;charset=US-ASCII' : serializeMimeType(record), body };
}

export { parseMimeType, processDataUrl, serializeMimeType };
