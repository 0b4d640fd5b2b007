//! The app's `env` (nano.toml's `[app.vars]` and `[app.secrets]`), and the
//! host side of `nano:platform/env`: an instance asks for its own app's
//! values, per request, and can reach no other app's.

use crate::state::State;

/// An app's vars and secrets by name. Its `Debug` shows the names only, so
/// a secret never reaches a log line through a `{:?}`.
#[derive(Clone, Default)]
pub struct Env {
    values: Vec<(String, String)>,
    globals: bool,
}

impl Env {
    /// `values`: vars, then secrets (a later entry wins over an earlier one
    /// of the same name); `globals`: a service-worker app gets them as
    /// globals too.
    pub fn new(values: impl IntoIterator<Item = (String, String)>, globals: bool) -> Env {
        let mut map = std::collections::BTreeMap::new();
        for (name, value) in values {
            map.insert(name, value);
        }
        Env { values: map.into_iter().collect(), globals }
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.values.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("globals", &self.globals)
            .finish()
    }
}

impl crate::bindings::nano::platform::env::Host for State {
    // Bounded by the operator's manifest (its size is capped), and the copy
    // lands in the instance's own linear memory.
    fn vars(&mut self) -> Vec<(String, String)> {
        self.app.env.values.clone()
    }

    fn globals(&mut self) -> bool {
        self.app.env.globals
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::env::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_values_win_and_debug_hides_them() {
        let env = Env::new([("A".into(), "var".into()), ("A".into(), "secret-value".into())], false);
        assert_eq!(env.values, [("A".to_string(), "secret-value".to_string())]);
        let shown = format!("{env:?}");
        assert!(shown.contains("\"A\"") && !shown.contains("secret-value"), "{shown}");
    }
}
