//! The deployment recipe (`deploy/`) is consistent with itself and with nano:
//! every Kubernetes object parses and is named; the Deployment runs the
//! manifest its ConfigMap mounts, probes the admin port that manifest names,
//! hands each app the secrets it asks for, and runs non-root on a read-only
//! root with a cache nano will accept; the Service, HPA and PDB point at it;
//! the Dockerfile is multi-stage, non-root, declares the cache volume and
//! builds with the toolchain and packages the repository pins. Static checks
//! only: no cluster, no Docker.

use crate::common::repo_root;
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where the container reads its manifest (`nano-host run <this>`).
const MANIFEST_PATH: &str = "/etc/nano/nano.toml";
/// The request wall-time limit when the manifest sets none (`--timeout`'s
/// default): SIGTERM drains in-flight requests for at most this long.
const WALL_LIMIT_SECS: i64 = 30;

struct Doc {
    file: String,
    value: Value,
}

/// Every document of every `deploy/k8s/*.yaml`, in file name order.
fn docs() -> Vec<Doc> {
    let dir = repo_root().join("deploy/k8s");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no YAML files in {}", dir.display());
    let mut docs = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for de in serde_yaml::Deserializer::from_str(&text) {
            let value = Value::deserialize(de).unwrap_or_else(|e| panic!("{file}: {e}"));
            if !value.is_null() {
                docs.push(Doc { file: file.clone(), value });
            }
        }
    }
    docs
}

/// The one object of `kind`.
fn one<'a>(docs: &'a [Doc], kind: &str) -> &'a Value {
    let found: Vec<&Doc> = docs.iter().filter(|d| d.value["kind"].as_str() == Some(kind)).collect();
    assert_eq!(found.len(), 1, "expected exactly one {kind} in deploy/k8s, found {}", found.len());
    &found[0].value
}

fn text<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{what}: expected a string, found {v:?}"))
}

fn name(v: &Value) -> &str {
    text(&v["metadata"]["name"], "metadata.name")
}

fn seq<'a>(v: &'a Value, what: &str) -> &'a [Value] {
    match v {
        Value::Sequence(items) => items,
        Value::Null => &[],
        other => panic!("{what}: expected a list, found {other:?}"),
    }
}

/// A label map as strings.
fn labels(v: &Value, what: &str) -> BTreeMap<String, String> {
    let map = v.as_mapping().unwrap_or_else(|| panic!("{what}: expected a map, found {v:?}"));
    map.iter().map(|(k, v)| (text(k, what).to_string(), text(v, what).to_string())).collect()
}

fn assert_selects(selector: &BTreeMap<String, String>, pod: &BTreeMap<String, String>, who: &str) {
    assert!(!selector.is_empty(), "{who}: empty selector");
    for (k, v) in selector {
        assert_eq!(pod.get(k), Some(v), "{who} selects {k}={v}, which the Deployment's pods do not carry ({pod:?})");
    }
}

/// The port number of "host:port" / "[v6]:port".
fn addr_port(addr: &str) -> u16 {
    let port = addr.rsplit_once(':').unwrap_or_else(|| panic!("{addr:?}: no port")).1;
    port.parse().unwrap_or_else(|e| panic!("{addr:?}: port: {e}"))
}

/// A probe's or Service's port (a number, or the name of a container port).
fn container_port(container: &Value, port: &Value) -> u16 {
    if let Some(n) = port.as_u64() {
        return n as u16;
    }
    let port_name = text(port, "port");
    seq(&container["ports"], "ports")
        .iter()
        .find(|p| p["name"].as_str() == Some(port_name))
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("no container port named {port_name:?}")) as u16
}

/// The nano container of the Deployment (the one that runs `nano-host`).
fn nano_container(deployment: &Value) -> &Value {
    let containers = seq(&deployment["spec"]["template"]["spec"]["containers"], "containers");
    containers
        .iter()
        .find(|c| argv(c).iter().any(|a| a == MANIFEST_PATH))
        .unwrap_or_else(|| panic!("no container of the Deployment runs {MANIFEST_PATH}"))
}

