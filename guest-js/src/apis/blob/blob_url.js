// Blob URLs (W3C File API): URL.createObjectURL / URL.revokeObjectURL and
// the blob URL store fetch() resolves `blob:` URLs in. The store is the
// instance's own (each request starts from the snapshot's, empty unless the
// module's top level made URLs) and holds at most MAX_BLOB_URLS entries, so
// an app that never revokes its URLs fails loudly instead of growing.
import { requiredArguments, toUSVString } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { crypto } from '../crypto/crypto.js';
import { URL } from '../url/url.js';
import { Blob } from './blob.js';

const MAX_BLOB_URLS = 1024;
const store = new Map(); // URL without its fragment -> Blob

// The store's key for a URL string: its serialization without fragment.
function storeKey(url) {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

function createObjectURL(obj) {
  requiredArguments(arguments.length, 1, "Failed to execute 'createObjectURL' on 'URL'");
  if (!(obj instanceof Blob)) throw new TypeError("Failed to execute 'createObjectURL' on 'URL': parameter 1 is not of type 'Blob'.");
  if (store.size >= MAX_BLOB_URLS) {
    throw new DOMException(`Failed to execute 'createObjectURL' on 'URL': at most ${MAX_BLOB_URLS} blob URLs may exist at once; revoke some with URL.revokeObjectURL()`, 'QuotaExceededError');
  }
  // An opaque origin (no document) serializes as "null".
  const url = `blob:null/${crypto.randomUUID()}`;
  store.set(url, obj);
  return url;
}

function revokeObjectURL(url) {
  requiredArguments(arguments.length, 1, "Failed to execute 'revokeObjectURL' on 'URL'");
  const parsed = URL.parse(toUSVString(url));
  if (parsed !== null && parsed.protocol === 'blob:') store.delete(storeKey(parsed.href));
}

// The Blob a blob: URL (its href) refers to, or undefined.
function resolveBlobUrl(href) {
  return store.get(storeKey(href));
}

export { MAX_BLOB_URLS, createObjectURL, resolveBlobUrl, revokeObjectURL };
