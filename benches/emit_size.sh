#!/usr/bin/env bash
# Size and load time of what `topoc compile` emits (BENCHMARKS.md, issue 14):
# a generated Compose project of 1,000 and 10,000 services compiled to nft,
# k8s and compose. Asserts design §8's linearity: the nft ruleset of 1,000
# services ≤ 1 MB and `nft -c -f` of it ≤ 1 s, of 10,000 ≤ 10 MB, and every
# output grows at most ×12 from 1k to 10k. Exits 1 when a bound is broken.
# Usage: bash benches/emit_size.sh        (OUT=/tmp/topoc-emit SEED=1)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-/tmp/topoc-emit}
SEED=${SEED:-1}
mkdir -p "$OUT"
cargo build --release --bin topoc --bin topoc-gen
target=${CARGO_TARGET_DIR:-target}
gen=$target/release/topoc-gen
topoc=$target/release/topoc

# `nft -c` needs CAP_NET_ADMIN; a fresh network namespace keeps it off the
# host's tables (as root: in a user namespace, netlink refuses the large
# batch with "Message too long").
if [ "$(id -u)" = 0 ]; then ns=(unshare -n); else ns=(unshare -rn); fi
nft_check=("${ns[@]}" nft -c -f)
nft_optimize=("${ns[@]}" nft -c -o -f)

fail=0
bound() { # what value limit
  if ! python3 -c "import sys; sys.exit(0 if float('$2') <= float('$3') else 1)"; then
    echo "FAILED: $1 = $2 > $3"
    fail=1
  fi
}

declare -A bytes
echo "| services | target | bytes | compile wall (s) | user+sys (s) | peak RSS (MB) |"
echo "|---:|---|---:|---:|---:|---:|"
for n in 1000 10000; do
  $gen compose --services "$n" --seed "$SEED" --out "$OUT/compose-$n"
  for to in nft k8s compose; do
    file="$OUT/out-$n.$to"
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.tmp" \
      "$topoc" compile "$OUT/compose-$n" --to "$to" -o "$file" --diagnostics concise >/dev/null 2>&1
    read -r wall user sys rss <"$OUT/time.tmp"
    size=$(stat -c %s "$file")
    bytes[$n.$to]=$size
    cpu=$(python3 -c "print(f'{$user + $sys:.2f}')")
    echo "| $n | $to | $size | $wall | $cpu | $((rss / 1024)) |"
  done
done

if command -v nft >/dev/null; then
  for n in 1000 10000; do
    if ! /usr/bin/time -f "%e %U %S" -o "$OUT/time.tmp" "${nft_check[@]}" "$OUT/out-$n.nft"; then
      echo "FAILED: nft -c -f rejects $OUT/out-$n.nft"
      fail=1
    fi
    if [ -n "$("${nft_optimize[@]}" "$OUT/out-$n.nft" 2>&1)" ]; then
      echo "FAILED: nft -c -o -f suggests merges in $OUT/out-$n.nft"
      fail=1
    fi
    read -r wall user sys <"$OUT/time.tmp"
    echo "nft -c -f, $n services: ${wall} s wall (user ${user} s, sys ${sys} s)"
    [ "$n" = 1000 ] && bound "nft -c -f seconds at 1k" "$wall" 1
  done
else
  echo "nft not installed: load time not measured"
  fail=1
fi

bound "nft bytes at 1k" "${bytes[1000.nft]}" 1000000
bound "nft bytes at 10k" "${bytes[10000.nft]}" 10000000
for to in nft k8s compose; do
  ratio=$(python3 -c "print(f'{${bytes[10000.$to]} / ${bytes[1000.$to]}:.2f}')")
  echo "$to: 10k/1k = $ratio"
  bound "$to size ratio 10k/1k" "$ratio" 12
done
exit $fail
