//! The crate's layering, checked from its source: every `crate::`/`super::` path between the
//! library's modules must point down the layers, no two modules of one folder may import each
//! other in a cycle, and the domain must stay free of I/O and of the clock.
//!
//! Layers, top to bottom: `http` → `app` → `config` → `service` → `store` | `infra` →
//! `domain`. A file may use the items of its own ancestors (`super::Db` in a store module) and
//! of its descendants; any other path is an arrow between the two sibling modules under the
//! nearest common ancestor, and those arrows must form no cycle in any folder. Unit tests
//! (`mod tests` at the end of a file, or a `tests.rs` of its own) are not shipped code and may
//! check their results with a higher layer, such as the store's tests with the chain verifier.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's top-level modules, bottom layer first; modules on one line are peers that may
/// not import each other.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["store", "infra"],
    &["service"],
    &["config"],
    &["app"],
    &["http"],
];

/// Text that shows I/O, a runtime or the clock, which the domain must not hold outside its
/// tests (the clock is read by the services and passed in).
const IMPURE: &[&str] = &[
    "sqlx",
    "redis",
    "tokio",
    "axum",
    "std::fs",
    "std::net",
    "std::env",
    "Timestamp::now()",
    "Utc::now()",
    "SystemTime::now()",
];

type Module = Vec<String>;

/// The library's source files (`main.rs` and the binary's own modules excluded), each with
/// the module path it defines.
fn library_modules() -> BTreeMap<Module, PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let binary: BTreeSet<&str> = ["main.rs", "audit_cli.rs"].into();
    let mut modules = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let name = rel.to_string_lossy().replace('\\', "/");
            let unit_tests = name.ends_with("/tests.rs");
            if path.extension().is_none_or(|e| e != "rs")
                || binary.contains(name.as_str())
                || unit_tests
            {
                continue;
            }
            let mut segments: Module = name
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
                segments.pop();
            }
            modules.insert(segments, path);
        }
    }
    modules
}

/// The file without its unit tests at the end.
fn shipped(text: &str) -> &str {
    text.split("#[cfg(test)]\nmod tests {").next().unwrap_or("")
}

/// The file without its comments (doc links name paths that are no imports).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the code names from `crate`, `$crate` or `super`, as the segments it spells,
/// resolved from module `at`. A `{…}` group yields one path per member.
fn paths_in(code: &str, at: &Module) -> Vec<Module> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for (start, _) in code.match_indices("::") {
        // Find the identifier before `::` and whether it starts a path.
        let head_start = code[..start]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .map_or(0, |i| i + 1);
        let head = &code[head_start..start];
        if head_start >= 2 && &bytes[head_start - 2..head_start] == b"::" {
            continue;
        }
        let mut base: Module = match head {
            "crate" | "$crate" => Vec::new(),
            "super" => at[..at.len().saturating_sub(1)].to_vec(),
            _ => continue,
        };
        let mut rest = &code[start + 2..];
        while let Some(tail) = rest.strip_prefix("super::") {
            base.pop();
            rest = tail;
        }
        let segments = |text: &str| -> Module {
            text.split("::")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|s| !s.is_empty())
                .collect()
        };
        // The path's own segments up to a `{…}` group, if any.
        let prefix_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let prefix = rest[..prefix_end].trim_end_matches(':');
        base.extend(segments(prefix));
        // rustfmt writes a struct literal's brace after a space, so a brace right after the
        // path opens a `use` group.
        if let Some(group) = rest[prefix_end..].strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for member in group[..end].split(',') {
                let mut path = base.clone();
                path.extend(segments(member.trim()));
                found.push(path);
            }
        } else {
            found.push(base);
        }
    }
    found
}

/// The longest prefix of `path` that is a module of the library.
fn module_of(path: &Module, modules: &BTreeMap<Module, PathBuf>) -> Module {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains_key(prefix))
        .unwrap_or_default()
}

/// Arrows between sibling modules, per parent folder: `parent → {(from, to) → where}`.
type Arrows = BTreeMap<Module, BTreeMap<(String, String), String>>;

