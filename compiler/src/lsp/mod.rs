//! `topoc lsp`: the Language Server Protocol over a connection (stdio for
//! the CLI, in memory for tests), with rust-analyzer's `lsp-server`.
//!
//! This layer, like `cli/`, owns I/O: it talks to the client, keeps the
//! open buffers (`documents`), maps each file to the root it is analysed
//! with (`project`), runs the ordinary pipeline (`driver::analyze_with`)
//! with the buffers as a `source::Overlay`, and publishes the findings
//! (`diagnostics`). The pipeline itself stays pure: it only ever reads
//! through the source map. Hover (`hover`), definition and references
//! (`navigate`) and code actions (`actions`) read the last analysis.
//!
//! Changes are debounced: an analysis runs once the client has been quiet
//! for `Options::debounce`, or at once when a request needs it.

mod actions;
mod diagnostics;
mod documents;
mod hover;
mod navigate;
mod project;
mod text;

pub use text::Encoding;

use crate::input::LoadOptions;
use documents::Documents;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use project::Project;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the server loads inputs (the CLI's environment and Helm renderer).
#[derive(Clone)]
pub struct Options {
    pub load: LoadOptions,
    /// Quiet time after a change before the analysis runs.
    pub debounce: Duration,
    /// Print how long each analysis and publication took (stderr).
    pub timing: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            load: LoadOptions::default(),
            debounce: Duration::from_millis(25),
            timing: false,
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Serve over stdin/stdout until the client says `exit`.
pub fn serve_stdio(opts: Options) -> Result<(), Error> {
    let (conn, io) = Connection::stdio();
    let served = serve(&conn, opts);
    // The writer thread ends when the last sender is gone: drop ours first,
    // or a client that closes stdin without `exit` leaves the process
    // waiting forever.
    drop(conn);
    io.join()?;
    served?;
    Ok(())
}

/// Serve one client on `conn`: the handshake, then messages until `exit`.
pub fn serve(conn: &Connection, opts: Options) -> Result<(), Error> {
    let (id, params) = conn.initialize_start()?;
    let init: lsp::InitializeParams = serde_json::from_value(params)?;
    let encoding = negotiate(&init);
    let capabilities = capabilities(encoding);
    let result = lsp::InitializeResult {
        capabilities,
        server_info: Some(lsp::ServerInfo {
            name: "topoc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    conn.initialize_finish(id, serde_json::to_value(result)?)?;
    let mut opts = opts;
    opts.load.parse_cache = Some(Default::default());
    let mut server = Server {
        conn,
        opts,
        encoding,
        folders: folders(&init),
        documents: Documents::default(),
        projects: BTreeMap::new(),
        dirty: BTreeSet::new(),
        edited: BTreeSet::new(),
    };
    server.run()
}

/// UTF-8 when the client offers it (no conversion on either side), else
/// UTF-16, the protocol's default.
fn negotiate(init: &lsp::InitializeParams) -> Encoding {
    let offered = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn capabilities(enc: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(match enc {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// The workspace folders (or the root URI of older clients).
fn folders(init: &lsp::InitializeParams) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = init
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| text::path_of(&f.uri))
        .collect();
    #[allow(deprecated)]
    if out.is_empty()
        && let Some(p) = init.root_uri.as_ref().and_then(text::path_of)
    {
        out.push(p);
    }
    out.into_iter()
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect()
}

struct Server<'a> {
    conn: &'a Connection,
    opts: Options,
    encoding: Encoding,
    folders: Vec<PathBuf>,
    documents: Documents,
    projects: BTreeMap<PathBuf, Project>,
    /// Roots whose inputs changed since their last analysis.
    dirty: BTreeSet<PathBuf>,
    /// The files changed since the last analysis: their findings are
    /// published before those of the rest of the root.
    edited: BTreeSet<PathBuf>,
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), Error> {
        loop {
            let msg = if self.dirty.is_empty() {
                match self.conn.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                }
            } else {
                match self.conn.receiver.recv_timeout(self.opts.debounce) {
                    Ok(m) => m,
                    Err(crossbeam_timeout) => {
                        if crossbeam_timeout.is_disconnected() {
                            return Ok(());
                        }
                        self.flush()?;
                        continue;
                    }
                }
            };
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req)? {
                        return Ok(());
                    }
                    // Answers are about the buffers as they are now.
                    self.flush()?;
                    let resp = self.request(req);
                    self.conn.sender.send(Message::Response(resp))?;
                }
                Message::Notification(n) => {
                    if n.method == lsp::notification::Exit::METHOD {
                        return Ok(());
                    }
                    self.notification(n);
                }
                Message::Response(_) => {}
            }
        }
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::*;
        let changed: Vec<PathBuf> = match n.method.as_str() {
            DidOpenTextDocument::METHOD => params::<lsp::DidOpenTextDocumentParams>(n)
                .and_then(|p| {
                    let d = p.text_document;
                    self.documents.open(d.uri, d.version, d.text)
                })
                .into_iter()
                .collect(),
            DidChangeTextDocument::METHOD => params::<lsp::DidChangeTextDocumentParams>(n)
                .and_then(|p| {
                    let d = p.text_document;
                    self.documents
                        .change(&d.uri, d.version, p.content_changes, self.encoding)
                })
                .into_iter()
                .collect(),
            DidSaveTextDocument::METHOD => params::<lsp::DidSaveTextDocumentParams>(n)
                .and_then(|p| text::path_of(&p.text_document.uri))
                .into_iter()
                .collect(),
            DidCloseTextDocument::METHOD => params::<lsp::DidCloseTextDocumentParams>(n)
                .and_then(|p| self.documents.close(&p.text_document.uri))
                .into_iter()
                .collect(),
            DidChangeWatchedFiles::METHOD => params::<lsp::DidChangeWatchedFilesParams>(n)
                .map(|p| {
                    p.changes
                        .iter()
                        .filter_map(|c| text::path_of(&c.uri))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for path in changed.iter().filter(|p| is_input(p)) {
            let root = project::root_of(path, &self.folders);
            self.dirty.insert(root);
            self.edited
                .insert(std::path::absolute(path).unwrap_or_else(|_| path.clone()));
        }
    }

    /// Re-analyse every dirty root and publish what changed.
    fn flush(&mut self) -> Result<(), Error> {
        let overlay = self.documents.overlay();
        for root in std::mem::take(&mut self.dirty) {
            let started = std::time::Instant::now();
            let analysis = Project::analyze(&root, &self.opts.load, overlay.clone());
            let analysed = started.elapsed();
            let project = match self.projects.entry(root.clone()) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    let p = e.into_mut();
                    p.replace(analysis);
                    p
                }
                std::collections::btree_map::Entry::Vacant(e) => e.insert(Project::new(analysis)),
            };
            let diags = &project.analysis.diagnostics;
            let sources = &project.analysis.loaded.sources;
            let old = std::mem::take(&mut project.published);
            // The edited files first (the one being typed in is what the
            // user waits for), then the rest of the root; only what changed
            // goes out, not every file of a large workspace.
            let edited = &self.edited;
            let mut now =
                diagnostics::by_file(diags, sources, self.encoding, |p| edited.contains(p));
            for path in edited {
                let new = now.get(path);
                if old.get(path) != new {
                    let new = new.cloned().unwrap_or_default();
                    publish(self.conn, text::uri_of(path), new)?;
                }
            }
            let rest = diagnostics::by_file(diags, sources, self.encoding, |p| !edited.contains(p));
            for (path, diags) in &rest {
                if old.get(path) != Some(diags) {
                    publish(self.conn, text::uri_of(path), diags.clone())?;
                }
            }
            now.extend(rest);
            let cleared = old
                .keys()
                .filter(|p| !now.contains_key(*p) && !edited.contains(*p));
            for path in cleared {
                publish(self.conn, text::uri_of(path), Vec::new())?;
            }
            project.published = now;
            if self.opts.timing {
                eprintln!(
                    "topoc lsp: {}: analysis {:.1} ms, publish {:.1} ms",
                    root.display(),
                    analysed.as_secs_f64() * 1e3,
                    (started.elapsed() - analysed).as_secs_f64() * 1e3
                );
            }
        }
        self.edited.clear();
        if let Some(cache) = &self.opts.load.parse_cache {
            cache.finish_run();
        }
        Ok(())
    }

    /// The analysed project holding the file of `uri`, analysing it first
    /// if no analysis covers it yet.
    fn project_of(&mut self, uri: &lsp::Uri) -> Option<&Project> {
        let path = text::path_of(uri)?;
        let root = project::root_of(&path, &self.folders);
        if !self.projects.contains_key(&root) {
            self.dirty.insert(root.clone());
            self.flush().ok()?;
        }
        self.projects.get(&root)
    }

    fn request(&mut self, req: Request) -> Response {
        use lsp::request::*;
        let id = req.id.clone();
        let enc = self.encoding;
        let result = match req.method.as_str() {
            HoverRequest::METHOD => self.with::<lsp::HoverParams, _>(req, |s, p| {
                let at = p.text_document_position_params;
                let project = s.project_of(&at.text_document.uri)?;
                let path = text::path_of(&at.text_document.uri)?;
                hover::hover(project, &path, at.position, enc)
            }),
            GotoDefinition::METHOD => self.with::<lsp::GotoDefinitionParams, _>(req, |s, p| {
                let at = p.text_document_position_params;
                let project = s.project_of(&at.text_document.uri)?;
                let path = text::path_of(&at.text_document.uri)?;
                let found = navigate::definition(project, &path, at.position, enc);
                (!found.is_empty()).then_some(lsp::GotoDefinitionResponse::Array(found))
            }),
            References::METHOD => self.with::<lsp::ReferenceParams, _>(req, |s, p| {
                let at = p.text_document_position;
                let project = s.project_of(&at.text_document.uri)?;
                let path = text::path_of(&at.text_document.uri)?;
                let decl = p.context.include_declaration;
                Some(navigate::references(project, &path, at.position, decl, enc))
            }),
            CodeActionRequest::METHOD => self.with::<lsp::CodeActionParams, _>(req, |s, p| {
                let project = s.project_of(&p.text_document.uri)?;
                let path = text::path_of(&p.text_document.uri)?;
                Some(actions::actions(project, &path, p.range, enc))
            }),
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("unsupported request {}", req.method),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(msg) => Response::new_err(id, ErrorCode::InvalidParams as i32, msg),
        }
    }

    /// Decode a request's parameters, answer with `f` (None is `null`).
    fn with<P, R>(
        &mut self,
        req: Request,
        f: impl FnOnce(&mut Self, P) -> Option<R>,
    ) -> Result<serde_json::Value, String>
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let p: P = serde_json::from_value(req.params).map_err(|e| e.to_string())?;
        serde_json::to_value(f(self, p)).map_err(|e| e.to_string())
    }
}

fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
    serde_json::from_value(n.params).ok()
}

/// Files whose change can change an analysis: YAML and JSON inputs,
/// `topoc.yaml`, `.env` files.
fn is_input(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(ext, "yaml" | "yml" | "json") || name.starts_with(".env") || name.ends_with(".env")
}

fn publish(
    conn: &Connection,
    uri: lsp::Uri,
    diagnostics: Vec<lsp::Diagnostic>,
) -> Result<(), Error> {
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    conn.sender.send(Message::Notification(Notification::new(
        lsp::notification::PublishDiagnostics::METHOD.into(),
        params,
    )))?;
    Ok(())
}
