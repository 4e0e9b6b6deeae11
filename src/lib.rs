//! huzhu (互助): matching the needs of poor households with the help
//! volunteers offer, and following each match until the help has arrived.
//!
//! The modules form layers, and a module imports only from its own layer or
//! those below it (the test at the end of this file checks every file):
//!
//! 1. `domain`, `i18n`: plain types and rules; no IO, no actix, no sea-orm.
//! 2. `matching`: the exact solver, pure and synchronous.
//! 3. `settings`, `metrics`, `store`, then `mail`: configuration, the database, email.
//! 4. `context`, `services`: the use cases, each one transaction with its emails.
//! 5. `routes`, `web`, `error`, `openapi`, `telemetry`, then `startup`, `cli`: HTTP and the process.

pub mod admission;
pub mod cli;
pub mod context;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod matching;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod services;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod layers {
    use std::path::Path;

    /// Each module's layer, finer than the five above where one module of a
    /// layer builds on another (mail on store, startup on the routes).
    const RANKS: &[(&str, u8)] = &[
        ("domain", 0),
        ("i18n", 0),
        ("matching", 1),
        ("settings", 2),
        ("metrics", 2),
        ("store", 3),
        ("mail", 4),
        ("context", 5),
        ("services", 6),
        ("routes", 7),
        ("web", 7),
        ("error", 7),
        ("openapi", 7),
        ("telemetry", 7),
        ("admission", 7),
        ("startup", 8),
        ("cli", 9),
        ("main", 9),
    ];

    fn rank(module: &str) -> u8 {
        RANKS
            .iter()
            .find(|(name, _)| *name == module)
            .map(|(_, rank)| *rank)
            .unwrap_or_else(|| panic!("module `{module}` has no layer in lib.rs"))
    }

    /// The top-level modules a source text names as `crate::x` or in
    /// `use crate::{x, y::z}`.
    fn named_modules(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (at, _) in source.match_indices("crate::") {
            let rest = &source[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let item = item.trim();
                    let name: String = item
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.push(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
        found
    }

    fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                visit(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }

    #[test]
    fn no_module_imports_from_a_layer_above_its_own() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        visit(&src, &mut files);
        let mut upward = Vec::new();
        for file in &files {
            let relative = file.strip_prefix(&src).expect("under src");
            // This file only declares the modules (and holds this test's examples).
            if relative == Path::new("lib.rs") {
                continue;
            }
            let first = relative.components().next().expect("a path");
            let module = first
                .as_os_str()
                .to_str()
                .expect("UTF-8 names")
                .trim_end_matches(".rs");
            let source = std::fs::read_to_string(file).expect("readable source");
            if matches!(module, "domain" | "matching") {
                for framework in ["actix_", "sea_orm"] {
                    if source.contains(framework) {
                        upward.push(format!("{} uses {framework}", relative.display()));
                    }
                }
            }
            for named in named_modules(&source) {
                if rank(&named) > rank(module) {
                    upward.push(format!("{} uses crate::{named}", relative.display()));
                }
            }
        }
        upward.sort();
        upward.dedup();
        assert!(
            upward.is_empty(),
            "imports from a layer above:\n{}",
            upward.join("\n")
        );
    }

    #[test]
    fn modules_named_inside_braces_and_paths_are_all_found() {
        let names =
            named_modules("use crate::{store, mail::Email};\nlet x = crate::domain::Role::Admin;");
        assert_eq!(names, ["store", "mail", "domain"]);
    }
}
