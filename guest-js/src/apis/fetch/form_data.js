// FormData (XHR Standard) and its two body encodings:
// multipart/form-data (HTML Standard) and application/x-www-form-urlencoded.
import * as native from 'nano:native';
import { pairIterator, requiredArguments, toUSVString } from '../webidl/webidl.js';
import { TextDecoder } from '../encoding/encoding.js';
import { URLSearchParams } from '../url/url.js';
import { Blob, File, blobBytes, blobPartsBytes } from '../blob/blob.js';

const formDataList = Symbol('formDataList');

// An entry's value: a string, or a File (a Blob becomes a File named 'blob').
function formEntryValue(value, filename, argumentCount) {
  if (value instanceof Blob) {
    if (!(value instanceof File) || argumentCount > 2) {
      const name = argumentCount > 2 ? toUSVString(filename) : value instanceof File ? value.name : 'blob';
      const file = new File([], name, { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
      file[blobBytes] = value[blobBytes];
      return file;
    }
    return value;
  }
  return toUSVString(value);
}

class FormData {
  [formDataList] = [];
  constructor(form = undefined) {
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': there are no HTML forms here");
  }
  append(name, value, filename = undefined) {
    requiredArguments(arguments.length, 2, "Failed to execute 'append' on 'FormData'");
    this[formDataList].push([toUSVString(name), formEntryValue(value, filename, arguments.length)]);
  }
  set(name, value, filename = undefined) {
    requiredArguments(arguments.length, 2, "Failed to execute 'set' on 'FormData'");
    const n = toUSVString(name);
    const entry = [n, formEntryValue(value, filename, arguments.length)];
    const list = this[formDataList];
    const first = list.findIndex((e) => e[0] === n);
    if (first < 0) list.push(entry);
    else this[formDataList] = list.filter((e, i) => i < first || e[0] !== n).toSpliced(first, 0, entry);
  }
  delete(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'FormData'");
    const n = toUSVString(name);
    this[formDataList] = this[formDataList].filter((e) => e[0] !== n);
  }
  get(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'FormData'");
    const n = toUSVString(name);
    const found = this[formDataList].find((e) => e[0] === n);
    return found ? found[1] : null;
  }
  getAll(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'getAll' on 'FormData'");
    const n = toUSVString(name);
    return this[formDataList].filter((e) => e[0] === n).map((e) => e[1]);
  }
  has(name) {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'FormData'");
    const n = toUSVString(name);
    return this[formDataList].some((e) => e[0] === n);
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
    for (let i = 0; i < this[formDataList].length; i++) callback.call(thisArg, this[formDataList][i][1], this[formDataList][i][0], this);
  }
  entries() { return formDataIterator(this, 'entries'); }
  keys() { return formDataIterator(this, 'keys'); }
  values() { return formDataIterator(this, 'values'); }
  [Symbol.iterator]() { return formDataIterator(this, 'entries'); }
}
const formDataIterator = pairIterator('FormData Iterator', (target) => target[formDataList]);
Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: 'FormData', configurable: true });

// multipart/form-data: names and filenames escape CR, LF and '"'.
function escapeMultipartName(name) {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

function encodeMultipart(formData) {
  const boundary = `----nanoFormBoundary${Array.from(native.randomBytes(12), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const parts = [];
  for (const [name, value] of formData[formDataList]) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeMultipartName(name.replace(/\r\n|\r|\n/g, '\r\n'))}"`;
    if (value instanceof File) {
      head += `; filename="${escapeMultipartName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
      parts.push(head, value, '\r\n');
    } else {
      parts.push(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, '\r\n')}\r\n`);
    }
  }
  parts.push(`--${boundary}--\r\n`);
  return [blobPartsBytes(parts, 'transparent'), `multipart/form-data; boundary=${boundary}`];
}

function indexOfBytes(haystack, needle, from) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function mimeParameter(contentType, name) {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(contentType);
  return match ? (match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]) : null;
}

function parseMultipart(bytes, contentType) {
  const boundary = mimeParameter(contentType, 'boundary');
  const fail = (why) => new TypeError(`Failed to parse the body as FormData: ${why}`);
  if (!boundary) throw fail('no boundary in the content type');
  const delimiter = native.utf8Encode(`--${boundary}`);
  const form = new FormData();
  let pos = indexOfBytes(bytes, delimiter, 0);
  if (pos < 0) throw fail('the boundary does not occur in the body');
  for (;;) {
    pos += delimiter.length;
    if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return form; // closing delimiter
    if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw fail('malformed delimiter line');
    pos += 2;
    const headEnd = indexOfBytes(bytes, native.utf8Encode('\r\n\r\n'), pos);
    if (headEnd < 0) throw fail('a part has no end of headers');
    const head = new TextDecoder().decode(bytes.subarray(pos, headEnd));
    const next = indexOfBytes(bytes, native.utf8Encode(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) throw fail('a part is not terminated');
    const content = bytes.slice(headEnd + 4, next);
    const headers = {};
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers['content-disposition'] || '';
    const name = mimeParameter(disposition, 'name');
    if (name === null) throw fail('a part has no name');
    const filename = mimeParameter(disposition, 'filename');
    if (filename !== null) {
      const file = new File([], filename, { type: headers['content-type'] || 'text/plain' });
      file[blobBytes] = content;
      form.append(name, file);
    } else {
      form.append(name, new TextDecoder().decode(content));
    }
    pos = next + 2;
  }
}

// The body's bytes as FormData, per its Content-Type.
function bodyToFormData(bytes, contentType) {
  const essence = (contentType || '').split(';')[0].trim().toLowerCase();
  if (essence === 'multipart/form-data') return parseMultipart(bytes, contentType);
  if (essence === 'application/x-www-form-urlencoded') {
    const form = new FormData();
    for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) form.append(name, value);
    return form;
  }
  throw new TypeError(`Failed to parse the body as FormData: the content type is ${contentType === null ? 'missing' : `"${contentType}"`}`);
}

export { FormData, bodyToFormData, encodeMultipart };
