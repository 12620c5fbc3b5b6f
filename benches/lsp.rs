//! `topoc lsp` latency (issue 17): a keystroke in a 10k-object workspace
//! until the server has republished (BENCHMARKS.md, "Language server").
//!
//! The workspace is `topoc-gen kube --objects 10000 --dir` (one file per
//! namespace, about 1,250 files) plus a probe Service in one of them whose
//! selector matches nothing. Each iteration types one character into the
//! open buffer's selector value (unsaved: a ranged `didChange`) and waits
//! for the `publishDiagnostics` of that file, whose finding names the
//! selector. The time includes the server's debounce (25 ms, the default).
//! `TOPOC_BENCH_LSP_OBJECTS=N` changes the size.
//!
//! The server is the shipped `topoc lsp` process over stdio, as an editor
//! starts it: a whole process with the binary's allocator (mimalloc), not
//! the library in this process (which would run on the system allocator).
//! `TOPOC_BENCH_LSP_TIMING=1` passes `--timing` (per-analysis times on the
//! server's stderr).

#[allow(dead_code, unused_imports)]
#[path = "../compiler/src/bin/topoc_gen/synth/mod.rs"]
mod synth;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

fn main() {
    divan::Divan::from_args()
        .sample_count(30)
        .sample_size(1)
        .main();
}

struct Session {
    client: Connection,
    uri: String,
    version: i32,
    /// Line and character of the digit typed over.
    at: (u32, u32),
    _dir: tempfile::TempDir,
}

const PROBE: &str = "---\napiVersion: v1\nkind: Service\nmetadata: {name: lsp-probe}\nspec:\n  selector: {app: nothing-0}\n  ports: [{port: 80}]\n";

fn session() -> &'static Mutex<Session> {
    static S: OnceLock<Mutex<Session>> = OnceLock::new();
    S.get_or_init(|| {
        let objects = std::env::var("TOPOC_BENCH_LSP_OBJECTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let files = synth::kube::generate(objects, 1);
        for f in &files {
            std::fs::write(root.join(&f.name), &f.text).unwrap();
        }
        let probe = root.join(&files[files.len() / 2].name);
        let text = format!("{}{PROBE}", std::fs::read_to_string(&probe).unwrap());
        let line = text.lines().count() as u32 - 2;
        let at = (line, "  selector: {app: nothing-".len() as u32);
        std::fs::write(&probe, &text).unwrap();
        let client = spawn_server();
        let root_uri = format!("file://{}", root.display());
        let uri = format!("file://{}", probe.display());
        let init = Request::new(
            RequestId::from(1),
            "initialize".into(),
            json!({"processId": null, "rootUri": root_uri, "capabilities": {},
                   "workspaceFolders": [{"uri": root_uri, "name": "bench"}]}),
        );
        client.sender.send(Message::Request(init)).unwrap();
        let _ = client.receiver.recv().unwrap();
        notify(&client, "initialized", json!({}));
        notify(
            &client,
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
        let mut s = Session {
            client,
            uri,
            version: 1,
            at,
            _dir: dir,
        };
        wait_publish(&s);
        // Let the first analysis's publishes of other files drain.
        while s
            .client
            .receiver
            .recv_timeout(Duration::from_millis(500))
            .is_ok()
        {}
        s.version += 0;
        Mutex::new(s)
    })
}

/// `topoc lsp` as a child process, bridged to an in-memory connection: one
/// thread writes what the bench sends to the child's stdin, one reads the
/// child's stdout into the bench's receiver.
fn spawn_server() -> Connection {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_topoc"));
    cmd.arg("lsp");
    if std::env::var_os("TOPOC_BENCH_LSP_TIMING").is_some() {
        cmd.arg("--timing");
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("topoc lsp starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (bridge, client) = Connection::memory();
    let Connection { sender, receiver } = bridge;
    std::thread::spawn(move || {
        for m in receiver {
            if m.write(&mut stdin).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        while let Ok(Some(m)) = Message::read(&mut stdout) {
            if sender.send(m).is_err() {
                break;
            }
        }
        // Reap the server once its output ends.
        let _ = child.wait();
    });
    client
}

fn notify(c: &Connection, method: &str, params: Value) {
    let n = Notification::new(method.into(), params);
    c.sender.send(Message::Notification(n)).unwrap();
}

/// Wait for the next publish of the probe file.
fn wait_publish(s: &Session) -> Value {
    loop {
        match s.client.receiver.recv_timeout(Duration::from_secs(120)) {
            Ok(Message::Notification(n))
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == s.uri =>
            {
                return n.params;
            }
            Ok(_) => {}
            Err(e) => panic!("no publish: {e}"),
        }
    }
}

#[divan::bench]
fn keystroke_republish(bencher: divan::Bencher) {
    let s = session();
    bencher.bench_local(|| {
        let mut s = s.lock().unwrap();
        s.version += 1;
        let digit = (s.version % 10).to_string();
        let (line, ch) = s.at;
        let uri = s.uri.clone();
        let version = s.version;
        notify(
            &s.client,
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": {"line": line, "character": ch},
                                                 "end": {"line": line, "character": ch + 1}},
                                       "text": digit}]}),
        );
        let published = wait_publish(&s);
        let expected = format!("selector app=nothing-{digit})");
        assert!(
            published["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["message"].as_str().unwrap().contains(&expected)),
            "{published}"
        );
    });
}
