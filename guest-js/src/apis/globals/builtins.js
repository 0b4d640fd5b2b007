// QuickJS makes most builtin methods (every `String.prototype.x`,
// `Object.x`, ...) on their first read, not when the context is created. A
// method first read during a request would then be made again in every
// instance, since instances start from the snapshot: reading every
// builtin's properties once here puts them all in the snapshot instead.
// Only property descriptors are read: no getter runs.
export function instantiateBuiltins() {
  const seen = new Set();
  // Prototypes that no global property leads to.
  const hidden = [
    [][Symbol.iterator](), ''[Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](),
    /./[Symbol.matchAll](''), function* () {}, async function* () {}, async function () {}, async () => {},
  ];
  const queue = [globalThis, ...hidden];
  while (queue.length > 0) {
    const o = queue.pop();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    for (const key of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, key);
      if (d !== undefined) queue.push(d.value, d.get, d.set);
    }
    queue.push(Object.getPrototypeOf(o));
  }
}
