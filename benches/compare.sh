#!/usr/bin/env bash
# Side-by-side on the same generated manifests (BENCHMARKS.md):
#   topoc connectivity  vs  network-config-analyzer's connectivity query
#   topoc check         vs  checkov's Kubernetes scan
# Usage: bash benches/compare.sh            (sizes 300 and 900 objects)
#        SIZES="300" RUNS=5 bash benches/compare.sh
# The Python tools go into venvs outside the repository (VENV, default
# /tmp/bench-venv for network-config-analyzer, $VENV-checkov for checkov: their
# dependency pins differ). Results: $OUT/compare-N.json (hyperfine) and a
# table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/topoc-bench}
VENV=${VENV:-/tmp/bench-venv}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"300 900"}
SEED=${SEED:-1}
mkdir -p "$OUT"

command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null
if [ ! -x "$VENV/bin/nca" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q network-config-analyzer
fi
if [ ! -x "$VENV-checkov/bin/checkov" ]; then
  python3 -m venv "$VENV-checkov"
  "$VENV-checkov/bin/pip" install -q checkov
fi
cargo build --release --bin topoc --bin topoc-gen

for n in $SIZES; do
  dir="$OUT/k8s-$n"
  rm -rf "$dir"
  target/release/topoc-gen kube --objects "$n" --seed "$SEED" --out "$dir" --dir
  topoc_conn="target/release/topoc connectivity $dir"
  topoc_check="target/release/topoc check $dir --format concise"
  nca="$VENV/bin/nca --connectivity $dir --resource_list $dir --output_format txt"
  checkov="$VENV-checkov/bin/checkov -d $dir --framework kubernetes --compact --quiet"
  # Findings make topoc check and checkov exit 1: -i keeps hyperfine going.
  hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$OUT/compare-$n.json" \
    -n "topoc connectivity" "$topoc_conn" \
    -n "nca connectivity" "$nca" \
    -n "topoc check" "$topoc_check" \
    -n "checkov kubernetes" "$checkov" >/dev/null
  # Peak memory of one run each (KB).
  for cmd in "$topoc_conn" "$nca" "$topoc_check" "$checkov"; do
    /usr/bin/time -f "%M" -o "$OUT/rss.tmp" $cmd >/dev/null 2>&1 || true
    tail -n 1 "$OUT/rss.tmp"
  done >"$OUT/rss-$n.txt"
done

python3 - "$OUT" $SIZES <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
print("| objects | command | mean (s) | ± σ | peak RSS (MB) | ratio to topoc |")
print("|---:|---|---:|---:|---:|---:|")
for n in sizes:
    res = json.load(open(f"{out}/compare-{n}.json"))["results"]
    rss = [int(x) / 1024 for x in open(f"{out}/rss-{n}.txt").read().split()]
    t = {r["command"]: r for r in res}
    base = {"nca connectivity": "topoc connectivity", "checkov kubernetes": "topoc check"}
    for i, r in enumerate(res):
        name = r["command"]
        ratio = ""
        if name in base:
            ratio = f"{r['mean'] / t[base[name]]['mean']:.0f}×"
        print(f"| {n} | {name} | {r['mean']:.3f} | {r['stddev']:.3f} | {rss[i]:.0f} | {ratio} |")
PY
