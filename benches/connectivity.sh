#!/usr/bin/env bash
# Whole-process `topoc connectivity` timings (BENCHMARKS.md, connectivity
# section): median wall and user+sys of RUNS runs and the largest peak RSS,
# per input, for the topoc binary and, side by side, BASE (another build,
# e.g. one of an earlier commit). The flow list is streamed to /dev/null
# through stdout (the 16M lines of k8s-100000 are 1.5 GB; `-o FILE` streams
# the same rows into a temp file renamed over FILE).
# Usage: bash benches/connectivity.sh
#        BASE=/tmp/topoc-old RUNS=5 bash benches/connectivity.sh
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/topoc-bench}
RUNS=${RUNS:-5}
mkdir -p "$OUT"
if [ -z "${TOPOC:-}" ]; then
  cargo build --release --bin topoc --bin topoc-gen
fi
gen=${GEN:-target/release/topoc-gen}
bins=("${TOPOC:-target/release/topoc}")
[ -n "${BASE:-}" ] && bins+=("$BASE")

$gen kube --objects 100000 --sparse --out "$OUT/k8s-sparse-100000.yaml"
$gen kube --objects 100000 --out "$OUT/k8s-100000.yaml"
$gen kube --objects 10000 --admin-policies 200 --out "$OUT/k8s-anp-10000.yaml"
$gen kube --objects 10000 --out "$OUT/k8s-10000.yaml"

echo "| binary | input | lines | median wall (s) | median user+sys (s) | peak RSS (MB) |"
echo "|---|---|---:|---:|---:|---:|"
# The 16M-line list of k8s-100000 needs 1.5 GB of disk for its file.
for input in ${INPUTS:-k8s-sparse-100000 k8s-anp-10000 k8s-10000 k8s-100000}; do
  for bin in "${bins[@]}"; do
    : >"$OUT/times"
    lines=$("$bin" connectivity "$OUT/$input.yaml" | wc -l)
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -a -o "$OUT/times" -f "%e %U %S %M" \
        "$bin" connectivity "$OUT/$input.yaml" >/dev/null
    done
    python3 - "$OUT/times" "$bin" "$input" "$lines" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
wall = statistics.median(r[0] for r in rows)
cpu = statistics.median(r[1] + r[2] for r in rows)
rss = max(r[3] for r in rows) / 1024
print(f"| {sys.argv[2]} | {sys.argv[3]} | {int(sys.argv[4]):,} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
PY
  done
done