/// command + args of a container.
fn argv(container: &Value) -> Vec<String> {
    let mut argv = Vec::new();
    for part in ["command", "args"] {
        for a in seq(&container[part], part) {
            argv.push(text(a, part).to_string());
        }
    }
    argv
}

/// The ConfigMap key (or Secret key) that appears at `path` inside the
/// container, with the volume it comes from: `path` must lie under one of the
/// container's mounts of a `kind` ("configMap" or "secret") volume.
fn mounted_key(deployment: &Value, container: &Value, path: &str, kind: &str) -> Option<(String, String)> {
    let volumes = seq(&deployment["spec"]["template"]["spec"]["volumes"], "volumes");
    for mount in seq(&container["volumeMounts"], "volumeMounts") {
        let mount_path = text(&mount["mountPath"], "mountPath").trim_end_matches('/');
        let Some(rel) = path.strip_prefix(mount_path).and_then(|r| r.strip_prefix('/')) else { continue };
        if mount["subPath"].as_str().is_some() {
            continue; // a single file; not used here
        }
        let volume = volumes
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("volumeMount {:?} has no volume", mount["name"]));
        let source = &volume[kind];
        if source.is_null() {
            continue;
        }
        let source_name = if kind == "secret" { &source["secretName"] } else { &source["name"] };
        let source_name = text(source_name, "volume source name").to_string();
        let items = seq(&source["items"], "items");
        let key = if items.is_empty() {
            // Without items every key is a file of the volume's top folder.
            (!rel.contains('/')).then(|| rel.to_string())
        } else {
            items.iter().find(|i| i["path"].as_str() == Some(rel)).map(|i| text(&i["key"], "items.key").to_string())
        };
        return key.map(|k| (source_name, k));
    }
    None
}

/// The keys of a ConfigMap's or Secret's `data` and `stringData`.
fn keys(object: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for part in ["data", "stringData", "binaryData"] {
        if let Some(map) = object[part].as_mapping() {
            keys.extend(map.keys().map(|k| text(k, part).to_string()));
        }
    }
    keys
}

/// The manifest (`nano.toml`) inside the ConfigMap the container mounts at
/// MANIFEST_PATH, parsed.
fn manifest(docs: &[Doc]) -> (toml::Table, &Value) {
    let deployment = one(docs, "Deployment");
    let container = nano_container(deployment);
    let (cm_name, key) = mounted_key(deployment, container, MANIFEST_PATH, "configMap")
        .unwrap_or_else(|| panic!("{MANIFEST_PATH} is not mounted from a ConfigMap key"));
    let config_map = docs
        .iter()
        .map(|d| &d.value)
        .find(|v| v["kind"] == "ConfigMap" && name(v) == cm_name)
        .unwrap_or_else(|| panic!("the Deployment mounts ConfigMap {cm_name:?}, which deploy/k8s does not define"));
    let toml_text = text(&config_map["data"][key.as_str()], "the manifest's ConfigMap key");
    let table: toml::Table = toml_text.parse().unwrap_or_else(|e| panic!("{cm_name}/{key} is not valid TOML: {e}"));
    (table, config_map)
}

#[test]
fn k8s_objects_are_named_and_listed() {
    let docs = docs();
    for doc in &docs {
        let v = &doc.value;
        let kind = text(&v["kind"], &format!("{}: kind", doc.file));
        text(&v["apiVersion"], &format!("{}: apiVersion", doc.file));
        if kind == "Kustomization" {
            continue;
        }
        let n = text(&v["metadata"]["name"], &format!("{}: metadata.name", doc.file));
        assert!(!n.is_empty(), "{}: empty metadata.name", doc.file);
    }
    for kind in ["ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler"] {
        one(&docs, kind);
    }
    // A kustomization, if there is one, lists every other file (and only files that exist).
    if let Some(k) = docs.iter().find(|d| d.value["kind"] == "Kustomization") {
        let listed: BTreeSet<&str> =
            seq(&k.value["resources"], "resources").iter().map(|r| text(r, "resources")).collect();
        let files: BTreeSet<&str> = docs.iter().filter(|d| d.file != k.file).map(|d| d.file.as_str()).collect();
        assert_eq!(listed, files, "{} must list exactly the other files of deploy/k8s", k.file);
    }
}

