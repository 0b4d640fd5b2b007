//! nano's JavaScript engine: QuickJS (via rquickjs) compiled to a wasm32-wasip2
//! component. The host pre-initialises it with an app (`wizer-initialize`),
//! then instantiates a fresh copy for every request (`incoming-handler`), or
//! runs a script in it once (`exec`).

wit_bindgen::generate!({
    path: "../wit",
    world: "nano:platform/app",
    generate_all,
});

mod apis;
mod commonjs;
mod engine;
mod event_loop;
mod exec;
mod handles;
mod heap_holes;
mod hooks;
mod init;
mod instance;
mod modules;
mod natives;
mod number_to_string;
mod wit_names;

struct Component;

export!(Component);
