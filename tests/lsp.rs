//! `topoc lsp` at the protocol level (issue 17): the server runs in-process
//! on an in-memory connection, a small client sends what editors send, and
//! each test checks one feature on `tests/fixtures/lsp/workspace` (a Compose
//! project whose override conflicts with its base, and a Kubernetes
//! namespace with a Service and two NetworkPolicies). Edits are sent as
//! unsaved buffers: the fixture on disk is never written.

#[path = "lsp/client.rs"]
mod client;
mod support;

use client::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[test]
fn findings_are_published_for_every_file_at_their_ranges() {
    let w = workspace();
    let over = w.join("shop/compose.override.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&over);
    let diags = c.diagnostics(&over);
    assert_eq!(codes(&diags), ["TOPO201", "TOPO301"]);
    let conflict = find(&diags, "TOPO201");
    // `"8080:8000"` on line 5, column 9 (1-based) of the override.
    assert_eq!(range(conflict), (4, 8, 4, 19));
    assert_eq!(conflict["severity"], 1);
    assert_eq!(conflict["source"], "topoc");
    assert!(
        conflict["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/blob/main/docs/rules.md#host-port-conflict"),
        "{conflict}"
    );
    let related = &conflict["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        uri(&w.join("shop/compose.yaml"))
    );
    assert_eq!(related["location"]["range"]["start"]["line"], 4);
    assert_eq!(related["message"], "first published here by `web`");
    // The Kubernetes file of the same workspace, never opened, is published too.
    let kube = c.published[&uri(&w.join("k8s/app.yaml"))].clone();
    assert_eq!(codes(&kube), ["TOPO405", "TOPO406", "TOPO408"]);
    assert_eq!(find(&kube, "TOPO408")["severity"], 2);
    assert_eq!(find(&kube, "TOPO405")["severity"], 3);
    // A file without findings is never sent an empty list for nothing.
    assert!(!c.publishes.contains_key(&uri(&w.join("shop/compose.yaml"))));
}

#[test]
fn unsaved_buffers_replace_the_disk_and_cleared_files_are_republished() {
    let w = workspace();
    let over = w.join("shop/compose.override.yaml");
    let on_disk = std::fs::read_to_string(&over).unwrap();
    let mut c = Client::start(&w, &[]);
    c.open(&over);
    assert_eq!(codes(&c.diagnostics(&over)), ["TOPO201", "TOPO301"]);
    c.change(&over, &on_disk.replace("8080:8000", "8081:8000"));
    assert_eq!(codes(&c.diagnostics(&over)), ["TOPO301"]);
    c.change(
        &over,
        &on_disk
            .replace("8080:8000", "8081:8000")
            .replace("ops", "front"),
    );
    assert_eq!(c.diagnostics(&over), Vec::<Value>::new());
    let sent = c.publishes[&uri(&over)];
    // An edit that changes nothing about the findings sends nothing.
    c.change(
        &over,
        &format!(
            "{}\n",
            on_disk
                .replace("8080:8000", "8081:8000")
                .replace("ops", "front")
        ),
    );
    c.sync(&over);
    assert_eq!(c.publishes[&uri(&over)], sent);
    // Closing the buffer without saving: the file on disk counts again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&over)}}),
    );
    assert_eq!(codes(&c.diagnostics(&over)), ["TOPO201", "TOPO301"]);
    assert_eq!(std::fs::read_to_string(&over).unwrap(), on_disk);
}

#[test]
fn columns_are_utf16_by_default_and_utf8_when_negotiated() {
    let w = workspace();
    let over = w.join("shop/compose.override.yaml");
    // `𝄞` is 2 UTF-16 units and 4 bytes, `é` 1 unit and 2 bytes.
    let text = "services:\n  admin: {image: \"é𝄞\", ports: [\"8080:8000\"], networks: [front]}\n";
    let start = |encodings: &[&str]| {
        let mut c = Client::start(&w, encodings);
        c.open(&over);
        c.change(&over, text);
        let diags = c.diagnostics(&over);
        range(find(&diags, "TOPO201"))
    };
    let prefix = "  admin: {image: \"é𝄞\", ports: [";
    let utf16 = prefix.encode_utf16().count() as u64;
    assert_eq!(start(&[]), (1, utf16, 1, utf16 + 11));
    assert_eq!(start(&["utf-16"]), (1, utf16, 1, utf16 + 11));
    let utf8 = prefix.len() as u64;
    assert_eq!(start(&["utf-8", "utf-16"]), (1, utf8, 1, utf8 + 11));
    assert_ne!(utf8, utf16);
}