#[test]
fn deployment_runs_the_mounted_manifest() {
    let docs = docs();
    let deployment = one(&docs, "Deployment");
    let container = nano_container(deployment);
    let argv = argv(container);
    let run = argv.iter().position(|a| a == "run").expect("the container runs `nano-host run …`");
    assert_eq!(argv.get(run + 1).map(String::as_str), Some(MANIFEST_PATH), "argv: {argv:?}");
    assert!(argv.windows(2).any(|w| w == ["--log-format", "json"]), "json logs expected: {argv:?}");

    let (manifest, config_map) = manifest(&docs);
    let data_keys = keys(config_map);
    let manifest_dir = Path::new(MANIFEST_PATH).parent().unwrap();
    let apps = manifest["app"].as_array().expect("the manifest has [[app]] entries");
    assert!(!apps.is_empty(), "the manifest has no [[app]]");
    for app in apps {
        let app_name = app["name"].as_str().expect("app.name");
        let source = app["source"].as_str().unwrap_or_else(|| panic!("app {app_name}: no source"));
        let path = manifest_dir.join(source);
        let path = path.to_str().unwrap();
        let (cm, key) = mounted_key(deployment, container, path, "configMap")
            .unwrap_or_else(|| panic!("app {app_name}: {path} is not a mounted ConfigMap key (add an items entry?)"));
        assert_eq!(cm, name(config_map), "app {app_name}: source from another ConfigMap");
        assert!(data_keys.contains(&key), "app {app_name}: ConfigMap key {key:?} missing (keys: {data_keys:?})");
        let routes = app.get("routes").and_then(|r| r.as_array()).map_or(0, |r| r.len());
        assert!(routes > 0, "app {app_name}: no routes");
    }
}

#[test]
fn probes_and_ports_match_the_manifest() {
    let docs = docs();
    let deployment = one(&docs, "Deployment");
    let container = nano_container(deployment);
    let (manifest, _) = manifest(&docs);
    let admin = addr_port(manifest["admin"].as_str().expect("the manifest's `admin` address"));
    let listen = addr_port(manifest["listen"].as_str().expect("the manifest's `listen` address"));

    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{probe}");
        assert_eq!(container_port(container, &get["port"]), admin, "{probe} must hit the admin port");
    }
    if !container["startupProbe"].is_null() {
        assert_eq!(container_port(container, &container["startupProbe"]["httpGet"]["port"]), admin, "startupProbe");
    }
    let declared: BTreeSet<u16> = seq(&container["ports"], "ports")
        .iter()
        .map(|p| p["containerPort"].as_u64().expect("containerPort") as u16)
        .collect();
    assert!(declared.contains(&listen) && declared.contains(&admin), "container ports {declared:?}");

    // The Service carries client traffic to `listen`, and not the admin port.
    let service = one(&docs, "Service");
    let ports = seq(&service["spec"]["ports"], "Service ports");
    assert!(!ports.is_empty());
    for p in ports {
        let target = if p["targetPort"].is_null() { &p["port"] } else { &p["targetPort"] };
        let target = container_port(container, target);
        assert_ne!(target, admin, "the Service must not expose the admin port");
        assert_eq!(target, listen, "Service port {:?} must reach `listen`", p["name"]);
    }
    assert!(seq(&service["spec"]["ports"], "").iter().any(|p| p["port"].as_u64() == Some(80)), "Service port 80");
}

