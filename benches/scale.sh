#!/usr/bin/env bash
# Whole-process timings at scale (BENCHMARKS.md): generates the inputs,
# builds the release binaries, runs hyperfine and records peak memory.
# Usage: bash benches/scale.sh                 (1k, 10k, 100k objects)
#        SIZES="1000 10000" RUNS=10 bash benches/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/topoc-bench}
RUNS=${RUNS:-5}
SIZES=${SIZES:-"1000 10000 100000"}
SEED=${SEED:-1}
mkdir -p "$OUT"
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null
cargo build --release --bin topoc --bin topoc-gen
gen=target/release/topoc-gen
topoc=target/release/topoc

cmds=()
for n in $SIZES; do
  $gen kube --objects "$n" --seed "$SEED" --out "$OUT/k8s-$n.yaml"
  cmds+=("check k8s $n|$topoc check $OUT/k8s-$n.yaml --format concise")
  # The flow list itself grows with the square of the workloads that no
  # policy isolates (16M lines, 1.5 GB at 100k): timed up to 10k.
  if [ "$n" -le 10000 ]; then
    cmds+=("connectivity k8s $n|$topoc connectivity $OUT/k8s-$n.yaml -o $OUT/conn-$n.txt")
  fi
done
for n in 2000 10000; do
  $gen compose --services "$n" --seed "$SEED" --out "$OUT/compose-$n"
  cmds+=("check compose $n|$topoc check $OUT/compose-$n --format concise")
  cmds+=("connectivity compose $n|$topoc connectivity $OUT/compose-$n -o $OUT/conn-compose-$n.txt")
done

echo "| command | size | median (s) | mean ± σ (s) | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|"
for entry in "${cmds[@]}"; do
  name=${entry%%|*}
  cmd=${entry#*|}
  json="$OUT/$(echo "$name" | tr ' ' '-').json"
  # Findings make `check` exit 1: -i keeps hyperfine going.
  hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$json" "$cmd" >/dev/null
  /usr/bin/time -f "%M" -o "$OUT/rss.tmp" $cmd >/dev/null 2>&1 || true
  python3 - "$json" "$name" "$(tail -n 1 "$OUT/rss.tmp")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
kind, what, size = sys.argv[2].rsplit(" ", 2)
print(f"| {kind} {what} | {size} | {r['median']:.3f} | {r['mean']:.3f} ± {r['stddev']:.3f} | {int(sys.argv[3]) / 1024:.0f} |")
PY
done
