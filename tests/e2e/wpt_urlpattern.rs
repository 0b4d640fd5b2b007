//! URLPattern: the Web Platform Tests' URL Pattern data (tests/wpt-data, see
//! its README) through `nano-host exec`, the API's own edges, and patterns
//! made at the top level routing requests.

use crate::common::*;

#[test]
fn wpt_urlpattern_data() {
    let data = std::fs::read_to_string(repo_root().join("tests/wpt-data/urlpatterntestdata.json")).unwrap();
    let runner = std::fs::read_to_string(repo_root().join("tests/scripts/wpt_urlpattern.js")).unwrap();
    let path = scratch("wpt-urlpattern").join("wpt_urlpattern.js");
    std::fs::write(&path, format!("const urlPatternTestData = {data};\n{runner}")).unwrap();
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    // 352 of the data file's 353 entries. The one left: a dictionary with
    // `pathname: ""` and a baseURL. WPT's harness computes the expected
    // search and hash patterns by truthiness (an empty pathname counts as
    // not given, so they come from the base URL: ""); the crate, following
    // the standard's "init[pathname] exists", makes them "*". The data lists
    // no explicit search/hash for that entry.
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert_eq!(
        failures,
        [
            r#"FAIL new URLPattern({"pathname":"","baseURL":"https://example.com"}) on ({"pathname":"/","baseURL":"https://example.com"}): pattern.search "*" != ""; pattern.hash "*" != """#
        ],
        "{stdout}\n{stderr}"
    );
    assert_eq!(summary, "passed 352 failed 1", "{stdout}\n{stderr}");
}

fn run(name: &str, script: &str) -> String {
    let path = scratch(name).join("script.js");
    std::fs::write(&path, script).unwrap();
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    stdout
}

#[test]
fn urlpattern_overloads_options_and_errors() {
    let out = run(
        "urlpattern-api",
        r#"
const log = (...a) => console.log(...a);
const threw = (f) => { try { f(); return 'no'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
const p = new URLPattern('/books/:id', 'https://example.com');
log(p.protocol, p.hostname, p.pathname, p.hasRegExpGroups, Object.prototype.toString.call(p));
log(p.test('https://example.com/books/7'), p.test('/books/7', 'https://example.com'), p.test('https://example.org/books/7'));
log(JSON.stringify(p.exec('/books/7', 'https://example.com').inputs));
log(new URLPattern({ pathname: '/a/(\\d+)' }).hasRegExpGroups);
const ic = new URLPattern({ pathname: '/ABC' }, { ignoreCase: true });
log(ic.test({ pathname: '/abc' }), new URLPattern({ pathname: '/ABC' }).test({ pathname: '/abc' }));
log(new URLPattern().test('https://anything/at/all'), new URLPattern(undefined, { ignoreCase: true }).pathname);
log(threw(() => new URLPattern('/relative')).startsWith('TypeError'));
log(threw(() => new URLPattern({ pathname: '/a' }, 'https://example.com')).startsWith('TypeError'));
log(threw(() => new URLPattern({ pathname: '/(a' })).startsWith('TypeError'));
log(threw(() => new URLPattern({ pathname: '/(x(?<=x)y)' })));
log(threw(() => p.test({ pathname: '/books/1' }, 'https://example.com')).startsWith('TypeError'));
log(threw(() => new URLPattern({ pathname: '/' + 'a'.repeat(70000) })));
log(p.exec('not a url'));
RegExp.prototype.exec = () => null;
log(p.test('https://example.com/books/8'));
"#,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "https example.com /books/:id false [object URLPattern]");
    assert_eq!(lines[1], "true true false");
    assert_eq!(lines[2], r#"["/books/7","https://example.com"]"#);
    assert_eq!(lines[3], "true");
    assert_eq!(lines[4], "true false");
    assert_eq!(lines[5], "true *");
    assert_eq!(&lines[6..9], ["true", "true", "true"]);
    // A lookbehind is valid JS, so the pattern compiles in the guest.
    assert_eq!(lines[9], "no");
    assert_eq!(lines[10], "true");
    assert!(lines[11].starts_with("TypeError") && lines[11].contains("over the limit of 65536"), "{out}");
    assert_eq!(lines[12], "null");
    // Matching does not go through the app's RegExp.prototype.exec.
    assert_eq!(lines[13], "true");
}

#[test]
fn urlpattern_made_at_top_level_routes_requests() {
    let server = Server::start(&app("url_pattern_router.js"));
    let res = server.get("/users/42");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), r#"{"user":42}"#);
    assert_eq!(server.get("/files/a/b.txt").text(), r#"{"file":"a/b.txt"}"#);
    assert_eq!(server.get("/SEARCH?q=nano").text(), r#"{"q":"nano"}"#);
    assert_eq!(server.get("/users/x").status, 404);
}