#[test]
fn secrets_reach_the_apps_that_name_them() {
    let docs = docs();
    let deployment = one(&docs, "Deployment");
    let container = nano_container(deployment);
    let (manifest, _) = manifest(&docs);
    let secrets: BTreeMap<&str, BTreeSet<String>> =
        docs.iter().filter(|d| d.value["kind"] == "Secret").map(|d| (name(&d.value), keys(&d.value))).collect();
    let env = seq(&container["env"], "env");
    let secret_ref = |var: &str| {
        let entry = env.iter().find(|e| e["name"].as_str() == Some(var))?;
        let r = &entry["valueFrom"]["secretKeyRef"];
        Some((text(&r["name"], "secretKeyRef.name").to_string(), text(&r["key"], "secretKeyRef.key").to_string()))
    };

    let mut named = 0;
    for app in manifest["app"].as_array().expect("[[app]]") {
        let app_name = app["name"].as_str().unwrap();
        let Some(app_secrets) = app.get("secrets").and_then(|s| s.as_table()) else { continue };
        for (secret, from) in app_secrets {
            named += 1;
            let (secret_name, key) = if let Some(var) = from.get("env").and_then(|v| v.as_str()) {
                secret_ref(var).unwrap_or_else(|| {
                    panic!(
                        "app {app_name}: secret {secret} reads ${var}, which the container does not set from a Secret"
                    )
                })
            } else if let Some(file) = from.get("file").and_then(|v| v.as_str()) {
                mounted_key(deployment, container, file, "secret")
                    .unwrap_or_else(|| panic!("app {app_name}: secret {secret} reads {file}, not a mounted Secret key"))
            } else {
                panic!("app {app_name}: secret {secret} is neither {{ env = … }} nor {{ file = … }}: {from:?}")
            };
            let available = secrets
                .get(secret_name.as_str())
                .unwrap_or_else(|| panic!("app {app_name}: Secret {secret_name:?} is not defined in deploy/k8s"));
            assert!(available.contains(&key), "app {app_name}: Secret {secret_name} has no key {key:?}");
        }
    }
    assert!(named > 0, "the example manifest should show a secret");
    // And nothing in the Deployment points at a Secret key that is not there.
    for e in env {
        let r = &e["valueFrom"]["secretKeyRef"];
        if r.is_null() {
            continue;
        }
        let (s, k) = (text(&r["name"], "secretKeyRef.name"), text(&r["key"], "secretKeyRef.key"));
        assert!(
            secrets.get(s).is_some_and(|keys| keys.contains(k)),
            "env {:?}: no key {k:?} in Secret {s:?}",
            e["name"]
        );
    }
}

