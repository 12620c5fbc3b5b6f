//! Where topoc and docker compose disagree, and why. The test fails when a
//! case listed here agrees again (so the list stays true) or when a case
//! disagrees without being listed.

/// Deliberately stricter (issue 11 item 4): docker compose loads the project
/// but the engine would refuse it; topoc refuses it with a finding that
/// says what docker compose does (the test checks the finding says so).
pub const STRICTER: &[(&str, &str)] = &[
    (
        "loading/12/g-b2-port-target-zero-long",
        "long-syntax `target: 0`: no container port",
    ),
    ("loading/15/g-expose-05", "`expose: abc` is no port"),
    (
        "loading/15/g-port-l16",
        "`published: 65536` is out of range",
    ),
    (
        "loading/15/g-net-ipam-invalid-subnet",
        "subnet `not-a-subnet` is no CIDR",
    ),
    ("gen/port-long-12", "protocol `icmp` cannot be published"),
    ("gen/port-long-17", "`target: 65536` is out of range"),
    ("gen/port-long-18", "`published: 65536` is out of range"),
    (
        "gen/port-long-20",
        "long-syntax `target: 0`: no container port",
    ),
    ("gen/port-long-25", "`published: abc` is no port"),
    ("gen/expose-04", "`expose: 70000` is out of range"),
    ("gen/expose-06", "`expose: 80-79` is an empty range"),
    ("gen/expose-07", "`expose: 80/icmp`: no such protocol"),
    ("gen/expose-10", "`expose: -1` is no port"),
    (
        "gen/svc-address-03",
        "`ipv4_address: 10.5.0.300` is no address",
    ),
    (
        "gen/top-network-34",
        "subnet `10.0.0.0/33` has an impossible prefix",
    ),
];

/// Other disagreements, each with its reason.
pub const KNOWN: &[(&str, &str)] = &[(
    "gen/port-long-26",
    "an unknown key in a long-syntax port: compose's schema refuses it, topoc warns (TOPO010 unknown-key) and goes on",
)];

/// Classes of disagreement recognised by docker compose's refusal message
/// (topoc loads these on purpose), so that fixtures added later fall in
/// them without a list entry: (part of compose's message, reason).
pub const KNOWN_CLASSES: &[(&str, &str)] = &[
    (
        "has neither an image nor a build context specified",
        "a service with neither `image` nor `build` (an override or layer file loaded alone): compose refuses the project, topoc loads it (a network model needs neither; `compile` warns TOPO608)",
    ),
    (
        "invalid spec:",
        "compose refuses a volume spec; volumes are not part of topoc's network model and are not validated",
    ),
];
