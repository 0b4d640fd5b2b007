//! Native half of the handler's `env` (env.js): the app's vars and secrets,
//! from the host's `nano:platform/env` (nano.toml). Asked for per request,
//! never at build time: secrets must not end up in the snapshot.

use crate::nano::platform::env;

/// The app's vars and secrets as `[name, value, name, value, …]`.
pub fn vars() -> Vec<String> {
    env::vars().into_iter().flat_map(|(name, value)| [name, value]).collect()
}

/// Whether a service-worker app also gets them as globals.
pub fn globals() -> bool {
    env::globals()
}
