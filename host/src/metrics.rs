//! What the server counts, for operators (served by `admin` at `/metrics`).
//!
//! One registry for the whole process. Every label value is either an app
//! name (from the operator's manifest, so bounded) or a variant of one of the
//! fixed enums below: nothing a client sends ever becomes a label, so a
//! client cannot grow the number of series.
//!
//! Cheap per event: `Metrics::app` creates every series of an app once, when
//! the app is loaded, and `AppMetrics` keeps the handles. Recording is then an
//! atomic add on a handle found by array index: no label set is built, no
//! string allocated, no family lock taken.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

/// The content type of `Metrics::encode`'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Request latency buckets, in seconds: from a cached hello-world (~100 µs)
/// to the longest wall-clock limit an operator is likely to set (30 s).
const LATENCY_BUCKETS: [f64; 17] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A fixed set of label values: the enum, every variant in order (to make
/// each app's handles up front, indexed by `as usize`) and its label text.
macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
                EncodeLabelValue::encode(&self.as_str(), encoder)
            }
        }
    };
}

label_enum! {
    /// Why an instance stopped before finishing its request.
    TrapKind {
        /// Out of fuel / epoch: the CPU-time limit.
        CpuLimit => "cpu_limit",
        /// The wall-clock limit of a request.
        WallLimit => "wall_limit",
        /// A memory limit (growth refused, or the engine out of memory).
        Memory => "memory",
        StackOverflow => "stack_overflow",
        /// Any other trap (unreachable, bad access, a host call failing).
        Trap => "trap",
        /// Cancelled by the host: the client went away, or shutdown.
        Aborted => "aborted",
    }
}

label_enum! {
    /// A host limit that refused or stopped something.
    LimitKind {
        Cpu => "cpu",
        Wall => "wall",
        Memory => "memory",
        /// No instance slot within the queue timeout (503).
        Concurrency => "concurrency",
        BodySize => "body_size",
        HeaderSize => "header_size",
        ResponseHeaders => "response_headers",
        /// Outbound fetches per request.
        Fetches => "fetches",
        /// An outbound destination the app may not reach.
        OutboundDenied => "outbound_denied",
    }
}

label_enum! {
    /// How an outbound fetch ended.
    FetchOutcome {
        Ok => "ok",
        Denied => "denied",
        Error => "error",
        Timeout => "timeout",
    }
}

label_enum! {
    /// A response status by its first digit.
    StatusClass {
        Informational => "1xx",
        Success => "2xx",
        Redirection => "3xx",
        ClientError => "4xx",
        ServerError => "5xx",
    }
}

impl StatusClass {
    /// A status outside 100-599 is not HTTP; the server never sends one, and
    /// if it did it would be the server's error, so it counts as 5xx.
    pub fn of(status: u16) -> StatusClass {
        match status {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            _ => StatusClass::ServerError,
        }
    }
}

