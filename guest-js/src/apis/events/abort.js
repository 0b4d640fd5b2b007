// AbortController and AbortSignal (DOM Standard), incl. timeout() and any().
const abortSignalToken = Symbol('AbortSignal');

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #onabort = null;
  #algorithms = [];
  #dependents = [];
  #sources = null; // set on signals made by any(): the signals they follow
  constructor(token) {
    if (token !== abortSignalToken) throw new TypeError('Illegal constructor');
    super();
  }
  get aborted() { return this.#aborted; }
  get reason() { return this.#reason; }
  throwIfAborted() { if (this.#aborted) throw this.#reason; }
  get onabort() { return this.#onabort; }
  set onabort(fn) {
    if (this.#onabort) this.removeEventListener('abort', this.#onabort);
    this.#onabort = typeof fn === 'function' ? fn : null;
    if (this.#onabort) this.addEventListener('abort', this.#onabort);
  }
  static abort(reason = undefined) {
    const signal = new AbortSignal(abortSignalToken);
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException('signal is aborted without reason', 'AbortError') : reason;
    return signal;
  }
  static timeout(ms) {
    requiredArguments(arguments.length, 1, "Failed to execute 'timeout' on 'AbortSignal'");
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0 || delay > Number.MAX_SAFE_INTEGER) {
      throw new TypeError(`Failed to execute 'timeout' on 'AbortSignal': ${ms} is outside the range of an unsigned long long`);
    }
    const signal = new AbortSignal(abortSignalToken);
    setTimeout(() => signal.#signalAbort(new DOMException('signal timed out', 'TimeoutError')), delay);
    return signal;
  }
  static any(signals) {
    requiredArguments(arguments.length, 1, "Failed to execute 'any' on 'AbortSignal'");
    const list = [...signals];
    for (const s of list) {
      if (!(s instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': member is not of type AbortSignal.");
    }
    const result = new AbortSignal(abortSignalToken);
    for (const s of list) {
      if (s.#aborted) {
        result.#aborted = true;
        result.#reason = s.#reason;
        return result;
      }
    }
    // A dependent signal follows the sources of the signals it was made from.
    result.#sources = [];
    for (const s of list) {
      for (const source of s.#sources || [s]) {
        if (!result.#sources.includes(source)) {
          result.#sources.push(source);
          source.#dependents.push(result);
        }
      }
    }
    return result;
  }
  // Runs the abort steps: reason, algorithms (e.g. a pending fetch), the
  // `abort` event, then signals made by any() from this one.
  #signalAbort(reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('signal is aborted without reason', 'AbortError') : reason;
    const dependents = this.#dependents.filter((d) => !d.#aborted);
    for (const d of dependents) { d.#aborted = true; d.#reason = this.#reason; }
    for (const algorithm of this.#algorithms.splice(0)) algorithm(this.#reason);
    this.dispatchEvent(new Event('abort'));
    for (const d of dependents) {
      for (const algorithm of d.#algorithms.splice(0)) algorithm(d.#reason);
      d.dispatchEvent(new Event('abort'));
    }
  }
  static _signalAbort(signal, reason) { signal.#signalAbort(reason); }
  static _addAlgorithm(signal, fn) { signal.#algorithms.push(fn); }
}
const signalAbort = AbortSignal._signalAbort;
const addAbortAlgorithm = AbortSignal._addAlgorithm;
delete AbortSignal._signalAbort;
delete AbortSignal._addAlgorithm;

class AbortController {
  #signal = new AbortSignal(abortSignalToken);
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
}
