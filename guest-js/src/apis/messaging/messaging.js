// MessageChannel, MessagePort and MessageEvent (HTML, channel messaging),
// within one instance: a message is cloned with structuredClone (its
// ArrayBuffers may be transferred) and delivered to the other port as a task
// of its own, once that port is started (start(), or setting onmessage).
// MessagePorts in the transfer list arrive in the event's `ports` as the
// same objects (one realm: there is nothing to re-create them in).
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { Event, EventTarget } from '../events/events.js';
import { structuredClone } from '../clone/clone.js';
import { setTimeout } from '../timers/timers.js';

const internal = Symbol('messaging');

class MessageEvent extends Event {
  #data; #origin; #lastEventId; #source; #ports;
  constructor(type, init = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'MessageEvent'");
    super(type, init);
    const o = init == null ? { __proto__: null } : init;
    this.#data = o.data === undefined ? null : o.data;
    this.#origin = o.origin === undefined ? '' : String(o.origin);
    this.#lastEventId = o.lastEventId === undefined ? '' : String(o.lastEventId);
    this.#source = o.source === undefined ? null : o.source;
    const ports = o.ports === undefined ? [] : [...o.ports];
    for (const port of ports) {
      if (!(port instanceof MessagePort)) throw new TypeError("Failed to construct 'MessageEvent': ports must be MessagePorts.");
    }
    this.#ports = Object.freeze(ports);
  }
  get data() { return this.#data; }
  get origin() { return this.#origin; }
  get lastEventId() { return this.#lastEventId; }
  get source() { return this.#source; }
  get ports() { return this.#ports; }
}

class MessagePort extends EventTarget {
  #other = null;
  #queue = [];
  #started = false;
  #closed = false;
  #handlers = { message: null, messageerror: null };
  constructor(token) {
    if (token !== internal) throw new TypeError('Illegal constructor');
    super();
  }
  static _entangle(a, b) {
    a.#other = b;
    b.#other = a;
  }
  postMessage(message, transferOrOptions = undefined) {
    requiredArguments(arguments.length, 1, "Failed to execute 'postMessage' on 'MessagePort'");
    let transfer = [];
    if (transferOrOptions != null && typeof transferOrOptions[Symbol.iterator] === 'function') {
      transfer = [...transferOrOptions];
    } else if (transferOrOptions != null && transferOrOptions.transfer !== undefined) {
      transfer = [...transferOrOptions.transfer];
    }
    const ports = transfer.filter((item) => item instanceof MessagePort);
    for (const port of ports) {
      if (port === this || port === this.#other) {
        throw new DOMException('A port cannot be transferred through itself or its own channel.', 'DataCloneError');
      }
      if (port.#closed) throw new DOMException('A closed MessagePort cannot be transferred.', 'DataCloneError');
    }
    const data = structuredClone(message, { transfer: transfer.filter((item) => !(item instanceof MessagePort)) });
    const target = this.#other;
    if (this.#closed || target === null) return;
    target.#queue.push([data, ports]);
    if (target.#started) target.#deliverLater();
  }
  start() {
    if (this.#started || this.#closed) return;
    this.#started = true;
    for (let i = 0; i < this.#queue.length; i++) this.#deliverLater();
  }
  close() {
    this.#closed = true;
    this.#queue = [];
    const other = this.#other;
    this.#other = null;
    if (other !== null) other.#other = null;
  }
  // One task per message, in order.
  #deliverLater() {
    setTimeout(() => {
      if (this.#closed || this.#queue.length === 0) return;
      const [data, ports] = this.#queue.shift();
      this.dispatchEvent(new MessageEvent('message', { data, ports }));
    }, 0);
  }
  get onmessage() { return this.#handlers.message; }
  set onmessage(handler) {
    this.#setHandler('message', handler);
    // Setting onmessage starts the port (HTML).
    this.start();
  }
  get onmessageerror() { return this.#handlers.messageerror; }
  set onmessageerror(handler) { this.#setHandler('messageerror', handler); }
  #setHandler(type, handler) {
    const value = typeof handler === 'function' || (typeof handler === 'object' && handler !== null) ? handler : null;
    if (this.#handlers[type] === null && value !== null) {
      this.addEventListener(type, (event) => {
        const current = this.#handlers[type];
        if (typeof current === 'function') current.call(this, event);
      });
    }
    this.#handlers[type] = value;
  }
}
const entangle = MessagePort._entangle;
delete MessagePort._entangle;

class MessageChannel {
  #port1; #port2;
  constructor() {
    this.#port1 = new MessagePort(internal);
    this.#port2 = new MessagePort(internal);
    entangle(this.#port1, this.#port2);
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}

for (const cls of [MessageChannel, MessagePort, MessageEvent]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

export { MessageChannel, MessageEvent, MessagePort };
