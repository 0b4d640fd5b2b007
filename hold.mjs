const held = [], failures = [];
for (let i = 0; i < 50; i++) { try { held.push(await fetch('http://127.0.0.1:38123/hold')); } catch (err) { failures.push(err); } }
console.log(held.length, failures.length);
export {};
