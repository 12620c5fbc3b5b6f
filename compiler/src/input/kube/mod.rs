//! The Kubernetes front end (workloads, Services, Ingresses, NetworkPolicies,
//! Namespaces; Istio routing objects) — lowered into the IR.

use super::Loaded;
use crate::syntax::Document;

/// Lower Kubernetes documents (already classified) into `loaded.topology`.
pub fn lower(loaded: &mut Loaded, docs: Vec<Document>) {
    let _ = (loaded, docs);
}