// Label sets. The app name is an `Arc<str>` so the handles of one app share it.

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AppLabel {
    app: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ClassLabels {
    app: Arc<str>,
    class: StatusClass,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TrapLabels {
    app: Arc<str>,
    kind: TrapKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct LimitLabels {
    app: Arc<str>,
    limit: LimitKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FetchLabels {
    app: Arc<str>,
    outcome: FetchOutcome,
}

/// A gauge of a count or a size, which is never negative.
type UGauge = Gauge<u64, AtomicU64>;

/// The registry and every family in it.
pub struct Metrics {
    registry: Registry,
    requests: Family<ClassLabels, Counter>,
    durations: Family<AppLabel, Histogram, fn() -> Histogram>,
    instantiations: Family<AppLabel, Counter>,
    reuses: Family<AppLabel, Counter>,
    traps: Family<TrapLabels, Counter>,
    limit_hits: Family<LimitLabels, Counter>,
    fetches: Family<FetchLabels, Counter>,
    instances_live: Family<AppLabel, Gauge>,
    pool_warm_slots: UGauge,
    pool_resident_bytes: UGauge,
    instances_parked: UGauge,
    connections_open: UGauge,
    /// Requests no app was charged with: no route (404), no host (400),
    /// the server's slots all busy (503).
    unrouted: Counter,
    pool_busy: Counter,
    cpu_busy: Counter,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let metrics = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            durations: Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS)),
            instantiations: Family::default(),
            reuses: Family::default(),
            traps: Family::default(),
            limit_hits: Family::default(),
            fetches: Family::default(),
            instances_live: Family::default(),
            pool_warm_slots: UGauge::default(),
            pool_resident_bytes: UGauge::default(),
            instances_parked: UGauge::default(),
            connections_open: UGauge::default(),
            unrouted: Counter::default(),
            pool_busy: Counter::default(),
            cpu_busy: Counter::default(),
        };
        Arc::new(metrics.registered())
    }

    /// Puts every family in the registry. The families are cheap handles
    /// (`Arc`s): the registry's copies and `self`'s are the same series.
    /// Counters get their `_total` suffix from the encoder.
    fn registered(mut self) -> Metrics {
        let r = &mut self.registry;
        r.register("nano_requests", "Responses sent, by status class", self.requests.clone());
        r.register(
            "nano_request_duration_seconds",
            "Time from the request head to the response head",
            self.durations.clone(),
        );
        r.register("nano_instantiations", "App instances created", self.instantiations.clone());
        r.register(
            "nano_instance_reuses",
            "Requests served by an instance reset in place after an earlier request",
            self.reuses.clone(),
        );
        r.register("nano_traps", "Instances stopped before finishing, by why", self.traps.clone());
        r.register("nano_limit_hits", "Host limits that refused or stopped something", self.limit_hits.clone());
        r.register("nano_fetches", "Outbound fetches, by outcome", self.fetches.clone());
        r.register("nano_instances_live", "Instances running now", self.instances_live.clone());
        r.register("nano_pool_warm_slots", "Instance slots in the pool kept warm", self.pool_warm_slots.clone());
        r.register(
            "nano_pool_resident_bytes",
            "Memory the instance pool keeps resident",
            self.pool_resident_bytes.clone(),
        );
        r.register(
            "nano_instances_parked",
            "Instances reset in place and waiting for their app's next request, each holding a slot",
            self.instances_parked.clone(),
        );
        r.register("nano_connections_open", "Client connections open on the app port", self.connections_open.clone());
        r.register(
            "nano_unrouted_requests",
            "Requests no route took (404) or without a host (400)",
            self.unrouted.clone(),
        );
        r.register(
            "nano_pool_busy",
            "Requests refused because every instance slot was busy (503)",
            self.pool_busy.clone(),
        );
        r.register(
            "nano_cpu_busy",
            "Requests refused because they waited their queue timeout to start while the CPU was saturated (503)",
            self.cpu_busy.clone(),
        );
        self
    }

    /// Every series of the app `name`, created now (so they read 0 until
    /// something happens, rather than missing). Called once per app when it
    /// is loaded; calling it again for the same name gives the same series.
    pub fn app(&self, name: &str) -> AppMetrics {
        let app: Arc<str> = name.into();
        let handles = Handles {
            requests: StatusClass::ALL
                .iter()
                .map(|&class| self.requests.get_or_create_owned(&ClassLabels { app: app.clone(), class }))
                .collect(),
            duration: self.durations.get_or_create_owned(&AppLabel { app: app.clone() }),
            instantiations: self.instantiations.get_or_create_owned(&AppLabel { app: app.clone() }),
            reuses: self.reuses.get_or_create_owned(&AppLabel { app: app.clone() }),
            traps: TrapKind::ALL
                .iter()
                .map(|&kind| self.traps.get_or_create_owned(&TrapLabels { app: app.clone(), kind }))
                .collect(),
            limit_hits: LimitKind::ALL
                .iter()
                .map(|&limit| self.limit_hits.get_or_create_owned(&LimitLabels { app: app.clone(), limit }))
                .collect(),
            fetches: FetchOutcome::ALL
                .iter()
                .map(|&outcome| self.fetches.get_or_create_owned(&FetchLabels { app: app.clone(), outcome }))
                .collect(),
            live: self.instances_live.get_or_create_owned(&AppLabel { app }),
        };
        AppMetrics(Arc::new(handles))
    }

    /// The pool gauges, which only the server can read (from the engine):
    /// set from the refresh callback `admin` runs before each scrape.
    pub fn set_pool(&self, warm_slots: u64, resident_bytes: u64, parked: u64) {
        self.pool_warm_slots.set(warm_slots);
        self.pool_resident_bytes.set(resident_bytes);
        self.instances_parked.set(parked);
    }

    pub fn set_connections(&self, open: u64) {
        self.connections_open.set(open);
    }

    /// A request no app took (no route, no host).
    pub fn unrouted(&self) {
        self.unrouted.inc();
    }

    /// A request refused because the server's slots were all busy.
    pub fn pool_busy(&self) {
        self.pool_busy.inc();
    }

    /// A request refused because it waited its queue timeout at the CPU
    /// gate (cpu_gate.rs).
    pub fn cpu_busy(&self) {
        self.cpu_busy.inc();
    }

    /// Everything, in the OpenMetrics text format (`CONTENT_TYPE`).
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(16 * 1024);
        // Writing into a String cannot fail, and no label value here refuses
        // to encode; should that change, a partial scrape beats a panic.
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::error!("encoding the metrics failed: the scrape is incomplete");
        }
        text
    }
}