#[test]
fn hover_shows_flows_and_selections() {
    let w = workspace();
    let compose = w.join("shop/compose.yaml");
    let kube = w.join("k8s/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&compose);
    // On the `api` service key.
    let api = hover_text(&c.hover(&compose, 9, 3));
    assert!(
        api.starts_with("**service `api` (project `shop`)**"),
        "{api}"
    );
    assert!(
        api.contains("`shop/db[ComposeService]`: All Connections") || api.contains("`shop/db"),
        "{api}"
    );
    assert!(api.contains("Reached by"), "{api}");
    assert!(api.contains("`shop/web[ComposeService]`"), "{api}");
    // `db` sits only on the internal `back` network: `web` cannot reach it.
    let db = hover_text(&c.hover(&compose, 16, 3));
    let reached = db.split("Reached by").nth(1).unwrap();
    assert!(reached.contains("shop/api"), "{db}");
    assert!(!reached.contains("shop/web"), "{db}");
    // The Deployment `api` (its metadata.name): egress only to db on 5432.
    let dep = hover_text(&c.hover(&kube, 3, 9));
    assert!(dep.starts_with("**Deployment `prod/api`**"), "{dep}");
    let reaches = dep.split("Reached by").next().unwrap();
    assert!(reaches.contains("`prod/db[Deployment]`: TCP 5432"), "{dep}");
    assert!(reaches.contains("Reaches 1:"), "{dep}");
    // The Service `db`: the workload it selects.
    let svc = hover_text(&c.hover(&kube, 42, 9));
    assert!(svc.starts_with("**Service `prod/db`**"), "{svc}");
    assert!(svc.contains("Selects 1 workload(s):\n- prod/db"), "{svc}");
    // The policy `db-ingress`: what it selects and isolates.
    let pol = hover_text(&c.hover(&kube, 54, 9));
    assert!(
        pol.starts_with("**NetworkPolicy `prod/db-ingress`**"),
        "{pol}"
    );
    assert!(pol.contains("Isolates ingress of the pods"), "{pol}");
    assert!(pol.contains("Selects 1 workload(s):\n- prod/db"), "{pol}");
    // Nowhere in particular: no hover.
    assert_eq!(c.hover(&compose, 0, 0), Value::Null);
}

#[test]
fn definition_goes_from_references_to_their_targets() {
    let w = workspace();
    let compose = w.join("shop/compose.yaml");
    let kube = w.join("k8s/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&compose);
    let cu = uri(&compose);
    let ku = uri(&kube);
    // depends_on: [api] → the `api` service key.
    assert_eq!(target(&c.definition(&compose, 6, 9)[0]), (cu.clone(), 9));
    // networks: [front] → the top-level `front`.
    assert_eq!(target(&c.definition(&compose, 8, 10)[0]), (cu.clone(), 21));
    // An env URL naming `db` → the `db` service.
    assert_eq!(target(&c.definition(&compose, 12, 30)[0]), (cu.clone(), 16));
    // In Kubernetes: the env URL → the Service `db`.
    assert_eq!(target(&c.definition(&kube, 19, 22)[0]), (ku.clone(), 42));
    // The Service's selector → the Deployment `db`.
    assert_eq!(target(&c.definition(&kube, 46, 6)[0]), (ku.clone(), 24));
    // The policy's podSelector → the Deployment `db`.
    let sel = c.definition(&kube, 58, 20);
    assert_eq!(
        sel.iter().map(target).collect::<Vec<_>>(),
        [(ku.clone(), 24)]
    );
    // Not on a reference: nothing.
    assert!(c.definition(&compose, 2, 5).is_empty());
}

#[test]
fn references_go_from_a_declaration_to_what_names_it() {
    let w = workspace();
    let compose = w.join("shop/compose.yaml");
    let kube = w.join("k8s/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&compose);
    let lines = |v: Vec<Value>| v.iter().map(target).collect::<Vec<_>>();
    let cu = uri(&compose);
    let ku = uri(&kube);
    // `api`: named by web's depends_on.
    assert_eq!(lines(c.references(&compose, 9, 3)), [(cu.clone(), 6)]);
    // `back`: joined by api and db.
    assert_eq!(
        lines(c.references(&compose, 22, 3)),
        [(cu.clone(), 15), (cu.clone(), 19)]
    );
    // The Deployment `db`: the Service's selector, the policies' selectors.
    let db = lines(c.references(&kube, 24, 9));
    assert!(db.contains(&(ku.clone(), 46)), "{db:?}");
    assert!(db.contains(&(ku.clone(), 58)), "{db:?}");
    assert!(db.contains(&(ku.clone(), 77)), "{db:?}");
    // The Service `db`: the env URL of `api`.
    assert_eq!(lines(c.references(&kube, 42, 9)), [(ku.clone(), 19)]);
}

/// The edit of the action titled `starting`, applied to its file, after
/// which the finding `code` at `line` must be gone.
fn fix(c: &mut Client, path: &Path, code: &str, starting: &str) -> String {
    let now = c.diagnostics(path);
    let line = range(find(&now, code)).0 as u32;
    let actions = c.actions(path, line);
    let action = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(starting))
        .unwrap_or_else(|| panic!("no `{starting}` in {actions:#?}"));
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["diagnostics"][0]["code"], code);
    let changes = action["edit"]["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 1);
    let (file, edits) = changes.iter().next().unwrap();
    let file = PathBuf::from(file.strip_prefix("file://").unwrap());
    if !c.versions.contains_key(&uri(&file)) {
        c.open(&file);
    }
    let count = |d: &[Value]| d.iter().filter(|d| d["code"] == code).count();
    let before = count(&now);
    for e in edits.as_array().unwrap() {
        c.apply(&file, e);
    }
    let after = c.diagnostics(&file);
    assert_eq!(
        count(&after),
        before - 1,
        "{code} still there after `{starting}`: {after:#?}"
    );
    edits[0]["newText"].as_str().unwrap().to_string()
}

#[test]
fn code_actions_fix_or_ignore_what_they_say() {
    let w = workspace();
    let over = w.join("shop/compose.override.yaml");
    let kube = w.join("k8s/app.yaml");
    let mut c = Client::start(&w, &[]);
    c.open(&over);
    assert_eq!(
        fix(&mut c, &over, "TOPO201", "Publish on host port 8081"),
        "8081"
    );
    let text = fix(&mut c, &over, "TOPO301", "Declare network `ops`");
    assert!(text.contains("networks:\n  ops: {}"), "{text}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&over)}}),
    );
    c.versions.remove(&uri(&over));
    c.open(&over);
    let text = fix(
        &mut c,
        &over,
        "TOPO201",
        "Ignore host-port-conflict on `shop/admin`",
    );
    assert_eq!(text, "    x-topoc:\n      ignore: [host-port-conflict]\n");
    // A second ignore on the same service extends the list.
    let text = fix(&mut c, &over, "TOPO301", "Ignore undefined-network");
    assert_eq!(text, ", undefined-network");
    // Kubernetes: the policyTypes the policy means, and the annotation.
    let text = fix(&mut c, &kube, "TOPO408", "Write `policyTypes: [Egress]`");
    assert_eq!(text, "  policyTypes: [Egress]\n");
    let text = fix(&mut c, &kube, "TOPO405", "Ignore workload-not-isolated");
    assert_eq!(
        text,
        "  annotations:\n    topoc.dev/ignore: workload-not-isolated\n"
    );
    let text = fix(&mut c, &kube, "TOPO406", "Ignore egress-blocks-dns");
    assert!(text.contains("topoc.dev/ignore"), "{text}");
}

/// An editor that goes away without `shutdown`/`exit` (closed pipes, a
/// crash) must not leave the server running: end of input ends it.
#[test]
fn the_server_exits_when_its_input_ends() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let mut child = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": null, "rootUri": null, "capabilities": {}}})
    .to_string();
    let init = json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}).to_string();
    let mut stdin = child.stdin.take().unwrap();
    for m in [body, init] {
        write!(stdin, "Content-Length: {}\r\n\r\n{m}", m.len()).unwrap();
    }
    drop(stdin);
    let status = support::wait_or_kill(
        &mut child,
        Duration::from_secs(20),
        "`topoc lsp` (its input ended)",
    );
    assert!(status.success(), "{status}");
}
