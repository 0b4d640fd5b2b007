// fetch() (Fetch Standard, the parts that apply on a server). The request
// goes out through the host (wasi:http outgoing-handler, see mod.rs);
// redirects, aborts and the Response are handled here. The response body
// stays in the host and streams in as it is read (HostBody, body.js).
import * as native from 'nano:native';
import { addAbortAlgorithm } from '../events/events.js';
import { URL } from '../url/url.js';
import { ReadableStream } from '../streams/readable.js';
import { markHandled } from '../streams/promises.js';
import { headersFromFlatList, headersList, headersToFlatList } from './headers.js';
import { HostBody, abortSink, bodyInternals, cancelHostBody, consumeBody, newBodyState, pumpToSink } from './body.js';
import { Request, Response, internalConstruction, isNullBodyStatus, requestInternals, responseInternals } from './request_response.js';
import { blobBytes } from '../blob/blob.js';
import { resolveBlobUrl } from '../blob/blob_url.js';
import { processDataUrl } from './data_url.js';

const pendingFetches = new Map(); // id -> { resolve, reject }
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

// Sends one request; `body` is bytes, or `bodyStream` a ReadableStream (or
// a body still in the host) that is written out as it is read while the
// response is awaited.
function sendOnce(method, url, flatHeaders, body, bodyStream, signal) {
  return new Promise((resolve, reject) => {
    const target = [url.protocol, url.host, url.pathname + url.search];
    // Indexed: destructuring runs the array iterator (costly in QuickJS).
    const started = native.fetchStart(method, target, flatHeaders, body, bodyStream !== null);
    const id = started[0];
    const sink = started[1];
    pendingFetches.set(id, { resolve, reject });
    // A failed upload fails the request; the response reports why.
    if (bodyStream !== null) markHandled(pumpToSink(sink, bodyStream));
    if (signal !== null) addAbortAlgorithm(signal, (reason) => {
      if (!pendingFetches.has(id)) return;
      pendingFetches.delete(id);
      native.fetchAbort(id);
      if (bodyStream !== null) abortSink(sink, reason);
      reject(reason);
    });
  });
}

