//! Nothing of one request may reach the next: not its linear memory (a
//! hand-written component checks the bytes themselves), not its JS state.

use crate::common::*;
use nano_host::engine::{PoolLimits, Runtime};
use std::sync::Arc;
use wasmtime::component::Component;

fn canary(runtime: &Arc<Runtime>) -> Component {
    let wat = repo_root().join("tests/components/canary.wat");
    // wasmtime assembles the component's text format itself.
    Component::from_file(&runtime.engine, wat).expect("assembling tests/components/canary.wat")
}

/// Every request of the canary must find its memory as the image left it,
/// although each one runs in the pool slot the request before it dirtied
/// (checked through the pool's metrics), or in the very instance the
/// request before it ran in, reset in place (reuse.rs). The resets checked
/// are wasmtime's, in the engine `run` makes (Runtime::new(_, true):
/// copy-on-write images, up to 4 MiB of dirty pages reset in place, the
/// rest decommitted, warm slots), and the requests go through the server's
/// own connection handler. Every reset mode the host has is run: an
/// instance reset in place (as `run` serves) and a fresh instance in a
/// reset slot, each with the pagemap scan `run` uses (its patched resume
/// past 32 dirty regions and its decommit once the 4 MiB are spent are both
/// crossed: the canary dirties ≈ 1,500 separate pages over 12 MiB; and
/// the 256th reset of a slot gives its written pages back to the kernel
/// instead of copying, the written-pages-decay patch) and with
/// the blind copy over the first 4 MiB it replaces; and a fresh mapping per
/// instance. The scan finds written pages as it does on this kernel: by
/// their write-protection (patches/README.md, the written-pages patch); the
/// canary reads every page it writes in the image first, and writes past
/// the image and into memory it grows.
#[test]
fn linear_memory_is_reset_between_requests_on_the_same_slot() {
    assert!(
        !cfg!(target_os = "linux") || wasmtime::PoolingAllocationConfig::is_pagemap_scan_available(),
        "this kernel lacks PAGEMAP_SCAN (Linux 6.7+): the pagemap reset would not be tested"
    );
    assert!(
        !cfg!(target_os = "linux") || wasmtime::PoolingAllocationConfig::are_written_pages_tracked(),
        "no asynchronous userfaultfd write-protection here (Linux 6.7+): the scan `run` uses on such kernels would not be tested"
    );
    let fresh = PoolLimits { reuse_instances: false, ..PoolLimits::default() };
    let blind = PoolLimits { pagemap_scan: false, ..PoolLimits::default() };
    let modes: [(&str, PoolLimits, bool); 6] = [
        ("pooling, as run (reset in place, pagemap scan)", PoolLimits::default(), true),
        ("pooling, reset in place, blind reset of the first 4 MiB", blind.clone(), true),
        ("pooling, fresh instances (pagemap scan)", fresh.clone(), true),
        (
            "pooling, fresh instances, blind reset of the first 4 MiB",
            PoolLimits { reuse_instances: false, ..blind },
            true,
        ),
        // The smallest slots the canary fits: its 12 MiB fill them.
        ("pooling, fresh instances, 12 MiB slots", PoolLimits { max_memory: 12 << 20, ..fresh }, true),
        // build and exec: a fresh mapping per instance.
        ("on demand, as build and exec", PoolLimits::default(), false),
    ];
    const REQUESTS: usize = 260;
    for (mode, limits, pooling) in modes {
        let reuse = pooling && limits.reuse_instances;
        let runtime = Runtime::new(limits, pooling).unwrap();
        let component = canary(&runtime);
        let mut slots = Vec::new();
        // Past the 256th reset of the slot, where a scanning reset gives the
        // written pages back instead of copying, even when every request
        // writes the same pages (the written-pages-decay patch).
        let responses = in_process(&runtime, &component, "/", REQUESTS, |runtime| {
            if let Some(pool) = runtime.engine.pooling_allocator_metrics() {
                slots.push(if reuse { runtime.parked.get() } else { pool.unused_warm_memories() as usize });
            }
        });
        for (i, (status, _)) in responses.iter().enumerate() {
            assert_eq!(*status, 200, "{mode}: request {i} found the previous request's writes (400 + check number)");
        }
        if pooling {
            // One parked instance, or one unused warm memory, after every
            // request: each request ran in the one instance, or the one
            // slot, the requests before it dirtied (else the test would
            // prove nothing).
            assert_eq!(slots, [1; REQUESTS], "{mode}: requests did not reuse one instance or slot");
        }
    }
}

