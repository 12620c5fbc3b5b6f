#!/usr/bin/env bash
# `topoc check` at 10k and 100k objects on several generators and shapes, in
# every output format (BENCHMARKS.md, "check at scale"). Whole processes,
# release build; per (input, format): median wall and median user+sys CPU
# of RUNS runs, and the peak RSS (largest of the runs); then the ratio
# t(100k)/t(10k) of those medians per input, format and build.
#
# Usage: bash benches/check.sh
#        RUNS=3 FORMATS="concise json" INPUTS="k8s-s1 py-mixed" bash benches/check.sh
#        TOPOC=/path/to/topoc GEN=/path/to/topoc-gen bash benches/check.sh   # no build
#        BINARIES="before=/tmp/topoc-old after=target/release/topoc" bash benches/check.sh
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
gen=${GEN:-$target/release/topoc-gen}
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
# BINARIES="before=/path/a after=/path/b" compares builds: their runs
# alternate, so both see the same load.
BINARIES=${BINARIES:-"topoc=$TOPOC"}
# Medians of every row, for the ratio table at the end.
medians="$OUT/medians.tmp"
: > "$medians"
echo "| input | objects | MB | format | build | wall median (s) | user+sys median (s) | peak RSS (MB) |"
echo "|---|---:|---:|---|---|---:|---:|---:|"
for name in $INPUTS; do
  for n in $SIZES; do
    f=$(input_file "$name" "$n")
    mb=$(( $(stat -L -c %s "$f") / 1000000 ))
    for fmt in $FORMATS; do
      for b in $BINARIES; do : > "$OUT/times-${b%%=*}.tmp"; done
      for _ in $(seq "$RUNS"); do
        for b in $BINARIES; do
          # Wall in nanoseconds around the run (`time`'s %e has 10 ms
          # steps, a tenth of a 10k run); CPU and peak RSS from `time`.
          # Findings make `check` exit 1.
          start=$(date +%s%N)
          /usr/bin/time -o "$OUT/time.tmp" -f "%U %S %M" \
            "${b#*=}" check "$f" --format "$fmt" >/dev/null 2>&1 || true
          end=$(date +%s%N)
          echo "$(( end - start )) $(tail -n 1 "$OUT/time.tmp")" >> "$OUT/times-${b%%=*}.tmp"
        done
      done
      for b in $BINARIES; do
        python3 - "$OUT/times-${b%%=*}.tmp" "$name" "$n" "$mb" "$fmt" "${b%%=*}" "$medians" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l[0].isdigit()]
wall = statistics.median(int(r[0]) / 1e9 for r in rows)
cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
rss = max(int(r[3]) for r in rows) / 1024
name, n, mb, fmt, build = sys.argv[2:7]
print(f"| {name} | {n} | {mb} | {fmt} | {build} | {wall:.3f} | {cpu:.2f} | {rss:.0f} |")
with open(sys.argv[7], "a") as m:
    m.write(f"{name} {n} {fmt} {build} {wall} {cpu}\n")
PY
      done
    done
  done
done
echo
# t(largest size) / t(smallest size) per input, format and build.
python3 - "$medians" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for name, n, fmt, build, wall, cpu in rows:
    by.setdefault((name, fmt, build), {})[int(n)] = (float(wall), float(cpu))
sizes = sorted({int(r[1]) for r in rows})
if len(sizes) >= 2:
    lo, hi = sizes[0], sizes[-1]
    print(f"| input | format | build | wall t({hi})/t({lo}) | user+sys t({hi})/t({lo}) |")
    print("|---|---|---|---:|---:|")
    for (name, fmt, build), t in by.items():
        if lo in t and hi in t:
            print(f"| {name} | {fmt} | {build} | {t[hi][0] / t[lo][0]:.1f} | {t[hi][1] / t[lo][1]:.1f} |")
    print()
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) at end ($(date -u +%H:%M) UTC)"