// A response made in the instance (a data: or blob: URL): 200 OK, no body
// for HEAD, as "main fetch" has it for every scheme.
function localResponse(request, url, flatHeaders, bytes) {
  const response = new Response(internalConstruction);
  response[responseInternals] = {
    type: 'basic', status: 200, statusText: 'OK', headers: headersFromFlatList(flatHeaders, 'immutable'),
    url: url.hash === '' ? url.href.replace(/#$/, '') : url.href.slice(0, -url.hash.length), redirected: false,
  };
  response[bodyInternals] = newBodyState(request.method === 'HEAD' ? null : bytes);
  return response;
}

// The Fetch Standard's "scheme fetch" of the schemes answered without the
// network; null for the others.
function localSchemeFetch(request, url) {
  if (url.protocol === 'data:') {
    const data = processDataUrl(url.href);
    if (data === null) throw new TypeError(`fetch failed: ${url.href.slice(0, 100)} is not a valid data: URL`);
    return localResponse(request, url, ['content-type', data.mimeType], data.body);
  }
  if (url.protocol === 'blob:') {
    const blob = resolveBlobUrl(url.href);
    if (request.method !== 'GET') throw new TypeError(`fetch failed: a blob: URL is fetched with GET only, not ${request.method}`);
    if (blob === undefined) throw new TypeError(`fetch failed: ${url.href} is not a blob URL of this instance (never made, or revoked)`);
    return localResponse(request, url, ['content-length', String(blob.size), 'content-type', blob.type], blob[blobBytes].slice());
  }
  return null;
}

async function fetch(input, init = undefined) {
  const request = new Request(input, init);
  const internals = request[requestInternals];
  // null: a signal that never aborts (see Request).
  const signal = internals.signal;
  if (signal !== null && signal.aborted) throw signal.reason;
  let method = internals.method;
  // Parsed by the Request (never seen by the app), or by this fetch.
  let url = internals.parsedUrl ?? new URL(internals.url);
  const local = localSchemeFetch(request, url);
  if (local !== null) return local;
  const headers = request.headers;
  let body = null;
  let bodyStream = null;
  const state = request[bodyInternals];
  if (state.source instanceof ReadableStream || state.source instanceof HostBody) {
    // Streamed out as it is read, never buffered whole.
    if (request.bodyUsed || (state.source instanceof ReadableStream && state.source.locked)) {
      throw new TypeError("Failed to execute 'fetch': the request body is already used or locked");
    }
    // A body still in the host goes as it is: pumpToSink moves it there.
    bodyStream = state.source;
    state.used = true;
  } else if (state.source !== null) {
    body = (await consumeBody(request, 'fetch')).bytes;
  }
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`fetch failed: the URL scheme "${url.protocol.slice(0, -1)}" is not supported`);
    }
    // The length of a body known in advance is sent (servers may require it).
    const flat = headersToFlatList(headers);
    if (body !== null) flat.push('content-length', String(body.length));
    else if (bodyStream === null && (method === 'POST' || method === 'PUT')) flat.push('content-length', '0');
    const sent = await sendOnce(method, url, flat, body, bodyStream, signal);
    const status = sent[0];
    const flatHeaders = sent[1];
    const responseBody = new HostBody(sent[2]);
    const responseHeaders = headersFromFlatList(flatHeaders, 'immutable');
    // The Location header is looked at for a redirect status only, as the
    // standard's HTTP fetch does (and most responses are not redirects).
    const location = REDIRECT_STATUSES.includes(status) ? responseHeaders.get('location') : null;
    if (location !== null && internals.redirect !== 'manual') {
      cancelHostBody(responseBody, null);
      if (internals.redirect === 'error') throw new TypeError(`fetch failed: redirected to ${location} with redirect: 'error'`);
      const dropsBody = (status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
      // A stream was sent as it was read: there is nothing to send again.
      if (bodyStream !== null && !dropsBody) {
        throw new TypeError(`fetch failed: cannot follow the redirect to ${location} with a streamed request body`);
      }
      if (redirects >= 20) throw new TypeError(`fetch failed: more than 20 redirects (last to ${location})`);
      const next = URL.parse(location, url);
      if (next === null) throw new TypeError(`fetch failed: the redirect location ${location} is not a valid URL`);
      // 303, and 301/302 after a POST, turn into a GET without a body.
      if (dropsBody) {
        method = 'GET';
        body = null;
        bodyStream = null;
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) {
          headers[headersList] = headers[headersList].filter((h) => h[0] !== name);
        }
      }
      url = next;
      continue;
    }
    const response = new Response(internalConstruction);
    response[responseInternals] = {
      type: 'basic', status, statusText: '', headers: responseHeaders, url: url.href, redirected: redirects > 0,
    };
    const nullBody = isNullBodyStatus(status) || method === 'HEAD';
    if (nullBody) cancelHostBody(responseBody, null);
    // Aborting after the headers errors the body that is still coming.
    else if (signal !== null) addAbortAlgorithm(signal, (reason) => cancelHostBody(responseBody, reason));
    response[bodyInternals] = newBodyState(nullBody ? null : responseBody);
    return response;
  }
}

// Hooks (see hooks.js): an outbound response or failure arrived.
function fetchResponded(id, status, flatHeaders, body) {
  const pending = pendingFetches.get(id);
  if (pending === undefined) return; // aborted meanwhile
  pendingFetches.delete(id);
  pending.resolve([status, flatHeaders, body]);
}
function fetchFailed(id, message) {
  const pending = pendingFetches.get(id);
  if (pending === undefined) return;
  pendingFetches.delete(id);
  pending.reject(new TypeError(`fetch failed: ${message}`));
}

export { fetch, fetchFailed, fetchResponded };
