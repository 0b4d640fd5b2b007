// Module state must not survive between requests: each gets a fresh instance.
let counter = 0;
const builtAt = Math.random();
export default {
  fetch() {
    counter += 1;
    return Response.json({ counter, random: Math.random(), builtAt, uptime: performance.now() });
  },
};