/// One app's series, made once; `Clone` is one `Arc` clone.
#[derive(Clone)]
pub struct AppMetrics(Arc<Handles>);

/// Each `Vec` holds one counter per enum variant, indexed by `as usize`.
struct Handles {
    requests: Vec<Counter>,
    duration: Histogram,
    instantiations: Counter,
    reuses: Counter,
    traps: Vec<Counter>,
    limit_hits: Vec<Counter>,
    fetches: Vec<Counter>,
    live: Gauge,
}

impl AppMetrics {
    /// A response sent: its status and the time to its head.
    pub fn request(&self, status: u16, latency: Duration) {
        self.0.requests[StatusClass::of(status) as usize].inc();
        self.0.duration.observe(latency.as_secs_f64());
    }

    pub fn instantiated(&self) {
        self.0.instantiations.inc();
    }

    pub fn reused(&self) {
        self.0.reuses.inc();
    }

    pub fn trap(&self, kind: TrapKind) {
        self.0.traps[kind as usize].inc();
    }

    pub fn limit_hit(&self, limit: LimitKind) {
        self.0.limit_hits[limit as usize].inc();
    }

    pub fn fetch(&self, outcome: FetchOutcome) {
        self.0.fetches[outcome as usize].inc();
    }

    /// Counts an instance as live until the guard is dropped, so every way
    /// out of the instance's task (including an abort) counts it out again.
    #[must_use = "the instance counts as live only while the guard is held"]
    pub fn instance_live(&self) -> LiveGuard {
        self.0.live.inc();
        LiveGuard(self.0.live.clone())
    }

    // Current values, for tests and for the server's own checks.

    pub fn requests(&self, class: StatusClass) -> u64 {
        self.0.requests[class as usize].get()
    }

    pub fn instantiations(&self) -> u64 {
        self.0.instantiations.get()
    }

    pub fn reuses(&self) -> u64 {
        self.0.reuses.get()
    }

    pub fn traps(&self, kind: TrapKind) -> u64 {
        self.0.traps[kind as usize].get()
    }

    pub fn limit_hits(&self, limit: LimitKind) -> u64 {
        self.0.limit_hits[limit as usize].get()
    }

    pub fn fetches(&self, outcome: FetchOutcome) -> u64 {
        self.0.fetches[outcome as usize].get()
    }

    pub fn instances_live(&self) -> i64 {
        self.0.live.get()
    }
}

