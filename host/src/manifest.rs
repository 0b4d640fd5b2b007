//! `nano.toml`: the operator's manifest of apps, their routes, limits,
//! variables and secrets.
//!
//! - Everything is checked at load, before anything is served, and every
//!   error points at its place in the file as `path:line:col: message`, the
//!   form editors and terminals jump to. Unknown keys are errors: a typo in
//!   a limit must not silently leave the default in force.
//! - Limits stay `Option`: the CLI owns the defaults and applies them.
//!   Sizes come out in bytes and times as `Duration`, so no caller converts
//!   units again.
//! - Secrets are resolved here (from the environment or a file beside the
//!   manifest) into [`Secret`], which never prints its value; no error
//!   message quotes one, only the variable or file it came from.

use crate::fetch::AllowEntry;
use crate::routes::{Route, RouteTable};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A manifest bigger than this is not one written by hand.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// A secret is a key or token, not a data file.
const MAX_SECRET_BYTES: u64 = 64 << 10;
/// The longest duration any `*_s` key takes, as on the command line: more is
/// a typo (and would overflow deadlines).
const MAX_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// The loaded manifest.
#[derive(Debug)]
pub struct Manifest {
    /// The file it was read from.
    pub path: PathBuf,
    pub listen: Option<SocketAddr>,
    /// The admin listener (`/healthz`, `/readyz`, `/metrics`).
    pub admin: Option<SocketAddr>,
    pub server: Server,
    pub apps: Vec<App>,
    /// Every app's routes; maps to indexes of `apps`.
    pub routes: RouteTable,
}

impl Manifest {
    /// The index in `apps` of the app called `name`.
    pub fn app_index(&self, name: &str) -> Option<usize> {
        self.apps.iter().position(|app| app.name == name)
    }
}

/// Pool-wide settings (`[server]`).
#[derive(Debug, Default)]
pub struct Server {
    /// Instance slots of the shared pool.
    pub max_instances: Option<u32>,
    pub max_connections: Option<usize>,
    pub max_connections_per_ip: Option<usize>,
    pub header_timeout: Option<Duration>,
    pub body_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    /// May be zero: a request that finds no free slot fails at once.
    pub queue_timeout: Option<Duration>,
}

/// One `[[app]]`.
#[derive(Debug)]
pub struct App {
    pub name: String,
    /// The source file, resolved against the manifest's folder.
    pub source: PathBuf,
    pub routes: Vec<Route>,
    /// Service-worker apps also get vars and secrets as globals.
    pub env_globals: bool,
    pub vars: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, Secret>,
    pub limits: Limits,
    pub outbound: Outbound,
    pub build: Build,
}

/// `[app.limits]`: `None` leaves the CLI's default.
#[derive(Debug, Default)]
pub struct Limits {
    pub memory_bytes: Option<usize>,
    /// CPU time per request.
    pub cpu: Option<Duration>,
    /// Wall-clock time per request.
    pub wall: Option<Duration>,
    pub max_concurrency: Option<usize>,
    /// Request body; 0 means no body is allowed.
    pub max_body_bytes: Option<u64>,
    /// Request head size.
    pub max_header_bytes: Option<usize>,
    /// Request header count.
    pub max_headers: Option<usize>,
    pub max_response_header_bytes: Option<usize>,
    /// Host memory outside linear memory (keys, compression state).
    pub host_memory_bytes: Option<usize>,
}

/// `[app.outbound]`.
#[derive(Debug, Default)]
pub struct Outbound {
    /// `None` when not given (the CLI's `--allow-host` applies); never empty.
    pub allow: Option<Vec<AllowEntry>>,
    pub max_fetches: Option<u32>,
    pub connect_timeout: Option<Duration>,
    pub first_byte_timeout: Option<Duration>,
    pub between_bytes_timeout: Option<Duration>,
}

/// `[app.build]`.
#[derive(Debug, Default)]
pub struct Build {
    pub allow_net: Option<bool>,
    pub timeout: Option<Duration>,
    /// URLs, made from paths (`app_build::warm_up_url`).
    pub warm_up: Option<Vec<String>>,
}

/// A secret's value. It has no `Display` and its `Debug` hides the value, so
/// it cannot reach a log or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for handing to the app.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What is wrong with a manifest, and where.
#[derive(Debug)]
pub struct ManifestError {
    pub path: PathBuf,
    /// 1-based line and column (in characters); `None` only when the file
    /// itself could not be read.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

/// Reads and checks the manifest at `path`, taking secrets' `env` from the
/// process environment.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let fail = |message: String| ManifestError { path: path.to_owned(), location: None, message };
    let file = File::open(path).map_err(|e| fail(format!("cannot open the manifest: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(fail("the manifest is bigger than 1 MiB".into()));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8: {e}")))?;
    parse(&text, path, &|name| std::env::var(name).ok())
}

