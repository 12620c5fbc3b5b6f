//! Every real-world project in the corpus (docker/awesome-compose) loads:
//! exit 0 or 1, never 2 (invalid input), never a crash.

mod common;

#[test]
fn awesome_compose_projects_load_without_input_errors() {
    let Some(dir) = common::corpus("compose-real") else {
        return;
    };
    let mut projects: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    projects.sort();
    assert!(
        projects.len() >= 30,
        "expected the corpus projects, found {}",
        projects.len()
    );
    let mut failures = Vec::new();
    for p in &projects {
        let path = p.to_string_lossy();
        let o = common::topoc(&["check", "--format", "concise", &path]);
        match o.status.code() {
            Some(0 | 1) => {}
            other => failures.push(format!(
                "{path}: exit {other:?}\n{}{}",
                common::stdout(&o),
                common::stderr(&o)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