/// An instance counted in `nano_instances_live`; counted out when dropped.
pub struct LiveGuard(Gauge);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_has(text: &str, line: &str) {
        assert!(text.lines().any(|l| l == line), "no line `{line}` in:\n{text}");
    }

    #[test]
    fn encodes_events_with_their_labels() {
        let metrics = Metrics::new();
        let hello = metrics.app("hello");
        let other = metrics.app("other");
        hello.request(200, Duration::from_millis(3));
        hello.request(204, Duration::from_millis(1));
        hello.request(503, Duration::from_micros(50));
        hello.instantiated();
        hello.trap(TrapKind::CpuLimit);
        hello.limit_hit(LimitKind::OutboundDenied);
        hello.limit_hit(LimitKind::OutboundDenied);
        hello.fetch(FetchOutcome::Timeout);
        other.request(404, Duration::from_secs(1));
        metrics.set_pool(12, 3 << 20, 2);
        metrics.set_connections(5);

        let text = metrics.encode();
        assert_has(&text, "# TYPE nano_requests counter");
        assert_has(&text, r#"nano_requests_total{app="hello",class="2xx"} 2"#);
        assert_has(&text, r#"nano_requests_total{app="hello",class="5xx"} 1"#);
        assert_has(&text, r#"nano_requests_total{app="hello",class="4xx"} 0"#);
        assert_has(&text, r#"nano_requests_total{app="other",class="4xx"} 1"#);
        assert_has(&text, r#"nano_instantiations_total{app="hello"} 1"#);
        assert_has(&text, r#"nano_instantiations_total{app="other"} 0"#);
        assert_has(&text, r#"nano_traps_total{app="hello",kind="cpu_limit"} 1"#);
        assert_has(&text, r#"nano_traps_total{app="hello",kind="stack_overflow"} 0"#);
        assert_has(&text, r#"nano_limit_hits_total{app="hello",limit="outbound_denied"} 2"#);
        assert_has(&text, r#"nano_limit_hits_total{app="hello",limit="body_size"} 0"#);
        assert_has(&text, r#"nano_fetches_total{app="hello",outcome="timeout"} 1"#);
        assert_has(&text, r#"nano_instances_live{app="hello"} 0"#);
        assert_has(&text, "nano_pool_warm_slots 12");
        assert_has(&text, "nano_pool_resident_bytes 3145728");
        assert_has(&text, "nano_instances_parked 2");
        assert_has(&text, "nano_connections_open 5");
        assert_has(&text, "# TYPE nano_request_duration_seconds histogram");
        assert!(text.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    }

    #[test]
    fn every_series_of_an_app_exists_from_load() {
        let metrics = Metrics::new();
        let _app = metrics.app("a");
        let text = metrics.encode();
        let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(count("nano_requests_total{"), StatusClass::ALL.len());
        assert_eq!(count("nano_traps_total{"), TrapKind::ALL.len());
        assert_eq!(count("nano_limit_hits_total{"), LimitKind::ALL.len());
        assert_eq!(count("nano_fetches_total{"), FetchOutcome::ALL.len());
        // 17 bounds and +Inf.
        assert_eq!(count("nano_request_duration_seconds_bucket{"), LATENCY_BUCKETS.len() + 1);
    }

    #[test]
    fn the_same_app_twice_shares_its_series() {
        let metrics = Metrics::new();
        let first = metrics.app("a");
        let again = metrics.app("a");
        first.limit_hit(LimitKind::Concurrency);
        again.limit_hit(LimitKind::Concurrency);
        assert_eq!(first.limit_hits(LimitKind::Concurrency), 2);
        assert_eq!(metrics.encode().matches(r#"limit="concurrency"} 2"#).count(), 1);
    }

    #[test]
    fn live_gauge_follows_the_guards() {
        let metrics = Metrics::new();
        let app = metrics.app("a");
        let one = app.instance_live();
        let two = app.clone().instance_live();
        assert_eq!(app.instances_live(), 2);
        drop(one);
        assert_eq!(app.instances_live(), 1);
        assert!(metrics.encode().lines().any(|l| l == r#"nano_instances_live{app="a"} 1"#));
        // A guard moved into a task that is aborted still counts out.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async move {
            let task = tokio::spawn(async move {
                let _two = two;
                std::future::pending::<()>().await
            });
            tokio::task::yield_now().await;
            task.abort();
            let _ = task.await;
        });
        assert_eq!(app.instances_live(), 0);
    }

    #[test]
    fn histogram_counts_into_its_buckets() {
        let metrics = Metrics::new();
        let app = metrics.app("a");
        app.request(200, Duration::from_micros(80));
        app.request(200, Duration::from_millis(2));
        app.request(500, Duration::from_secs(60));
        let text = metrics.encode();
        assert_has(&text, r#"nano_request_duration_seconds_sum{app="a"} 60.00208"#);
        // Buckets are cumulative; past the last bound only +Inf holds it.
        assert_has(&text, r#"nano_request_duration_seconds_bucket{le="0.0001",app="a"} 1"#);
        assert_has(&text, r#"nano_request_duration_seconds_bucket{le="0.0025",app="a"} 2"#);
        assert_has(&text, r#"nano_request_duration_seconds_bucket{le="30.0",app="a"} 2"#);
        assert_has(&text, r#"nano_request_duration_seconds_bucket{le="+Inf",app="a"} 3"#);
        assert_has(&text, r#"nano_request_duration_seconds_count{app="a"} 3"#);
    }

    #[test]
    fn handles_cross_threads() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        fn sendable<T: Send + Sync + 'static>() {}
        shareable::<AppMetrics>();
        sendable::<LiveGuard>();
        sendable::<Metrics>();
    }

    #[test]
    fn status_classes() {
        assert_eq!(StatusClass::of(101), StatusClass::Informational);
        assert_eq!(StatusClass::of(299), StatusClass::Success);
        assert_eq!(StatusClass::of(304), StatusClass::Redirection);
        assert_eq!(StatusClass::of(429), StatusClass::ClientError);
        assert_eq!(StatusClass::of(599), StatusClass::ServerError);
        assert_eq!(StatusClass::of(42), StatusClass::ServerError, "not HTTP: the server's fault");
        assert_eq!(StatusClass::of(700), StatusClass::ServerError);
    }

    #[test]
    fn app_names_are_escaped() {
        let metrics = Metrics::new();
        metrics.app("we\"ird\\").instantiated();
        assert!(metrics.encode().contains(r#"nano_instantiations_total{app="we\"ird\\"} 1"#));
    }
}
