//! Property tests: arbitrary compose-shaped input never panics, and the same
//! bytes always give the same diagnostics (determinism).

use proptest::prelude::*;
use topoc::diagnostic::{self, Format, Summary};
use topoc::driver;
use topoc::input::{Input, LoadOptions};

fn check(text: &str) -> String {
    let a = driver::analyze(&[Input::Stdin(text.to_string())], &LoadOptions::default());
    let s = Summary::of(&a.diagnostics, &a.loaded.sources, 0);
    diagnostic::render(Format::Json, &a.diagnostics, &a.loaded.sources, &s, false)
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("80".to_string()),
        Just("\"8080:80\"".to_string()),
        Just("\"127.0.0.1:5432:5432/udp\"".to_string()),
        Just("\"a:b:c:d\"".to_string()),
        Just("web".to_string()),
        Just("db".to_string()),
        Just("front".to_string()),
        Just("host".to_string()),
        Just("\"service:web\"".to_string()),
        Just("10.0.0.0/33".to_string()),
        Just("\"${X:-1}\"".to_string()),
        Just("\"${Y:?}\"".to_string()),
        Just("postgres://db:5432/x".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        "[a-z:/0-9.$-]{0,12}",
    ]
}

const KEYS: &[&str] = &[
    "image",
    "ports",
    "expose",
    "networks",
    "network_mode",
    "depends_on",
    "links",
    "environment",
    "profiles",
    "extends",
    "x-topoc",
    "aliases",
    "ipv4_address",
    "ipam",
    "config",
    "subnet",
    "internal",
];

/// A random nested document using compose vocabulary.
fn doc() -> impl Strategy<Value = String> {
    let leaf = scalar();
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn compose_shaped_input_never_panics_and_is_deterministic(
        services in prop::collection::vec(("[a-c]", doc()), 0..4),
        networks in doc(),
    ) {
        let mut text = String::from("services:\n");
        for (name, body) in &services {
            text.push_str(&format!("  {name}: {body}\n"));
        }
        text.push_str(&format!("networks: {networks}\n"));
        let first = check(&text);
        prop_assert_eq!(first, check(&text));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = check(&text);
    }
}