#[test]
fn pod_is_locked_down_with_a_usable_cache() {
    let docs = docs();
    let deployment = one(&docs, "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = nano_container(deployment);
    let sc = &container["securityContext"];
    let non_root = sc["runAsNonRoot"].as_bool().or(pod["securityContext"]["runAsNonRoot"].as_bool());
    assert_eq!(non_root, Some(true), "runAsNonRoot");
    assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false), "allowPrivilegeEscalation");
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true), "readOnlyRootFilesystem");
    assert!(seq(&sc["capabilities"]["drop"], "drop").iter().any(|c| c == "ALL"), "capabilities.drop ALL");

    // The cache: writable (an emptyDir, the root is read-only) and a folder
    // nano creates itself: it turns caching off for a directory owned by
    // another user, and an emptyDir's root belongs to root.
    let cache = seq(&container["env"], "env")
        .iter()
        .find(|e| e["name"] == "NANO_CACHE_DIR")
        .map(|e| text(&e["value"], "NANO_CACHE_DIR").to_string())
        .unwrap_or_else(|| "/var/cache/nano".into());
    let volumes = seq(&pod["volumes"], "volumes");
    let mount = seq(&container["volumeMounts"], "volumeMounts")
        .iter()
        .find(|m| {
            let mp = text(&m["mountPath"], "mountPath").trim_end_matches('/');
            cache.strip_prefix(mp).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .unwrap_or_else(|| panic!("the cache {cache} is on the read-only root filesystem"));
    let volume = volumes.iter().find(|v| v["name"] == mount["name"]).expect("the cache's volume");
    assert!(!volume["emptyDir"].is_null(), "the cache should be an emptyDir: {volume:?}");
    assert_ne!(
        cache.trim_end_matches('/'),
        text(&mount["mountPath"], "mountPath").trim_end_matches('/'),
        "NANO_CACHE_DIR must be a subfolder of the emptyDir (its root is owned by root: nano would not cache)"
    );

    let grace = pod["terminationGracePeriodSeconds"].as_i64().unwrap_or(30);
    assert!(grace > WALL_LIMIT_SECS, "terminationGracePeriodSeconds {grace} must exceed the {WALL_LIMIT_SECS} s drain");
    assert!(!container["resources"]["requests"]["cpu"].is_null(), "a CPU request (the HPA's utilization base)");
    assert!(!container["resources"]["limits"]["memory"].is_null(), "a memory limit");
}

#[test]
fn service_hpa_and_pdb_point_at_the_deployment() {
    let docs = docs();
    let deployment = one(&docs, "Deployment");
    let pod_labels = labels(&deployment["spec"]["template"]["metadata"]["labels"], "pod labels");
    let selector = labels(&deployment["spec"]["selector"]["matchLabels"], "Deployment selector");
    assert_selects(&selector, &pod_labels, "the Deployment");

    let service = one(&docs, "Service");
    assert_selects(&labels(&service["spec"]["selector"], "Service selector"), &pod_labels, "the Service");
    let service_type = service["spec"]["type"].as_str().unwrap_or("ClusterIP");
    assert_eq!(service_type, "ClusterIP");

    let hpa = one(&docs, "HorizontalPodAutoscaler");
    assert_eq!(text(&hpa["apiVersion"], "apiVersion"), "autoscaling/v2");
    let target = &hpa["spec"]["scaleTargetRef"];
    assert_eq!(target["kind"].as_str(), Some("Deployment"));
    assert_eq!(target["name"].as_str(), Some(name(deployment)), "the HPA scales the Deployment");
    assert_eq!(hpa["spec"]["minReplicas"].as_u64(), Some(2));
    assert_eq!(hpa["spec"]["maxReplicas"].as_u64(), Some(10));
    let cpu =
        seq(&hpa["spec"]["metrics"], "metrics").iter().find(|m| m["resource"]["name"] == "cpu").expect("a CPU metric");
    assert_eq!(cpu["resource"]["target"]["averageUtilization"].as_u64(), Some(70));

    for pdb in docs.iter().filter(|d| d.value["kind"] == "PodDisruptionBudget") {
        assert_selects(&labels(&pdb.value["spec"]["selector"]["matchLabels"], "PDB"), &pod_labels, "the PDB");
    }
}

/// The Dockerfile's instructions: (KEYWORD, arguments), continuation lines
/// joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let path = repo_root().join("deploy/Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (keyword, args) = current.split_once(char::is_whitespace).unwrap_or((current.as_str(), ""));
        out.push((keyword.to_ascii_uppercase(), args.trim().to_string()));
        current.clear();
    }
    out
}

