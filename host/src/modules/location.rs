//! Positions and names: byte offsets → `line:col`, paths → module names.

use std::path::{Component, Path};

/// 1-based line and column (in characters) of byte `offset` in `text`.
///
/// Offsets past the end (or inside a UTF-8 sequence) are clamped, so a bad
/// span from a diagnostic can never panic.
pub(crate) fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// `file:line:col: message`, the one shape every located error has.
pub(crate) fn located(file: &str, text: &str, offset: u32, message: &str) -> String {
    let (line, col) = line_col(text, offset);
    format!("{file}:{line}:{col}: {message}")
}

/// The module name of `path`: relative to `root`, `/`-separated, with `..`
/// for files outside it. Both paths must be absolute and normalised.
///
/// A name never starts with `nano:` (the guest's own namespace): such a name
/// is prefixed with `./`.
pub(crate) fn module_name(root: &Path, path: &Path) -> String {
    let root: Vec<Component> = root.components().collect();
    let file: Vec<Component> = path.components().collect();
    let common = root.iter().zip(&file).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); root.len() - common];
    parts.extend(file[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    let name = parts.join("/");
    if name.starts_with("nano:") {
        format!("./{name}")
    } else {
        name
    }
}

/// The path as the user would write it: relative to the current directory
/// when the file is below it, else absolute.
pub(crate) fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.map(|c| c.canonicalize().unwrap_or(c));
    match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 999), (3, 2));
    }

    #[test]
    fn names_are_relative_and_never_nano() {
        let root = Path::new("/a/app");
        assert_eq!(module_name(root, Path::new("/a/app/src/x.ts")), "src/x.ts");
        assert_eq!(module_name(root, Path::new("/a/shared/x.js")), "../shared/x.js");
        assert_eq!(module_name(root, Path::new("/a/app/nano:x.js")), "./nano:x.js");
    }
}
