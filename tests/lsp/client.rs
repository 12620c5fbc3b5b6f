//! The small LSP client of the protocol tests: the server runs in-process
//! on an in-memory connection and this sends what editors send.

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn workspace() -> PathBuf {
    super::support::root()
        .join("tests/fixtures/lsp/workspace")
        .canonicalize()
        .unwrap()
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub struct Client {
    pub conn: Connection,
    pub server: Option<std::thread::JoinHandle<()>>,
    pub next: i32,
    /// The latest diagnostics published per URI.
    pub published: BTreeMap<String, Vec<Value>>,
    /// How many publishes each URI received.
    pub publishes: BTreeMap<String, usize>,
    pub versions: BTreeMap<String, i32>,
}

impl Client {
    pub fn start(root: &Path, encodings: &[&str]) -> Client {
        let (server, client) = Connection::memory();
        let handle = std::thread::spawn(move || {
            let opts = topoc::lsp::Options {
                debounce: Duration::from_millis(5),
                ..Default::default()
            };
            topoc::lsp::serve(&server, opts).expect("server loop");
        });
        let mut c = Client {
            conn: client,
            server: Some(handle),
            next: 0,
            published: BTreeMap::new(),
            publishes: BTreeMap::new(),
            versions: BTreeMap::new(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "w"}],
                "capabilities": {"general": {"positionEncodings": encodings}},
            }),
        );
        assert_eq!(init["serverInfo"]["name"], "topoc");
        c.notify("initialized", json!({}));
        c
    }

    pub fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.into(), params);
        self.conn.sender.send(Message::Notification(n)).unwrap();
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        let req = Request::new(id.clone(), method.into(), params);
        self.conn.sender.send(Message::Request(req)).unwrap();
        loop {
            let msg = self
                .conn
                .receiver
                .recv_timeout(Duration::from_secs(60))
                .expect("the server answers");
            match msg {
                Message::Response(r) if r.id == id => {
                    return match r.response_result {
                        Ok(v) => v,
                        Err(e) => panic!("{method}: {e:?}"),
                    };
                }
                Message::Notification(n) => self.record(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    pub fn record(&mut self, n: Notification) {
        assert_eq!(n.method, "textDocument/publishDiagnostics");
        let uri = n.params["uri"].as_str().unwrap().to_string();
        let diags = n.params["diagnostics"].as_array().unwrap().clone();
        *self.publishes.entry(uri.clone()).or_default() += 1;
        self.published.insert(uri, diags);
    }

    pub fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        self.versions.insert(uri(path), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// Replace the whole buffer (unsaved).
    pub fn change(&mut self, path: &Path, text: &str) {
        let v = self.versions.entry(uri(path)).or_default();
        *v += 1;
        let v = *v;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": v},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// Apply a `TextEdit` to the buffer as an editor does (ranged change).
    pub fn apply(&mut self, path: &Path, edit: &Value) {
        let v = self.versions.entry(uri(path)).or_default();
        *v += 1;
        let v = *v;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": v},
                   "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
        );
    }

    /// Wait until every change sent so far is analysed and published: a
    /// request is answered only after pending analyses ran.
    pub fn sync(&mut self, path: &Path) {
        self.hover(path, 0, 0);
    }

    pub fn diagnostics(&mut self, path: &Path) -> Vec<Value> {
        self.sync(path);
        self.published.get(&uri(path)).cloned().unwrap_or_default()
    }

    pub fn at(path: &Path, line: u32, character: u32) -> Value {
        json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
    }

    pub fn hover(&mut self, path: &Path, line: u32, character: u32) -> Value {
        self.request("textDocument/hover", Self::at(path, line, character))
    }

    pub fn definition(&mut self, path: &Path, line: u32, character: u32) -> Vec<Value> {
        let r = self.request("textDocument/definition", Self::at(path, line, character));
        r.as_array().cloned().unwrap_or_default()
    }

    pub fn references(&mut self, path: &Path, line: u32, character: u32) -> Vec<Value> {
        let mut p = Self::at(path, line, character);
        p["context"] = json!({"includeDeclaration": false});
        let r = self.request("textDocument/references", p);
        r.as_array().cloned().unwrap()
    }

    pub fn actions(&mut self, path: &Path, line: u32) -> Vec<Value> {
        let r = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(path)},
                   "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 200}},
                   "context": {"diagnostics": []}}),
        );
        r.as_array().cloned().unwrap()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(h) = self.server.take() {
            h.join().unwrap();
        }
    }
}

pub fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

pub fn range(d: &Value) -> (u64, u64, u64, u64) {
    let r = &d["range"];
    let n = |v: &Value| v.as_u64().unwrap();
    (
        n(&r["start"]["line"]),
        n(&r["start"]["character"]),
        n(&r["end"]["line"]),
        n(&r["end"]["character"]),
    )
}

pub fn find<'a>(diags: &'a [Value], code: &str) -> &'a Value {
    diags
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diags:#?}"))
}

pub fn hover_text(h: &Value) -> String {
    h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub fn target(l: &Value) -> (String, u64) {
    (
        l["uri"].as_str().unwrap().to_string(),
        l["range"]["start"]["line"].as_u64().unwrap(),
    )
}
