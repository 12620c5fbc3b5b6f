#!/usr/bin/env bash
# `topoc check` at 10k and 100k objects on several generators and shapes, in
# every output format (BENCHMARKS.md, "check at scale"). Whole processes,
# release build; per (input, format): median wall and median user+sys CPU
# of RUNS runs, and the peak RSS (largest of the runs).
#
# Usage: bash benches/check.sh
#        RUNS=3 FORMATS="concise json" INPUTS="k8s-s1 py-mixed" bash benches/check.sh
#        TOPOC=/path/to/other/topoc bash benches/check.sh   # compare a build
#
# Inputs (written to $OUT once, reused): k8s-s1, k8s-s2 (`topoc-gen kube`,
# seeds 1 and 2), py-mixed, py-wide, py-selectors, py-ports, py-findings
# (benches/gen_kube.py, an independent generator, seed 1).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/topoc-bench}
RUNS=${RUNS:-5}
SIZES=${SIZES:-"10000 100000"}
FORMATS=${FORMATS:-"human concise json sarif github"}
INPUTS=${INPUTS:-"k8s-s1 k8s-s2 py-mixed py-wide py-selectors py-ports py-findings"}
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$OUT"
if [ -z "${TOPOC:-}" ]; then
  cargo build --release --bin topoc --bin topoc-gen >&2
  TOPOC=$target/release/topoc
fi
gen=$target/release/topoc-gen
[ -x "$gen" ] || cargo build --release --bin topoc-gen >&2

input_file() { # name size -> path (generated on first use)
  local f="$OUT/$1-$2.yaml"
  if [ ! -f "$f" ]; then
    case $1 in
      k8s-s*) $gen kube --objects "$2" --seed "${1#k8s-s}" --out "$f" ;;
      py-*) python3 benches/gen_kube.py --objects "$2" --seed 1 --shape "${1#py-}" -o "$f" ;;
    esac
  fi
  echo "$f"
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at start ($(date -u +%H:%M) UTC)"
echo
echo "| input | objects | MB | format | wall median (s) | user+sys median (s) | peak RSS (MB) |"
echo "|---|---:|---:|---|---:|---:|---:|"
for name in $INPUTS; do
  for n in $SIZES; do
    f=$(input_file "$name" "$n")
    mb=$(( $(stat -c %s "$f") / 1000000 ))
    for fmt in $FORMATS; do
      : > "$OUT/times.tmp"
      for _ in $(seq "$RUNS"); do
        # Findings make `check` exit 1.
        /usr/bin/time -a -o "$OUT/times.tmp" -f "%e %U %S %M" \
          "$TOPOC" check "$f" --format "$fmt" >/dev/null 2>&1 || true
      done
      python3 - "$OUT/times.tmp" "$name" "$n" "$mb" "$fmt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
wall = statistics.median(float(r[0]) for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
rss = max(int(r[3]) for r in rows) / 1024
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5]} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
PY
    done
  done
done
echo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at end ($(date -u +%H:%M) UTC)"