/// An instance that leaves a resource handle live (the canary without its
/// drop of the request) is not at rest: it is dropped after its request,
/// never reset and reused, and every request gets a new one.
#[test]
fn an_instance_that_leaves_a_handle_live_is_not_reused() {
    let wat = std::fs::read_to_string(repo_root().join("tests/components/canary.wat")).unwrap();
    let drop_line = "      (call $drop_request (local.get $request))\n";
    assert!(wat.contains(drop_line), "the canary drops its request");
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let leaky = Component::new(&runtime.engine, wat.replace(drop_line, "")).unwrap();
    let mut parked = Vec::new();
    let responses = in_process(&runtime, &leaky, "/", 4, |runtime| parked.push(runtime.parked.get()));
    assert!(responses.iter().all(|(status, _)| *status == 200), "{responses:?}");
    assert_eq!(parked, [0; 4], "an instance holding a handle was parked");
    // The well-behaved canary, in the same kind of runtime, is.
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let mut parked = Vec::new();
    in_process(&runtime, &canary(&runtime), "/", 2, |runtime| parked.push(runtime.parked.get()));
    assert_eq!(parked, [1, 1]);
}

/// What a missing reset amounts to: requests run one after another in one
/// instance (not how nano serves; the positive control of the tests here).
/// Returns each response's status and body.
fn in_one_instance(runtime: &Arc<Runtime>, component: &Component, requests: usize) -> Vec<(u16, String)> {
    in_one_instance_reset(runtime, component, requests, None)
}

/// `in_one_instance`, the instance reset in place between requests when
/// `tables_change` is given (`Resettable::new`'s argument: whether the
/// reset copies the tables back).
fn in_one_instance_reset(
    runtime: &Arc<Runtime>,
    component: &Component,
    requests: usize,
    tables_change: Option<bool>,
) -> Vec<(u16, String)> {
    use http_body_util::BodyExt;
    use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
    use wasmtime_wasi_http::p2::bindings::ProxyPre;
    use wasmtime_wasi_http::WasiHttpView;
    let pre = ProxyPre::new(runtime.instantiate_pre(component).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let app = nano_host::app::AppConfig::new("test", nano_host::limits::AppLimits::default());
        let mut store =
            runtime.new_store(&app, nano_host::state::LogSink::Stdio, nano_host::state::State::wasi().build());
        let instance = pre.instance_pre().instantiate_async(&mut store).await.unwrap();
        let proxy = wasmtime_wasi_http::p2::bindings::Proxy::new(&mut store, &instance).unwrap();
        let resettable = tables_change.map(|tables_change| {
            nano_host::reuse::Resettable::new(&mut store, instance, tables_change).expect("the canary can be reset")
        });
        let mut responses = Vec::new();
        for i in 0..requests {
            if let (Some(resettable), true) = (&resettable, i > 0) {
                assert!(resettable.reset(&mut store), "the canary is at rest after a request");
            }
            let req = hyper::Request::get("http://localhost/")
                .body(http_body_util::Empty::<bytes::Bytes>::new().map_err(|never| -> ErrorCode { match never {} }))
                .unwrap();
            let req = store.data_mut().http().new_incoming_request(Scheme::Http, req).unwrap();
            let (tx, rx) = tokio::sync::oneshot::channel();
            let out = store.data_mut().http().new_response_outparam(tx).unwrap();
            proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await.unwrap();
            let response = rx.await.unwrap().unwrap();
            let status = response.status().as_u16();
            let body = tokio::time::timeout(std::time::Duration::from_secs(10), response.into_body().collect())
                .await
                .expect("the body within 10 s")
                .unwrap()
                .to_bytes();
            responses.push((status, text(&body)));
        }
        responses
    })
}

/// The canary can see a dirty memory: in one instance, the second request
/// finds the first one's writes (check 1, the first data segment).
#[test]
fn the_canary_sees_a_previous_requests_writes() {
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let statuses: Vec<u16> = in_one_instance(&runtime, &canary(&runtime), 2).into_iter().map(|r| r.0).collect();
    assert_eq!(statuses, [200, 401]);
}

/// A reset copies back the tables of a component whose code changes them
/// (the canary clears an element of its own table: reuse.rs
/// `changes_tables`, which `run` asks of every app's bytes). Reset with its
/// tables left as they are, as a component that changes none is, the
/// canary finds the element cleared (check 7) though its memory is clean.
#[test]
fn a_reset_puts_back_the_tables_of_a_component_that_changes_them() {
    let wasm = wat::parse_file(repo_root().join("tests/components/canary.wat")).unwrap();
    assert!(nano_host::reuse::changes_tables(&wasm), "the canary's table.set is found");
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let component = canary(&runtime);
    let statuses = |tables_change| -> Vec<u16> {
        in_one_instance_reset(&runtime, &component, 3, Some(tables_change)).into_iter().map(|r| r.0).collect()
    };
    assert_eq!(statuses(true), [200, 200, 200]);
    assert_eq!(statuses(false), [200, 407, 407]);
}

