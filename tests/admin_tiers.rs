//! AdminNetworkPolicy / BaselineAdminNetworkPolicy tiers end to end: the
//! connlist line a fixture yields, and `explain` naming the deciding rules
//! with priority, action and file:line.

use std::process::Command;

const FIXTURE: &str = "tests/fixtures/admin/pass-then-baseline.yaml";

fn topoc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn tiers_decide_per_connection() {
    let (code, out) = topoc(&["connectivity", FIXTURE]);
    assert_eq!(code, 0, "{out}");
    // Named port allowed by the ANP; every other TCP port denied by it; UDP
    // 1000-2000 passed, of which the BANP denies 1000-1500; the rest of UDP
    // and SCTP fall through to the BANP (denies UDP 1-1500) and the default.
    assert!(
        out.lines().any(|l| l
            == "tools/client[Deployment] => shop/db[Deployment] : SCTP 1-65535,TCP 5432,UDP 1501-65535"),
        "{out}"
    );
}

#[test]
fn explain_names_the_deciding_admin_rules() {
    let (code, out) = topoc(&[
        "explain",
        FIXTURE,
        "--from",
        "tools/client",
        "--to",
        "shop/db",
        "--port",
        "1200/udp",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("DENIED: tools/client[Deployment] => shop/db[Deployment] on 1200/udp"),
        "{out}"
    );
    for want in [
        "AdminNetworkPolicy guard-shop (priority 5) ingress rule #1 `allow-pg` (tests/fixtures/admin/pass-then-baseline.yaml:62): Allow TCP 5432",
        "AdminNetworkPolicy guard-shop (priority 5) ingress rule #2 `pass-udp-range` (tests/fixtures/admin/pass-then-baseline.yaml:70): Pass UDP 1000-2000",
        "AdminNetworkPolicy guard-shop (priority 5) ingress rule #3 `deny-tcp` (tests/fixtures/admin/pass-then-baseline.yaml:79): Deny TCP 1-5431,5433-65535",
        "BaselineAdminNetworkPolicy default ingress rule #1 `deny-udp` (tests/fixtures/admin/pass-then-baseline.yaml:99): Deny UDP 1-1500",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
}
