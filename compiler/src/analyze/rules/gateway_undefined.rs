//! ## gateway-undefined (TOPO508, warning)
//!
//! A VirtualService's `gateways:` lists the Gateways (`name` in its own
//! namespace, or `namespace/name`) whose proxies apply its routes; `mesh`
//! is the reserved name of every sidecar. A name the input defines no
//! Gateway for binds the routes to nothing.

use super::kube_common::resource;
use super::mesh_common::named_gateway;
use super::{Rule, fixture};
use crate::analyze::Context;
use crate::diagnostic::{Diagnostic, GATEWAY_UNDEFINED};
use crate::ir::MESH_GATEWAY;

pub static RULE: Rule = Rule {
    code: &GATEWAY_UNDEFINED,
    doc: "A VirtualService applies its routes on the proxies of the Gateways named in \
`gateways:` — `name` for a Gateway of the VirtualService's namespace, `namespace/name` \
otherwise — and on every sidecar when the list is empty or names the reserved `mesh`. A \
name without a Gateway of that namespace in the input binds the routes to nothing: typically \
a Gateway in another namespace named without its `namespace/` prefix, or a typo. (Listing \
gateways without `mesh` also takes the routes away from sidecar traffic: topoc derives route \
intents from clients only for VirtualServices that apply to the mesh, and from the pods of \
each bound Gateway of the input.) Name the Gateway as \
`namespace/name`, or define it.",
    fail_example: fixture!("gateway-undefined", "fail"),
    pass_example: fixture!("gateway-undefined", "pass"),
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let t = ctx.topology;
    let mut out = Vec::new();
    for vs in &t.virtual_services {
        for (name, origin) in &vs.gateways {
            if name == MESH_GATEWAY || named_gateway(t, vs, name).is_some() {
                continue;
            }
            let vs_ns = &t.namespace(vs.namespace).name;
            let elsewhere: Vec<String> = t
                .gateways
                .iter()
                .filter(|g| &g.name == name && t.same_cluster(g.namespace, vs.namespace))
                .map(|g| format!("{}/{}", t.namespace(g.namespace).name, g.name))
                .collect();
            let mut d = Diagnostic::new(
                &GATEWAY_UNDEFINED,
                origin.span,
                format!(
                    "VirtualService `{}` is bound to Gateway `{name}`, which is not defined{}",
                    vs.name,
                    if name.contains('/') {
                        String::new()
                    } else {
                        format!(" in namespace `{vs_ns}`")
                    }
                ),
            )
            .with_resource(resource(t, "VirtualService", vs.namespace, &vs.name));
            d = match elsewhere.first() {
                Some(other) => d.with_help(format!("did you mean `{other}`?")),
                None => d.with_help("define the Gateway, or name it as `namespace/name`"),
            };
            out.push(d);
        }
    }
    out
}
