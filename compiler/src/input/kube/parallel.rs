//! Lowering the objects (every kind but Namespaces, lowered before) on two
//! threads. The documents are cut into two contiguous halves of about equal
//! bytes; the first is lowered into the main state, the second on a scoped
//! thread into a fragment whose topology starts as a copy of the namespace
//! table, and `merge.rs` appends the fragment so that the result is exactly
//! that of lowering every document in order. Small inputs, and runs where a
//! thread cannot be started, are lowered in order on the calling thread.
//!
//! Split, each lowering thread frees its own documents' trees as it goes:
//! with both cores lowering, a third thread freeing was as fast at best
//! and often slower (measured at 100k objects).

use super::{Cx, Object, flatten, merge};
use crate::ir::Topology;
use crate::syntax::{Document, Value};
use std::sync::mpsc::Sender;

/// What the first flattening learnt of one document.
pub(super) struct DocShape {
    /// How many objects it flattens to (its slice of the dedupe flags).
    pub objects: usize,
    /// Its cluster (index into `Cx::clusters`, complete after flattening).
    pub cluster: usize,
}

/// Below this many objects a second thread costs more than it saves.
const MIN_OBJECTS: usize = 512;

/// How `lower_objects` splits the documents.
#[derive(Debug, Clone, Copy)]
pub(super) enum Split {
    /// By size: halves of about equal bytes, none for small inputs.
    Auto,
    /// In order, on the calling thread.
    #[cfg(test)]
    Never,
    /// The second thread lowers the documents from this index on.
    #[cfg(test)]
    At(usize),
}

#[cfg(test)]
thread_local! {
    /// The split the tests force (`split_tests.rs`).
    pub(super) static FORCE: std::cell::Cell<Split> = const { std::cell::Cell::new(Split::Auto) };
    /// How many documents the last lowering on this thread had.
    pub(super) static DOCUMENTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn split() -> Split {
    #[cfg(test)]
    return FORCE.with(std::cell::Cell::get);
    #[cfg(not(test))]
    Split::Auto
}

/// Where the second half starts, if the input is split at all.
fn split_point(docs: &[Document], shape: &[DocShape]) -> Option<usize> {
    #[cfg(test)]
    DOCUMENTS.with(|d| d.set(docs.len()));
    match split() {
        Split::Auto => {}
        #[cfg(test)]
        Split::Never => return None,
        #[cfg(test)]
        Split::At(at) => return (at > 0 && at < docs.len()).then_some(at),
    }
    if shape.iter().map(|s| s.objects).sum::<usize>() < MIN_OBJECTS {
        return None;
    }
    // Lines are the cost proxy: lowering and freeing a document both follow
    // the size of its tree.
    let size =
        |d: &Document| d.root.span.end.line.saturating_sub(d.root.span.start.line) as usize + 1;
    let total: usize = docs.iter().map(size).sum();
    let mut sum = 0;
    let at = docs.iter().position(|d| {
        sum += size(d);
        sum * 2 >= total
    })?;
    let at = at + 1;
    (at < docs.len()).then_some(at)
}

/// Lower the objects of `docs` into `cx`, the ones `keep` flags (one flag
/// per object of the first flattening, in order).
pub(super) fn lower_objects(cx: &mut Cx, docs: &mut [Document], shape: &[DocShape], keep: &[bool]) {
    let Some((at, fragment)) =
        split_point(docs, shape).and_then(|at| Some((at, fragment_topology(cx.t)?)))
    else {
        sequential(cx, docs, shape, keep);
        return;
    };
    let (docs1, docs2) = docs.split_at_mut(at);
    let (shape1, shape2) = shape.split_at(at);
    let first = shape1.iter().map(|s| s.objects).sum();
    let (keep1, keep2) = keep.split_at(first);
    let base = cx.t.namespaces.len();
    let clusters = cx.clusters.clone();
    let spawned = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("lower-kube".into())
            .spawn_scoped(scope, move || {
                let mut t = fragment;
                let mut diags = Vec::new();
                let mut fcx = Cx::new(&mut t, &mut diags);
                fcx.clusters = clusters;
                fcx.log = Some(Vec::new());
                lower_docs(&mut fcx, docs2, shape2, keep2, None);
                let parts = merge::Parts::of(fcx);
                merge::Fragment { t, diags, parts }
            });
        lower_docs(cx, docs1, shape1, keep1, None);
        match worker {
            Ok(handle) => match handle.join() {
                Ok(fragment) => {
                    merge::merge(cx, fragment, base);
                    true
                }
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => false,
        }
    });
    if !spawned {
        sequential(cx, &mut docs[at..], &shape[at..], &keep[first..]);
    }
}

/// Every document in order on this thread. Freeing the trees (~10M nodes
/// at 100k objects, allocated on the parser threads) took a third of this
/// phase; a helper thread frees them while the next documents are lowered.
/// Freeing has no observable effect, so the result is the same whether the
/// thread starts or not.
fn sequential(cx: &mut Cx, docs: &mut [Document], shape: &[DocShape], keep: &[bool]) {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Vec<Value>>();
        let freer = std::thread::Builder::new()
            .name("free-trees".into())
            .spawn_scoped(scope, move || rx.into_iter().for_each(drop));
        let tx = freer.is_ok().then_some(tx);
        lower_docs(cx, docs, shape, keep, tx);
    });
}

/// The fragment's topology: the namespace table of `t` and nothing else,
/// interned so that every id means what it means in `t`; None when `t`'s
/// table cannot be reproduced (then the input is lowered in order).
fn fragment_topology(t: &Topology) -> Option<Topology> {
    let mut f = Topology::default();
    for (i, n) in t.namespaces.iter().enumerate() {
        let id = f.intern_namespace_in(n.cluster.as_deref(), &n.name, n.origin);
        if id.index() != i {
            return None;
        }
    }
    f.namespaces.clone_from(&t.namespaces);
    Some(f)
}

/// Lower the objects of `docs` into `cx`, freeing each document's tree
/// once its objects are lowered (through `tx` when a freeing thread runs).
fn lower_docs(
    cx: &mut Cx,
    docs: &mut [Document],
    shape: &[DocShape],
    keep: &[bool],
    tx: Option<Sender<Vec<Value>>>,
) {
    let mut batch = Vec::new();
    let mut keep = keep.iter().copied();
    for (doc, s) in docs.iter_mut().zip(shape) {
        // The same objects as the first flattening, in the same order; its
        // diagnostics were reported then.
        let mut again: Vec<Object> = Vec::with_capacity(s.objects);
        let reported = cx.diags.len();
        cx.cluster = s.cluster;
        flatten(&doc.root, None, &mut again, cx);
        cx.diags.truncate(reported);
        for (o, keep) in again.iter().zip(keep.by_ref()) {
            if keep {
                cx.object(o);
            }
        }
        drop(again);
        let tree = std::mem::replace(&mut doc.root.value, Value::Null);
        doc.root.tag = None;
        match &tx {
            None => drop(tree),
            Some(tx) => {
                batch.push(tree);
                if batch.len() >= 256 {
                    // A send fails only if the thread is gone: free here.
                    drop(tx.send(std::mem::take(&mut batch)));
                }
            }
        }
    }
}
