//! What a project is called and which profiles are active, as docker compose
//! decides it (`cli/options.go` `projectName`, `WithProfiles`).
//!
//! Project name: `-p`, else `COMPOSE_PROJECT_NAME` (the process environment,
//! then the project's `.env` / `--env-file`), else the last non-empty `name:`
//! of the merged files, else the directory name. `-p` and
//! `COMPOSE_PROJECT_NAME` must already be valid names (compose refuses
//! `FlagName`); `name:` and the directory name are normalised
//! (`NormalizeProjectName`).
//!
//! Profiles: `--profile` flags, else `COMPOSE_PROFILES` from the same
//! environment (so a `.env` can turn profiles on, as sentry's does).

use super::env::Env;
use super::project;
use crate::diagnostic::{self as diag, Diagnostic};
use crate::input::LoadOptions;
use crate::source::Span;
use crate::syntax::Node;
use std::path::Path;

/// compose-go `ValidateProjectName`: `^[a-z0-9][a-z0-9_-]*$`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The project's name, or the error docker compose gives for an invalid
/// `-p` / `COMPOSE_PROJECT_NAME` (reported at `at`, the command line).
pub fn project_name(
    root: &Node,
    dir: &Path,
    opts: &LoadOptions,
    env: &Env,
    at: impl FnOnce() -> Span,
) -> Result<String, Box<Diagnostic>> {
    let given = opts.project_name.clone().map(|n| ("-p", n)).or_else(|| {
        env.get("COMPOSE_PROJECT_NAME")
            .filter(|n| !n.is_empty())
            .map(|n| ("COMPOSE_PROJECT_NAME", n))
    });
    if let Some((source, name)) = given {
        if is_valid_name(&name) {
            return Ok(name);
        }
        let suggestion = project::normalize_name(&name);
        return Err(Box::new(Diagnostic::new(
            &diag::INVALID_VALUE,
            at(),
            format!(
                "invalid project name `{name}` ({source}): must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
            ),
        )
        .with_help(if suggestion.is_empty() {
            "docker compose refuses this name too; choose another".to_string()
        } else {
            format!("docker compose refuses this name too; use `{suggestion}`")
        })));
    }
    let declared = root
        .get("name")
        .and_then(Node::as_str)
        .map(project::normalize_name)
        .filter(|n| !n.is_empty());
    Ok(declared.unwrap_or_else(|| {
        let from_dir = project::normalize_name(&project::dir_name(dir));
        if from_dir.is_empty() {
            "default".into()
        } else {
            from_dir
        }
    }))
}

/// `--profile` flags, else `COMPOSE_PROFILES` of the project environment.
pub fn active_profiles(opts: &LoadOptions, env: &Env) -> Vec<String> {
    if !opts.profiles.is_empty() {
        return opts.profiles.clone();
    }
    env.get("COMPOSE_PROFILES")
        .map(|p| {
            p.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn root(text: &str) -> Node {
        crate::syntax::parse(FileId(0), text).0.remove(0).root
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    fn name(file: &str, p: Option<&str>, e: &[(&str, &str)]) -> Result<String, String> {
        let opts = LoadOptions {
            project_name: p.map(String::from),
            ..Default::default()
        };
        let at = || Span {
            file: FileId(0),
            start: Default::default(),
            end: Default::default(),
        };
        project_name(
            &root(file),
            Path::new("/nonexistent/My.Dir"),
            &opts,
            &env(e),
            at,
        )
        .map_err(|d| d.message)
    }

    #[test]
    fn precedence_is_flag_then_environment_then_name_then_directory() {
        let f = "name: fromfile\nservices: {}\n";
        let env_name = [("COMPOSE_PROJECT_NAME", "envname")];
        assert_eq!(name(f, Some("flag"), &env_name), Ok("flag".into()));
        assert_eq!(name(f, None, &env_name), Ok("envname".into()));
        assert_eq!(name(f, None, &[]), Ok("fromfile".into()));
        assert_eq!(name("services: {}\n", None, &[]), Ok("mydir".into()));
        // An empty `name:` or COMPOSE_PROJECT_NAME is no name.
        let empty = [("COMPOSE_PROJECT_NAME", "")];
        assert_eq!(name("name: ''\n", None, &empty), Ok("mydir".into()));
    }

    #[test]
    fn given_names_must_be_valid_declared_ones_are_normalised() {
        assert!(
            name("services: {}\n", Some("FlagName"), &[])
                .unwrap_err()
                .contains("invalid project name")
        );
        assert!(name("services: {}\n", None, &[("COMPOSE_PROJECT_NAME", "_x")]).is_err());
        assert_eq!(name("name: My App\n", None, &[]), Ok("myapp".into()));
        assert!(is_valid_name("a-b_1") && !is_valid_name("-ab") && !is_valid_name(""));
    }

    #[test]
    fn profiles_from_flags_else_the_project_environment() {
        let e = env(&[("COMPOSE_PROFILES", "a, b,,")]);
        assert_eq!(active_profiles(&LoadOptions::default(), &e), ["a", "b"]);
        let flags = LoadOptions {
            profiles: vec!["c".into()],
            ..Default::default()
        };
        assert_eq!(active_profiles(&flags, &e), ["c"]);
    }
}
