// The app's vars and secrets (nano.toml's [app.vars] and [app.secrets]): the
// module handler's `env`, and globals of a service-worker app whose manifest
// says `env_globals = true`. Asked of the host per request: top-level code
// runs at build time and never sees them.
import * as native from 'nano:native';

// A fresh object per request (an app may add to its env), with data
// properties even for a name like `__proto__`.
export function requestEnv() {
  const flat = native.envVars();
  const env = {};
  for (let i = 0; i < flat.length; i += 2) {
    Object.defineProperty(env, flat[i], { value: flat[i + 1], writable: true, enumerable: true, configurable: true });
  }
  return env;
}

// Service-worker apps: the same names as globals, if the manifest asks.
export function defineEnvGlobals() {
  if (!native.envGlobals()) return;
  const flat = native.envVars();
  for (let i = 0; i < flat.length; i += 2) {
    Object.defineProperty(globalThis, flat[i], { value: flat[i + 1], writable: true, enumerable: false, configurable: true });
  }
}
