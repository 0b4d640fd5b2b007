//! `nano-host new` (a project that builds, serves and tests as it is) and
//! `nano-host types` (the `.d.ts` of what nano adds to the web platform).

use std::path::{Path, PathBuf};

/// What `nano-host types` writes.
pub const TYPES: &str = include_str!("../templates/nano.d.ts");

/// The project's files, by path; `{{name}}` stands for the project's name.
const PROJECT: &[(&str, &str)] = &[
    ("package.json", include_str!("../templates/new/package.json")),
    ("tsconfig.json", include_str!("../templates/new/tsconfig.json")),
    ("nano.toml", include_str!("../templates/new/nano.toml")),
    ("src/index.ts", include_str!("../templates/new/src/index.ts")),
    ("src/routes.ts", include_str!("../templates/new/src/routes.ts")),
    ("test/index.test.ts", include_str!("../templates/new/test/index.test.ts")),
    (".gitignore", include_str!("../templates/new/gitignore")),
    ("nano.d.ts", TYPES),
];

/// Creates the project `dir` (which must not exist, or be empty), named
/// after its last component; returns the files written.
pub fn new_project(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: give the project's folder a name", dir.display()))?;
    if !crate::manifest::is_app_name(name) {
        return Err(format!(
            "\"{name}\": a project's name is its app's name: use 1-63 of a-z, 0-9, `_`, `-`, starting with a letter or digit"
        ));
    }
    if dir.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!("{}: already exists and is not empty", dir.display()));
    }
    let mut written = Vec::new();
    for (path, text) in PROJECT {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text.replace("{{name}}", name))
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_is_written_once_with_its_name() {
        let dir = std::env::temp_dir().join(format!("nano-new-{}", std::process::id())).join("my-app");
        let _ = std::fs::remove_dir_all(&dir);
        let files = new_project(&dir).unwrap();
        assert_eq!(files.len(), PROJECT.len());
        let toml = std::fs::read_to_string(dir.join("nano.toml")).unwrap();
        assert!(toml.contains("name = \"my-app\""), "{toml}");
        assert!(!std::fs::read_to_string(dir.join("src/routes.ts")).unwrap().contains("{{"));
        assert!(new_project(&dir).unwrap_err().contains("not empty"));
        assert!(new_project(&dir.with_file_name("My App")).unwrap_err().contains("a project's name"));
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
