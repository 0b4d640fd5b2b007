// Objects the top-level code makes are in the snapshot, where they are
// immortal (patches/README.md, rquickjs-sys-0.14.0-immortal-snapshot.diff).
// A request changes them in every way QuickJS changes an object, makes
// enough garbage for a collection, and reports what it found before and
// after; the next request must find them as the snapshot has them.
const shared = { a: 1, b: 2 }; // a shape shared with `twin`
const twin = { a: 3, b: 4 };
const owned = { a: 1, b: 2, c: 3 };
delete owned.b; // a shape of its own, outside the shape table
class Point {
  constructor(x) { this.x = x; }
  norm() { return Math.abs(this.x); }
}
const points = [new Point(1), new Point(-2)];
const holder = {};
let text = 'snap';

export default {
  async fetch() {
    const before = {
      shared: { ...shared }, twin: { ...twin }, owned: { ...owned },
      points: points.map((p) => p.norm()), holder: Object.keys(holder), text,
      extra: typeof Point.prototype.extra,
    };
    shared.c = 5; // a new shape
    Object.defineProperty(twin, 'a', { value: 9, enumerable: false }); // a changed flag
    owned.d = 4; // added to its own shape...
    for (let i = 0; i < 100; i++) owned['k' + i] = i; // ...which grows
    delete owned.a;
    Point.prototype.extra = () => 'extra';
    points.push(new Point(-3));
    text += '!';
    // A request's object held only by a snapshot object, across a collection.
    holder.fresh = { v: 42 };
    let collected = false;
    const registry = new FinalizationRegistry(() => { collected = true; });
    (() => { const o = {}; o.self = o; registry.register(o, 1); })();
    for (let i = 0; i < 1500000; i++) { const o = { i }; o.self = o; }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const after = {
      shared, twin: [twin.a, Object.keys(twin)], owned: Object.keys(owned).length,
      points: points.map((p) => p.norm()), holder: holder.fresh.v, text,
      extra: points[2].extra(), collected,
    };
    return Response.json({ before, after });
  },
};