/// Checks the manifest `text` read from `path` (relative paths in it are
/// relative to `path`'s folder); `env` looks up environment variables.
pub fn parse(text: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Manifest, ManifestError> {
    let cx = Cx { text, path, dir: path.parent().unwrap_or(Path::new("")) };
    let raw: RawManifest = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    let listen = raw.listen.as_ref().map(|a| cx.socket_addr("listen", a)).transpose()?;
    let admin = raw.admin.as_ref().map(|a| cx.socket_addr("admin", a)).transpose()?;
    let server = raw.server.map(|s| cx.server(s)).transpose()?.unwrap_or_default();
    if raw.app.is_empty() {
        return Err(cx.err(0..0, "no apps: add at least one [[app]] with a name, source and routes"));
    }
    let mut apps: Vec<App> = Vec::new();
    let mut name_spans: Vec<Range<usize>> = Vec::new();
    // Every route with its app and place, for the table and its conflicts.
    let mut routes: Vec<(Route, usize)> = Vec::new();
    let mut route_spans: Vec<Range<usize>> = Vec::new();
    for raw_app in raw.app {
        let name = &raw_app.name;
        if let Some(i) = apps.iter().position(|a| a.name == *name.get_ref()) {
            let line = cx.line(&name_spans[i]);
            return Err(cx.err(name.span(), format!("app \"{}\" is already defined (line {line})", name.get_ref())));
        }
        name_spans.push(name.span());
        let app = cx.app(raw_app, env)?;
        for (route, span) in app.routes.iter().zip(&app.route_spans) {
            routes.push((route.clone(), apps.len()));
            route_spans.push(span.clone());
        }
        apps.push(app.app);
    }
    let routes = RouteTable::new(routes).map_err(|c| {
        let line = cx.line(&route_spans[c.first]);
        let message = if c.first_app == c.second_app {
            format!("route \"{}\" is already listed for this app (line {line})", c.route)
        } else {
            format!("route \"{}\" is also app \"{}\"'s route (line {line})", c.route, apps[c.first_app].name)
        };
        cx.err(route_spans[c.second].clone(), message)
    })?;
    Ok(Manifest { path: path.to_owned(), listen, admin, server, apps, routes })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    listen: Option<Spanned<String>>,
    admin: Option<Spanned<String>>,
    server: Option<RawServer>,
    #[serde(default)]
    app: Vec<RawApp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    max_instances: Option<Spanned<i64>>,
    max_connections: Option<Spanned<i64>>,
    max_connections_per_ip: Option<Spanned<i64>>,
    header_timeout_s: Option<Spanned<Seconds>>,
    body_timeout_s: Option<Spanned<Seconds>>,
    write_timeout_s: Option<Spanned<Seconds>>,
    queue_timeout_s: Option<Spanned<Seconds>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: Spanned<String>,
    source: Spanned<String>,
    routes: Spanned<Vec<Spanned<String>>>,
    env_globals: Option<bool>,
    // Values stay untyped so a wrong type gets our message, and so a secret
    // written inline is never echoed by a type error.
    #[serde(default)]
    vars: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    secrets: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    limits: Option<RawLimits>,
    outbound: Option<RawOutbound>,
    build: Option<RawBuild>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    memory_mb: Option<Spanned<i64>>,
    cpu_ms: Option<Spanned<i64>>,
    wall_s: Option<Spanned<Seconds>>,
    max_concurrency: Option<Spanned<i64>>,
    max_body_kb: Option<Spanned<i64>>,
    max_header_kb: Option<Spanned<i64>>,
    max_headers: Option<Spanned<i64>>,
    max_response_header_kb: Option<Spanned<i64>>,
    host_memory_mb: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutbound {
    allow: Option<Spanned<Vec<Spanned<String>>>>,
    max_fetches: Option<Spanned<i64>>,
    connect_timeout_s: Option<Spanned<Seconds>>,
    first_byte_timeout_s: Option<Spanned<Seconds>>,
    between_bytes_timeout_s: Option<Spanned<Seconds>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    allow_net: Option<bool>,
    timeout_s: Option<Spanned<Seconds>>,
    warm_up: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A `*_s` value: an integer or a float, range-checked later.
struct Seconds(f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seconds, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                Ok(Seconds(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                Ok(Seconds(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seconds, E> {
                Ok(Seconds(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// An app as checked, with where each of its routes was written.
struct CheckedApp {
    app: App,
    route_spans: Vec<Range<usize>>,
}

impl std::ops::Deref for CheckedApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

/// The manifest being checked: turns spans into located errors.
struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
    dir: &'a Path,
}

impl Cx<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        self.location(span.start).0
    }

    /// 1-based line and column (in characters) of byte `offset`.
    fn location(&self, offset: usize) -> (usize, usize) {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
    }

    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ManifestError {
        let location = Some(self.location(span.start));
        ManifestError { path: self.path.to_owned(), location, message: message.into() }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ManifestError {
        // toml's message may run over lines; keep it to one.
        let message: Vec<&str> = e.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        self.err(e.span().unwrap_or(0..0), message.join("; "))
    }

    fn socket_addr(&self, key: &str, addr: &Spanned<String>) -> Result<SocketAddr, ManifestError> {
        let text = addr.get_ref();
        text.parse().map_err(|_| {
            self.err(
                addr.span(),
                format!("`{key}`: `{text}` is not an IP address and port (`127.0.0.1:8080`, `[::]:80`)"),
            )
        })
    }

    /// An integer key checked against `min..=max`.
    fn int(&self, key: &str, value: &Option<Spanned<i64>>, min: i64, max: i64) -> Result<Option<u64>, ManifestError> {
        let Some(value) = value else { return Ok(None) };
        let v = *value.get_ref();
        if !(min..=max).contains(&v) {
            return Err(self.err(value.span(), format!("`{key}` must be from {min} to {max}, not {v}")));
        }
        Ok(Some(v as u64))
    }

    /// A `*_s` key: more than 0 (or 0 too, when `zero_ok`) up to a week.
    fn secs(
        &self,
        key: &str,
        value: &Option<Spanned<Seconds>>,
        zero_ok: bool,
    ) -> Result<Option<Duration>, ManifestError> {
        let Some(value) = value else { return Ok(None) };
        let s = value.get_ref().0;
        // NaN and the infinities fail the range test too.
        if !(0.0..=MAX_SECONDS).contains(&s) || (s == 0.0 && !zero_ok) {
            let low = if zero_ok { "from 0" } else { "above 0" };
            let message = format!("`{key}` must be a number of seconds {low} and at most {MAX_SECONDS} (a week)");
            return Err(self.err(value.span(), message));
        }
        Ok(Some(Duration::from_secs_f64(s)))
    }

    fn warm_up(&self, list: Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, ManifestError> {
        let max = crate::app_build::MAX_WARM_UPS;
        if list.get_ref().len() > max {
            return Err(self.err(list.span(), format!("`warm_up`: at most {max} requests")));
        }
        let urls = list.get_ref().iter().map(|given| {
            crate::app_build::warm_up_url(given.get_ref())
                .map_err(|e| self.err(given.span(), format!("`warm_up`: {e}")))
        });
        urls.collect()
    }

    fn server(&self, s: RawServer) -> Result<Server, ManifestError> {
        const MAX: i64 = 10_000_000;
        Ok(Server {
            max_instances: self.int("max_instances", &s.max_instances, 1, 1_000_000)?.map(|v| v as u32),
            max_connections: self.int("max_connections", &s.max_connections, 1, MAX)?.map(|v| v as usize),
            max_connections_per_ip: self
                .int("max_connections_per_ip", &s.max_connections_per_ip, 1, MAX)?
                .map(|v| v as usize),
            header_timeout: self.secs("header_timeout_s", &s.header_timeout_s, false)?,
            body_timeout: self.secs("body_timeout_s", &s.body_timeout_s, false)?,
            write_timeout: self.secs("write_timeout_s", &s.write_timeout_s, false)?,
            queue_timeout: self.secs("queue_timeout_s", &s.queue_timeout_s, true)?,
        })
    }

    fn app(&self, raw: RawApp, env: &dyn Fn(&str) -> Option<String>) -> Result<CheckedApp, ManifestError> {
        let name = raw.name.get_ref();
        if !is_app_name(name) {
            let message =
                format!("app name \"{name}\": use 1-63 of a-z, 0-9, `_`, `-`, starting with a letter or digit");
            return Err(self.err(raw.name.span(), message));
        }
        let source = self.source(&raw.source)?;
        if raw.routes.get_ref().is_empty() {
            return Err(self.err(raw.routes.span(), format!("app \"{name}\" has no routes (`/` serves everything)")));
        }
        let mut routes = Vec::new();
        let mut route_spans = Vec::new();
        for route in raw.routes.get_ref() {
            routes.push(route.get_ref().parse::<Route>().map_err(|e| self.err(route.span(), e))?);
            route_spans.push(route.span());
        }
        let vars = self.vars(&raw.vars)?;
        let secrets = self.secrets(&raw.secrets, &vars, env)?;
        let limits = raw.limits.map(|l| self.limits(l)).transpose()?.unwrap_or_default();
        let outbound = raw.outbound.map(|o| self.outbound(o)).transpose()?.unwrap_or_default();
        let build = match raw.build {
            Some(b) => Build {
                allow_net: b.allow_net,
                timeout: self.secs("timeout_s", &b.timeout_s, false)?,
                warm_up: b.warm_up.map(|w| self.warm_up(w)).transpose()?,
            },
            None => Build::default(),
        };
        let env_globals = raw.env_globals.unwrap_or(false);
        let name = raw.name.into_inner();
        let app = App { name, source, routes, env_globals, vars, secrets, limits, outbound, build };
        Ok(CheckedApp { app, route_spans })
    }

    /// An app's source: a JS or TypeScript entry file, a built .wasm, or a
    /// folder / package.json naming its entry.
    fn source(&self, source: &Spanned<String>) -> Result<PathBuf, ManifestError> {
        let text = source.get_ref();
        let resolved = self.dir.join(text);
        let meta = std::fs::metadata(&resolved)
            .map_err(|e| self.err(source.span(), format!("source `{}`: {e}", resolved.display())))?;
        let ext = resolved.extension().and_then(|e| e.to_str()).unwrap_or_default();
        let is_package = resolved.file_name().is_some_and(|n| n == "package.json");
        if meta.is_dir() || is_package {
            return Ok(resolved);
        }
        if !SOURCE_EXTENSIONS.contains(&ext) {
            let expected = SOURCE_EXTENSIONS.join(", .");
            return Err(self.err(
                source.span(),
                format!("source `{text}`: expected a .{expected} file, a folder or a package.json"),
            ));
        }
        if !meta.is_file() {
            return Err(self.err(source.span(), format!("source `{}` is not a file", resolved.display())));
        }
        Ok(resolved)
    }

    fn vars(
        &self,
        raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    ) -> Result<BTreeMap<String, String>, ManifestError> {
        let mut vars = BTreeMap::new();
        for (key, value) in raw {
            self.env_name("var", key)?;
            let name = key.get_ref();
            let text = match value.get_ref() {
                toml::Value::String(s) => s.clone(),
                v @ (toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_)) => {
                    let message = format!("var `{name}` must be a string: quote it (`{name} = \"{v}\"`)");
                    return Err(self.err(value.span(), message));
                }
                v => {
                    let message = format!("var `{name}` must be a string, not {}", v.type_str());
                    return Err(self.err(value.span(), message));
                }
            };
            vars.insert(name.clone(), text);
        }
        Ok(vars)
    }

    /// Var and secret names may become JS globals (`env_globals`), so they
    /// must be identifiers.
    fn env_name(&self, what: &str, key: &Spanned<String>) -> Result<(), ManifestError> {
        let name = key.get_ref();
        let ok = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            let message = format!("{what} name `{name}`: use letters, digits and `_`, not starting with a digit");
            return Err(self.err(key.span(), message));
        }
        Ok(())
    }

    fn secrets(
        &self,
        raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
        vars: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<BTreeMap<String, Secret>, ManifestError> {
        let mut secrets = BTreeMap::new();
        for (key, value) in raw {
            self.env_name("secret", key)?;
            let name = key.get_ref();
            if vars.contains_key(name) {
                return Err(self.err(key.span(), format!("`{name}` is both a var and a secret")));
            }
            let at = |message: String| self.err(value.span(), format!("secret `{name}`: {message}"));
            // Never quote the value: it may be the secret itself, written
            // inline by mistake.
            let shape = || at("expected { env = \"VARIABLE\" } or { file = \"path\" }".into());
            let toml::Value::Table(table) = value.get_ref() else { return Err(shape()) };
            let text = match (table.len(), table.get("env"), table.get("file")) {
                (1, Some(toml::Value::String(var)), None) => match env(var) {
                    Some(text) => text,
                    None => return Err(at(format!("environment variable {var} is not set (or not UTF-8)"))),
                },
                (1, None, Some(toml::Value::String(file))) => {
                    read_secret(&self.dir.join(file)).map_err(|e| at(format!("file `{file}`: {e}")))?
                }
                _ => return Err(shape()),
            };
            if text.is_empty() {
                return Err(at("the value is empty".into()));
            }
            secrets.insert(name.clone(), Secret(text));
        }
        Ok(secrets)
    }

    fn limits(&self, l: RawLimits) -> Result<Limits, ManifestError> {
        const KIB: u64 = 1 << 10;
        const MIB: u64 = 1 << 20;
        let bytes = |v: Option<u64>, unit: u64| v.map(|v| (v * unit) as usize);
        Ok(Limits {
            memory_bytes: bytes(self.int("memory_mb", &l.memory_mb, 1, 4096)?, MIB),
            cpu: self.int("cpu_ms", &l.cpu_ms, 1, 3_600_000)?.map(Duration::from_millis),
            wall: self.secs("wall_s", &l.wall_s, false)?,
            max_concurrency: self.int("max_concurrency", &l.max_concurrency, 1, 1_000_000)?.map(|v| v as usize),
            // Up to 4 GiB.
            max_body_bytes: self.int("max_body_kb", &l.max_body_kb, 0, 4 << 20)?.map(|v| v * KIB),
            max_header_bytes: bytes(self.int("max_header_kb", &l.max_header_kb, 1, 1024)?, KIB),
            max_headers: self.int("max_headers", &l.max_headers, 1, 10_000)?.map(|v| v as usize),
            max_response_header_bytes: bytes(
                self.int("max_response_header_kb", &l.max_response_header_kb, 1, 1024)?,
                KIB,
            ),
            host_memory_bytes: bytes(self.int("host_memory_mb", &l.host_memory_mb, 1, 4096)?, MIB),
        })
    }

    fn outbound(&self, o: RawOutbound) -> Result<Outbound, ManifestError> {
        let allow = match &o.allow {
            None => None,
            // An empty list would read as "nothing" but the policy takes it
            // as "any public host": refuse the ambiguity.
            Some(list) if list.get_ref().is_empty() => {
                let message = "`allow` is empty: list hosts, or leave `allow` out to use --allow-host";
                return Err(self.err(list.span(), message));
            }
            Some(list) => Some(
                list.get_ref()
                    .iter()
                    .map(|e| e.get_ref().parse::<AllowEntry>().map_err(|m| self.err(e.span(), m)))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Outbound {
            allow,
            max_fetches: self.int("max_fetches", &o.max_fetches, 1, 1_000_000)?.map(|v| v as u32),
            connect_timeout: self.secs("connect_timeout_s", &o.connect_timeout_s, false)?,
            first_byte_timeout: self.secs("first_byte_timeout_s", &o.first_byte_timeout_s, false)?,
            between_bytes_timeout: self.secs("between_bytes_timeout_s", &o.between_bytes_timeout_s, false)?,
        })
    }
}

/// A secret file's value: at most 64 KiB of UTF-8, less one trailing
/// newline. Errors name the problem, never the content.
fn read_secret(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    if !file.metadata().map_err(|e| format!("cannot read: {e}"))?.is_file() {
        return Err("not a file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_SECRET_BYTES {
        return Err("bigger than 64 KiB".into());
    }
    let mut text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// What an app's `source` file may be: an entry module, or a built component.
const SOURCE_EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "wasm"];

/// An app's name: 1-63 of a-z, 0-9, `_`, `-`, starting with a letter or a
/// digit (it is a metrics label and a log field).
pub fn is_app_name(name: &str) -> bool {
    name.len() <= 63
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::HostPattern;

    /// A fresh folder for one test, holding `apps/shop.js` and `apps/blog.wasm`.
    fn dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join("nano-manifest-tests").join(format!("{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("apps")).unwrap();
        std::fs::write(dir.join("apps/shop.js"), "export default {}").unwrap();
        std::fs::write(dir.join("apps/blog.wasm"), "\0asm").unwrap();
        dir
    }

    fn env(name: &str) -> Option<String> {
        (name == "SHOP_API_KEY").then(|| "sk-env".to_owned())
    }

    /// The error of `text` in a fresh folder, as printed, without the path.
    fn error(test: &str, text: &str) -> String {
        let dir = dir(test);
        let err = parse(text, &dir.join("nano.toml"), &env).unwrap_err().to_string();
        let prefix = format!("{}:", dir.join("nano.toml").display());
        err.strip_prefix(&prefix).unwrap_or_else(|| panic!("{err}")).to_owned()
    }

    const SHOP: &str = "[[app]]\nname = \"shop\"\nsource = \"apps/shop.js\"\nroutes = [\"/\"]\n";

    #[test]
    fn full_example() {
        let dir = dir("full");
        std::fs::create_dir_all(dir.join("secrets")).unwrap();
        std::fs::write(dir.join("secrets/db"), "hunter2\r\n").unwrap();
        let text = r#"
listen = "127.0.0.1:8080"
admin = "127.0.0.1:9090"

[server]
max_instances = 1000
max_connections = 10000
max_connections_per_ip = 1000
header_timeout_s = 10
body_timeout_s = 2.5
write_timeout_s = 30
queue_timeout_s = 0

[[app]]
name = "shop"
source = "apps/shop.js"
routes = ["shop.example.com", "example.com/shop", "*.shop.example.com"]
env_globals = true
[app.vars]
GREETING = "hello"
[app.secrets]
API_KEY = { env = "SHOP_API_KEY" }
DB = { file = "secrets/db" }
[app.limits]
memory_mb = 64
cpu_ms = 50
wall_s = 30
max_concurrency = 10
max_body_kb = 0
max_header_kb = 32
max_headers = 100
max_response_header_kb = 64
host_memory_mb = 16
[app.outbound]
allow = ["api.example.com", "127.0.0.1:9000"]
max_fetches = 6
connect_timeout_s = 10
first_byte_timeout_s = 60
between_bytes_timeout_s = 0.5
[app.build]
allow_net = true
timeout_s = 60
warm_up = ["/", "https://shop.example.com/cart"]

[[app]]
name = "blog"
source = "apps/blog.wasm"
routes = ["/"]
"#;
        let m = parse(text, &dir.join("nano.toml"), &env).unwrap();
        assert_eq!(m.listen, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(m.admin, Some("127.0.0.1:9090".parse().unwrap()));
        let s = &m.server;
        assert_eq!(
            (s.max_instances, s.max_connections, s.max_connections_per_ip),
            (Some(1000), Some(10000), Some(1000))
        );
        assert_eq!(s.header_timeout, Some(Duration::from_secs(10)));
        assert_eq!(s.body_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(s.queue_timeout, Some(Duration::ZERO));
        assert_eq!(m.apps.len(), 2);
        let shop = &m.apps[0];
        assert_eq!(shop.name, "shop");
        assert_eq!(shop.source, dir.join("apps/shop.js"));
        assert_eq!(shop.routes.len(), 3);
        assert_eq!(shop.routes[2].host, HostPattern::Wildcard("shop.example.com".into()));
        assert!(shop.env_globals);
        assert_eq!(shop.vars.get("GREETING").map(String::as_str), Some("hello"));
        assert_eq!(shop.secrets["API_KEY"].expose(), "sk-env");
        assert_eq!(shop.secrets["DB"].expose(), "hunter2");
        let debug = format!("{m:?}");
        assert!(debug.contains("Secret(***)") && !debug.contains("hunter2") && !debug.contains("sk-env"), "{debug}");
        let l = &shop.limits;
        assert_eq!(l.memory_bytes, Some(64 << 20));
        assert_eq!(l.cpu, Some(Duration::from_millis(50)));
        assert_eq!(l.wall, Some(Duration::from_secs(30)));
        assert_eq!(l.max_concurrency, Some(10));
        assert_eq!(l.max_body_bytes, Some(0));
        assert_eq!(l.max_header_bytes, Some(32 << 10));
        assert_eq!(l.max_headers, Some(100));
        assert_eq!(l.max_response_header_bytes, Some(64 << 10));
        assert_eq!(l.host_memory_bytes, Some(16 << 20));
        let o = &shop.outbound;
        let allow = o.allow.as_ref().unwrap();
        assert_eq!(allow[0], "api.example.com".parse().unwrap());
        assert_eq!(allow[1], "127.0.0.1:9000".parse().unwrap());
        assert_eq!(o.max_fetches, Some(6));
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(o.between_bytes_timeout, Some(Duration::from_millis(500)));
        assert_eq!((shop.build.allow_net, shop.build.timeout), (Some(true), Some(Duration::from_secs(60))));
        let warm_up = shop.build.warm_up.as_deref().unwrap();
        assert_eq!(warm_up, ["http://localhost/", "https://shop.example.com/cart"]);
        let blog = &m.apps[1];
        assert_eq!(blog.source, dir.join("apps/blog.wasm"));
        assert!(blog.vars.is_empty() && blog.secrets.is_empty() && !blog.env_globals);
        assert!(blog.limits.memory_bytes.is_none() && blog.outbound.allow.is_none());
        assert_eq!(m.app_index("blog"), Some(1));
        assert_eq!(m.app_index("nope"), None);
        assert_eq!(m.routes.lookup(Some("a.shop.example.com"), "/"), Some(0));
        assert_eq!(m.routes.lookup(Some("example.com:8080"), "/shop/cart"), Some(0));
        assert_eq!(m.routes.lookup(Some("example.com"), "/shopping"), Some(1));
    }

    #[test]
    fn load_reads_the_file() {
        let dir = dir("load");
        std::fs::write(dir.join("nano.toml"), SHOP).unwrap();
        let m = load(&dir.join("nano.toml")).unwrap();
        assert_eq!(m.apps[0].name, "shop");
        let err = load(&dir.join("missing.toml")).unwrap_err().to_string();
        assert!(err.contains("missing.toml: cannot open the manifest"), "{err}");
        std::fs::write(dir.join("big.toml"), "#".repeat((1 << 20) + 1)).unwrap();
        let err = load(&dir.join("big.toml")).unwrap_err().to_string();
        assert!(err.ends_with("bigger than 1 MiB"), "{err}");
    }

    #[test]
    fn toml_errors_are_located() {
        assert_eq!(error("syntax", "listen = \"a\"\nx = [1,\n"), "2:8: unclosed array, expected `]`");
        let text = format!("{SHOP}[app.limits]\nmemory_mb = 64\nmemry_mb = 1\n");
        let err = error("unknown", &text);
        assert!(err.starts_with("7:1: unknown field `memry_mb`, expected one of `memory_mb`"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let err = error("type", &format!("{SHOP}[app.limits]\nmemory_mb = \"64\"\n"));
        assert!(err.starts_with("6:13: invalid type: string \"64\", expected i64"), "{err}");
        let err = error("seconds", &format!("{SHOP}[app.limits]\nwall_s = true\n"));
        assert!(err.starts_with("6:10: invalid type: boolean `true`, expected a number of seconds"), "{err}");
        let err = error("missing-field", "listen = \"127.0.0.1:1\"\n[[app]]\nname = \"shop\"\nroutes = [\"/\"]\n");
        assert_eq!(err, "2:1: missing field `source`");
        assert_eq!(
            error("no-apps", "listen = \"127.0.0.1:1\"\n"),
            "1:1: no apps: add at least one [[app]] with a name, source and routes"
        );
    }

    #[test]
    fn warm_up_entries_are_checked() {
        let err = error("warm-up", &format!("{SHOP}[app.build]\nwarm_up = [\"/\", \"api/users\"]\n"));
        assert_eq!(err, "6:17: `warm_up`: `api/users` is neither a path (`/api/users/1`) nor an http(s) URL");
        let many = vec!["\"/\""; crate::app_build::MAX_WARM_UPS + 1].join(", ");
        let err = error("warm-ups", &format!("{SHOP}[app.build]\nwarm_up = [{many}]\n"));
        assert!(err.starts_with("6:11: `warm_up`: at most 64 requests"), "{err}");
    }

    #[test]
    fn bad_listen() {
        let err = error("listen", &format!("admin = \"localhost\"\n{SHOP}"));
        assert_eq!(err, "1:9: `admin`: `localhost` is not an IP address and port (`127.0.0.1:8080`, `[::]:80`)");
    }

    #[test]
    fn app_names() {
        let text = format!("{SHOP}\n{}", SHOP.replace("\"/\"", "\"/x\""));
        assert_eq!(error("dup-name", &text), "7:8: app \"shop\" is already defined (line 2)");
        let err = error("bad-name", &SHOP.replace("\"shop\"", "\"Shop\""));
        assert!(err.starts_with("2:8: app name \"Shop\": use 1-63 of"), "{err}");
        assert!(error("dash-name", &SHOP.replace("\"shop\"", "\"-x\"")).starts_with("2:8: app name"));
        assert!(error("long-name", &SHOP.replace("\"shop\"", &format!("\"{}\"", "a".repeat(64)))).starts_with("2:8:"));
    }

    #[test]
    fn routes_are_checked() {
        let text =
            format!("{SHOP}\n[[app]]\nname = \"blog\"\nsource = \"apps/blog.wasm\"\nroutes = [\"/blog\", \"/\"]\n");
        assert_eq!(error("dup-route", &text), "9:20: route \"/\" is also app \"shop\"'s route (line 4)");
        let text = SHOP.replace("[\"/\"]", "[\"example.com/a\",\n  \"EXAMPLE.com/a/\"]");
        assert_eq!(
            error("same-app-route", &text),
            "5:3: route \"example.com/a\" is already listed for this app (line 4)"
        );
        let err = error("url-route", &SHOP.replace("\"/\"", "\"https://example.com\""));
        assert_eq!(err, "4:11: `https://example.com`: give a host and/or path, not a URL");
        assert_eq!(
            error("no-routes", &SHOP.replace("[\"/\"]", "[]")),
            "4:10: app \"shop\" has no routes (`/` serves everything)"
        );
    }

    #[test]
    fn sources_are_checked() {
        let err = error("missing-source", &SHOP.replace("shop.js", "gone.js"));
        assert!(err.starts_with("3:10: source `") && err.contains("gone.js`: "), "{err}");
        let ext_dir = dir("ext-source");
        std::fs::write(ext_dir.join("apps/shop.py"), "").unwrap();
        let err = parse(&SHOP.replace("shop.js", "shop.py"), &ext_dir.join("nano.toml"), &env).unwrap_err();
        assert!(err.message.starts_with("source `apps/shop.py`: expected a .js, .mjs, .cjs, .ts,"), "{err}");
        let dir = dir("folder-source");
        std::fs::create_dir_all(dir.join("apps/x")).unwrap();
        let manifest = parse(&SHOP.replace("shop.js", "x"), &dir.join("nano.toml"), &env).unwrap();
        assert!(manifest.apps[0].source.ends_with("apps/x"));
    }

    #[test]
    fn vars_are_strings() {
        let err = error("var-number", &format!("{SHOP}[app.vars]\nPORT = 8080\n"));
        assert_eq!(err, "6:8: var `PORT` must be a string: quote it (`PORT = \"8080\"`)");
        let err = error("var-table", &format!("{SHOP}[app.vars]\nX = {{ a = \"b\" }}\n"));
        assert_eq!(err, "6:5: var `X` must be a string, not table");
        let err = error("var-name", &format!("{SHOP}[app.vars]\n\"1X\" = \"b\"\n"));
        assert!(err.starts_with("6:1: var name `1X`"), "{err}");
    }

    #[test]
    fn secrets_are_resolved_without_leaking() {
        let err = error("secret-env", &format!("{SHOP}[app.secrets]\nKEY = {{ env = \"NOPE\" }}\n"));
        assert_eq!(err, "6:7: secret `KEY`: environment variable NOPE is not set (or not UTF-8)");
        let err = error("secret-inline", &format!("{SHOP}[app.secrets]\nKEY = \"sk-live-123\"\n"));
        assert_eq!(err, "6:7: secret `KEY`: expected { env = \"VARIABLE\" } or { file = \"path\" }");
        let err = error("secret-both", &format!("{SHOP}[app.secrets]\nKEY = {{ env = \"A\", file = \"b\" }}\n"));
        assert!(err.ends_with("expected { env = \"VARIABLE\" } or { file = \"path\" }"), "{err}");
        let err = error("secret-missing", &format!("{SHOP}[app.secrets]\nKEY = {{ file = \"nope\" }}\n"));
        assert!(err.starts_with("6:7: secret `KEY`: file `nope`: cannot open: "), "{err}");
        let err = error(
            "secret-var",
            &format!("{SHOP}[app.vars]\nKEY = \"x\"\n[app.secrets]\nKEY = {{ env = \"SHOP_API_KEY\" }}\n"),
        );
        assert_eq!(err, "8:1: `KEY` is both a var and a secret");

        let dir = dir("secret-files");
        let manifest = dir.join("nano.toml");
        let secret = |content: &[u8]| {
            std::fs::write(dir.join("s"), content).unwrap();
            parse(&format!("{SHOP}[app.secrets]\nKEY = {{ file = \"s\" }}\n"), &manifest, &env)
                .map(|m| m.apps[0].secrets["KEY"].expose().to_owned())
                .map_err(|e| e.to_string())
        };
        assert_eq!(secret(b"abc\n").unwrap(), "abc");
        assert_eq!(secret(b"abc\n\n").unwrap(), "abc\n");
        assert_eq!(secret(b"abc").unwrap(), "abc");
        let big = vec![b'x'; 64 << 10];
        assert_eq!(secret(&big).unwrap().len(), 64 << 10);
        let bigger = vec![b'y'; (64 << 10) + 1];
        let err = secret(&bigger).unwrap_err();
        assert!(err.ends_with("6:7: secret `KEY`: file `s`: bigger than 64 KiB") && !err.contains("yyy"), "{err}");
        assert!(secret(b"\xffsecret").unwrap_err().ends_with("file `s`: not UTF-8"));
        assert!(secret(b"\n").unwrap_err().ends_with("secret `KEY`: the value is empty"));
    }

    #[test]
    fn outbound_is_checked() {
        let text = format!("{SHOP}[app.outbound]\nallow = [\"api.example.com\",\n  \"https://x.com\"]\n");
        let err = error("bad-allow", &text);
        assert!(err.starts_with("7:3: `https://x.com`: give a host"), "{err}");
        let err = error("empty-allow", &format!("{SHOP}[app.outbound]\nallow = []\n"));
        assert!(err.starts_with("6:9: `allow` is empty"), "{err}");
        let err = error("fetches", &format!("{SHOP}[app.outbound]\nmax_fetches = 0\n"));
        assert_eq!(err, "6:15: `max_fetches` must be from 1 to 1000000, not 0");
    }

    #[test]
    fn numbers_are_range_checked() {
        let limit = |test: &str, line: &str| error(test, &format!("{SHOP}[app.limits]\n{line}\n"));
        assert_eq!(limit("mem-neg", "memory_mb = -1"), "6:13: `memory_mb` must be from 1 to 4096, not -1");
        assert_eq!(limit("mem-big", "memory_mb = 4097"), "6:13: `memory_mb` must be from 1 to 4096, not 4097");
        assert_eq!(limit("cpu-zero", "cpu_ms = 0"), "6:10: `cpu_ms` must be from 1 to 3600000, not 0");
        assert_eq!(
            limit("conc-zero", "max_concurrency = 0"),
            "6:19: `max_concurrency` must be from 1 to 1000000, not 0"
        );
        assert_eq!(limit("body-neg", "max_body_kb = -5"), "6:15: `max_body_kb` must be from 0 to 4194304, not -5");
        assert_eq!(
            limit("headers-big", "max_headers = 10001"),
            "6:15: `max_headers` must be from 1 to 10000, not 10001"
        );
        let wall = "`wall_s` must be a number of seconds above 0 and at most 604800 (a week)";
        assert_eq!(limit("wall-zero", "wall_s = 0"), format!("6:10: {wall}"));
        assert_eq!(limit("wall-neg", "wall_s = -0.5"), format!("6:10: {wall}"));
        assert_eq!(limit("wall-big", "wall_s = 604801"), format!("6:10: {wall}"));
        assert_eq!(limit("wall-nan", "wall_s = nan"), format!("6:10: {wall}"));
        let server = |test: &str, line: &str| error(test, &format!("[server]\n{line}\n{SHOP}"));
        assert_eq!(server("inst-zero", "max_instances = 0"), "2:17: `max_instances` must be from 1 to 1000000, not 0");
        let err = server("header-zero", "header_timeout_s = 0");
        assert!(err.starts_with("2:20: `header_timeout_s` must be a number of seconds above 0"), "{err}");
        let err = server("queue-neg", "queue_timeout_s = -1");
        assert!(err.starts_with("2:19: `queue_timeout_s` must be a number of seconds from 0"), "{err}");
    }

    #[test]
    fn columns_count_characters() {
        // A multi-byte character before the error moves it one column.
        let err = error("utf8-col", &format!("{SHOP}[app.vars]\nX = \"é\"\nY = 1\n"));
        assert!(err.starts_with("7:5:"), "{err}");
        let err = error("utf8-col2", &format!("{SHOP}[app.vars]\n\"é\" = 1\n"));
        assert!(err.starts_with("6:1: var name"), "{err}");
    }
}
