// Objects of one prototype that share their layouts (shapes) keep their
// own properties: nano's engine keeps an app prototype's empty layout once
// a second object of it is made (patches/README.md, proto-steps), so these
// objects step through shared layouts. Each check would fail if a shared
// layout were changed in place by one of them. Runs under Node too.

test('objects of an app class keep their own properties', () => {
  class Point {
    constructor(x, y) {
      this.x = x;
      this.y = y;
    }
  }
  const points = [];
  for (let i = 0; i < 50; i++) points.push(new Point(i, -i));
  // One of them grows, one loses a property, one is frozen: the others'
  // layouts stay as they were.
  points[3].z = 3;
  delete points[4].x;
  Object.freeze(points[5]);
  points[6].y = 'six';
  for (const [i, p] of points.entries()) {
    const keys = i === 3 ? ['x', 'y', 'z'] : i === 4 ? ['y'] : ['x', 'y'];
    assertEq(Object.keys(p), keys, `point ${i}`);
    if (i !== 4) assertEq(p.x, i, `point ${i}`);
    assertEq(p.y, i === 6 ? 'six' : -i, `point ${i}`);
    assert(p instanceof Point);
  }
  assert(Object.isFrozen(points[5]) && !Object.isFrozen(points[7]));
  points[7].x = 70;
  assertEq(points[7].x, 70);
  assertEq(JSON.stringify(points.slice(2, 6)), '[{"x":2,"y":-2},{"x":3,"y":-3,"z":3},{"y":-4},{"x":5,"y":-5}]');
});

test('object literals with a __proto__ keep their own properties, in order', () => {
  const proto = { kind: 'base' };
  const made = [];
  for (let i = 0; i < 30; i++) {
    // Two orders of the same names, and one with a name of its own.
    made.push(i % 3 === 0 ? { __proto__: proto, a: i, b: 'b' } : i % 3 === 1 ? { __proto__: proto, b: 'b', a: i } : { __proto__: proto, a: i, c: true });
  }
  for (const [i, o] of made.entries()) {
    assertEq(Object.keys(o), i % 3 === 0 ? ['a', 'b'] : i % 3 === 1 ? ['b', 'a'] : ['a', 'c'], `object ${i}`);
    assertEq(o.a, i);
    assertEq(o.kind, 'base');
    assertEq(Object.getPrototypeOf(o), proto);
  }
  // Made with Object.create and a null prototype too.
  const bare = [];
  for (let i = 0; i < 20; i++) {
    const o = i % 2 ? Object.create(null) : Object.create(proto);
    o.first = i;
    if (i % 4 === 0) o.second = -i;
    bare.push(o);
  }
  for (const [i, o] of bare.entries()) {
    assertEq(Object.keys(o), i % 4 === 0 ? ['first', 'second'] : ['first'], `bare ${i}`);
    assertEq(Object.getPrototypeOf(o), i % 2 ? null : proto);
    assertEq(o.first, i);
  }
});

test('an object whose prototype changes later keeps its properties', () => {
  function Thing(n) { this.n = n; }
  const things = [new Thing(1), new Thing(2), new Thing(3)];
  Object.setPrototypeOf(things[1], { extra: true });
  assertEq([things[0].n, things[1].n, things[2].n], [1, 2, 3]);
  assertEq(things[1].extra, true);
  assert(things[0] instanceof Thing && !(things[1] instanceof Thing) && things[2] instanceof Thing);
  things[2].m = 'm';
  assertEq(Object.keys(things[2]), ['n', 'm']);
  assertEq(Object.keys(things[0]), ['n']);
});