/// What `fresh_instance.js` reports when it finds no earlier request's state.
const PRISTINE: &str = r#"{"counter":0,"global":"undefined","cached":{"hits":0,"seen":[]},"polluted":"undefined","timerFired":0,"promiseSettled":false,"pending":"undefined"}"#;

fn found(body: &str) -> &str {
    let found = body.split("\"found\":").nth(1).expect("the state the request found");
    found.strip_suffix('}').unwrap_or(found)
}

/// JS state of one request — a global, a module variable, an object made at
/// the top level, a prototype, a timer, a pending promise — is absent in the
/// next, over real HTTP through `nano-host run`, in an instance reset in
/// place between requests (as `run` serves; its metrics say it was) and
/// with `--fresh-instances`. Each response reports what its request found
/// before it left its own traces.
#[test]
fn js_state_of_a_request_is_absent_in_the_next() {
    for fresh in [false, true] {
        let args: &[&str] =
            if fresh { &["--admin", "127.0.0.1:0", "--fresh-instances"] } else { &["--admin", "127.0.0.1:0"] };
        let server = Server::start_with(&app("fresh_instance.js"), args, nano());
        for i in 0..12 {
            let res = server.get("/");
            assert_eq!(res.status, 200, "{}", server.log());
            let body = res.text();
            assert_eq!(
                found(&body),
                PRISTINE,
                "fresh instances {fresh}: request {i} saw an earlier request's state: {body}"
            );
        }
        let metrics = request(server.admin_addr(), "GET", "/metrics", &[], b"").text();
        let reuses: u64 = metrics
            .lines()
            .filter(|l| l.starts_with("nano_instance_reuses_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum();
        if fresh {
            assert_eq!(reuses, 0, "{metrics}");
        } else {
            // (A request that comes before the last one's instance is
            // parked gets a new instance: not every one is reused.)
            assert!(reuses >= 1, "requests ran in a reused instance: {metrics}");
        }
    }
}

/// The app does see each kind of leftover when there is one: two requests
/// in one instance, and the second finds all of the first one's traces.
#[test]
fn the_js_app_sees_a_previous_requests_state() {
    let dir = scratch("isolation-js");
    let wasm = dir.join("fresh_instance.wasm");
    let built = nano().arg("build").arg(app("fresh_instance.js")).arg("-o").arg(&wasm).output().unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    // nano's builds change no table: `run` resets their instances leaving
    // the tables as they are (reuse.rs `changes_tables`), as it serves
    // `js_state_of_a_request_is_absent_in_the_next`.
    assert!(!nano_host::reuse::changes_tables(&std::fs::read(&wasm).unwrap()));
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let component = Component::new(&runtime.engine, std::fs::read(&wasm).unwrap()).unwrap();
    let responses = in_one_instance(&runtime, &component, 2);
    assert_eq!(found(&responses[0].1), PRISTINE);
    assert_eq!(
        found(&responses[1].1),
        r#"{"counter":1,"global":"string","cached":{"hits":101,"seen":[1]},"polluted":"string","timerFired":1,"promiseSettled":false,"pending":"function"}"#
    );
}

/// Objects of the snapshot are immortal (patches/README.md): a request that
/// gives them new shapes, changes a property's flags, grows a shape of an
/// object's own, adds to a prototype, holds a new object only from one of
/// them across a collection, gets what QuickJS gives any object; and the
/// next request finds them as the snapshot has them.
#[test]
fn snapshot_objects_changed_by_a_request_are_whole_in_the_next() {
    let server = Server::start(&app("snapshot_objects.js"));
    let expected = concat!(
        r#"{"before":{"shared":{"a":1,"b":2},"twin":{"a":3,"b":4},"owned":{"a":1,"c":3},"points":[1,2],"#,
        r#""holder":[],"text":"snap","extra":"undefined"},"#,
        r#""after":{"shared":{"a":1,"b":2,"c":5},"twin":[9,["b"]],"owned":102,"points":[1,2,3],"holder":42,"#,
        r#""text":"snap!","extra":"extra","collected":true}}"#
    );
    for i in 0..3 {
        let res = server.get("/");
        assert_eq!(res.status, 200, "{}", server.log());
        assert_eq!(res.text(), expected, "request {i}");
    }
}