fn arrows() -> Arrows {
    let modules = library_modules();
    let mut arrows = Arrows::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read source");
        let code = code_of(shipped(&text));
        for path in paths_in(&code, module) {
            let target = module_of(&path, &modules);
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue; // an ancestor's or a descendant's items
            }
            let at = format!("{} uses {}", file.display(), path.join("::"));
            arrows
                .entry(module[..common].to_vec())
                .or_default()
                .entry((module[common].clone(), target[common].clone()))
                .or_insert(at);
        }
    }
    arrows
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn every_import_between_top_level_modules_points_down_a_layer() {
    let arrows = arrows();
    let mut upward = Vec::new();
    for ((from, to), at) in arrows.get(&Vec::new()).into_iter().flatten() {
        let (Some(f), Some(t)) = (rank(from), rank(to)) else {
            upward.push(format!(
                "{from} → {to} involves a module with no layer ({at})"
            ));
            continue;
        };
        if f <= t {
            upward.push(format!("{from} → {to} does not point down ({at})"));
        }
    }
    assert!(upward.is_empty(), "{}", upward.join("\n"));
}

#[test]
fn no_two_modules_of_a_folder_import_each_other_in_a_cycle() {
    let mut cycles = Vec::new();
    for (parent, edges) in arrows() {
        let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in edges.keys() {
            graph.entry(from).or_default().push(to);
        }
        // Depth-first search with colours; a grey successor closes a cycle.
        let mut state: BTreeMap<&str, u8> = BTreeMap::new();
        fn visit<'a>(
            node: &'a str,
            graph: &BTreeMap<&'a str, Vec<&'a str>>,
            state: &mut BTreeMap<&'a str, u8>,
            stack: &mut Vec<&'a str>,
            found: &mut Vec<String>,
        ) {
            state.insert(node, 1);
            stack.push(node);
            for &next in graph.get(node).into_iter().flatten() {
                match state.get(next) {
                    Some(1) => {
                        let from = stack.iter().position(|n| *n == next).unwrap_or(0);
                        let mut cycle = stack[from..].to_vec();
                        cycle.push(next);
                        found.push(cycle.join(" → "));
                    }
                    Some(_) => {}
                    None => visit(next, graph, state, stack, found),
                }
            }
            stack.pop();
            state.insert(node, 2);
        }
        let nodes: Vec<&str> = graph.keys().copied().collect();
        let mut found = Vec::new();
        for node in nodes {
            if !state.contains_key(node) {
                visit(node, &graph, &mut state, &mut Vec::new(), &mut found);
            }
        }
        for cycle in found {
            let first = cycle.split(" → ").take(2).collect::<Vec<_>>();
            let at = edges
                .get(&(first[0].to_owned(), first[1].to_owned()))
                .cloned()
                .unwrap_or_default();
            cycles.push(format!("in crate::{}: {cycle} ({at})", parent.join("::")));
        }
    }
    assert!(cycles.is_empty(), "{}", cycles.join("\n"));
}

#[test]
fn the_domain_does_no_io_and_reads_no_clock() {
    let mut impure = Vec::new();
    for (module, file) in library_modules() {
        if module.first().map(String::as_str) != Some("domain") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read source");
        let code = code_of(shipped(&text));
        for needle in IMPURE {
            let allowed = *needle == "Utc::now()" && module.join("::") == "domain::time";
            if code.contains(needle) && !allowed {
                impure.push(format!("{} holds `{needle}`", file.display()));
            }
        }
    }
    assert!(impure.is_empty(), "{}", impure.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import() {
    let at: Module = vec!["domain".into(), "agent".into()];
    let paths = paths_in(
        "use crate::store::{Db, StoreError};\nsuper::super::http::x()",
        &at,
    );
    assert_eq!(
        paths,
        vec![
            vec!["store".to_owned(), "Db".into()],
            vec!["store".to_owned(), "StoreError".into()],
            vec!["http".to_owned(), "x".into()],
        ]
    );
}
