//! Native half of the handler's `env` (env.js): the app's vars and secrets,
//! from the host's `nano:platform/env` (nano.toml). Asked for per request,
//! never at build time: secrets must not end up in the snapshot.

use crate::nano::platform::env;
use rquickjs::object::Property;
use rquickjs::{Ctx, Object};

/// A module handler's `env` for one request: a fresh object (an app may add
/// to it) whose data properties are defined, not assigned, so that a var
/// named `__proto__` is a property and a setter on Object.prototype is not
/// called. Made here and handed to dispatchFetch: no call from JS back into
/// a native per request, nor a descriptor object per var.
pub fn object<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let object = Object::new(ctx.clone())?;
    for (name, value) in env::vars() {
        object.prop(name.as_str(), Property::from(value).writable().enumerable().configurable())?;
    }
    Ok(object)
}

/// The app's vars and secrets as `[name, value, name, value, …]`.
pub fn vars() -> Vec<String> {
    env::vars().into_iter().flat_map(|(name, value)| [name, value]).collect()
}

/// Whether a service-worker app also gets them as globals.
pub fn globals() -> bool {
    env::globals()
}