#[test]
fn dockerfile_is_multi_stage_non_root_with_a_cache_volume() {
    let instructions = dockerfile();
    let all =
        |kw: &str| -> Vec<&str> { instructions.iter().filter(|(k, _)| k == kw).map(|(_, a)| a.as_str()).collect() };
    let froms = all("FROM");
    assert!(froms.len() >= 2, "a multi-stage build (builder + runtime): {froms:?}");
    // The runtime stage: everything after the last FROM.
    let last_from = instructions.iter().rposition(|(k, _)| k == "FROM").unwrap();
    let runtime = &instructions[last_from..];
    let user = runtime.iter().rev().find(|(k, _)| k == "USER").map(|(_, a)| a.as_str());
    let user = user.expect("the runtime stage sets a USER");
    let uid = user.split(':').next().unwrap();
    assert!(uid != "root" && uid != "0", "the runtime USER is root: {user}");
    let cache = runtime
        .iter()
        .filter(|(k, _)| k == "ENV")
        .find_map(|(_, a)| a.strip_prefix("NANO_CACHE_DIR=").map(|v| v.trim_matches('"').to_string()))
        .expect("ENV NANO_CACHE_DIR=… in the runtime stage");
    let volumes: String = runtime.iter().filter(|(k, _)| k == "VOLUME").map(|(_, a)| a.as_str()).collect();
    assert!(
        volumes.contains(&format!("\"{cache}\"")) || volumes.split_whitespace().any(|v| v == cache),
        "VOLUME {cache}"
    );
    let exposed: BTreeSet<&str> = all("EXPOSE").iter().flat_map(|a| a.split_whitespace()).collect();
    assert!(exposed.contains("8080") && exposed.contains("9090"), "EXPOSE 8080 9090: {exposed:?}");
    assert!(all("ENTRYPOINT").iter().any(|a| a.contains("nano-host")), "ENTRYPOINT nano-host");
    assert!(all("CMD").iter().any(|a| a.contains(MANIFEST_PATH)), "CMD runs {MANIFEST_PATH}");

    // Built with the Rust that rust-toolchain.toml pins …
    let toolchain: toml::Table =
        std::fs::read_to_string(repo_root().join("rust-toolchain.toml")).unwrap().parse().unwrap();
    let channel = toolchain["toolchain"]["channel"].as_str().unwrap();
    assert!(
        all("ARG").iter().any(|a| *a == format!("RUST_VERSION={channel}")),
        "deploy/Dockerfile's ARG RUST_VERSION must be rust-toolchain.toml's channel {channel}"
    );
    assert!(froms[0].starts_with("rust:") && froms[0].contains("bookworm"), "a Debian 12 rust builder: {}", froms[0]);
    // … and the C toolchain scripts/setup.sh installs (wrk is for benchmarks only).
    let setup = std::fs::read_to_string(repo_root().join("scripts/setup.sh")).unwrap();
    let packages = setup
        .lines()
        .find_map(|l| l.trim().strip_prefix("for pkg in ").and_then(|rest| rest.split_once(';')).map(|(p, _)| p))
        .expect("scripts/setup.sh's `for pkg in …; do` list of apt packages");
    let runs: String = all("RUN").join(" ");
    for pkg in packages.split_whitespace().filter(|p| *p != "wrk") {
        assert!(
            runs.split_whitespace().any(|w| w == pkg),
            "deploy/Dockerfile does not install {pkg} (scripts/setup.sh does)"
        );
    }
}

#[test]
fn the_configmap_manifest_is_one_nano_accepts() {
    let docs = docs();
    let (manifest, config_map) = manifest(&docs);
    let deployment = one(&docs, "Deployment");
    let (_, key) = mounted_key(deployment, nano_container(deployment), MANIFEST_PATH, "configMap").unwrap();
    let text = text(&config_map["data"][key.as_str()], "the manifest");
    // The apps' files where the manifest expects them; nano's own parser
    // then checks keys, values, routes and sources as `run` would.
    let dir = crate::common::scratch("deploy-manifest");
    for app in manifest["app"].as_array().unwrap() {
        let source = dir.join(app["source"].as_str().unwrap());
        std::fs::create_dir_all(source.parent().unwrap()).unwrap();
        std::fs::write(&source, "export default {}").unwrap();
    }
    let path = dir.join("nano.toml");
    let parsed = nano_host::manifest::parse(text, &path, &|_| Some("from-the-secret".into()));
    assert!(parsed.is_ok(), "{}", parsed.err().map(|e| e.to_string()).unwrap_or_default());
}
