#!/usr/bin/env bash
# Long, coverage-guided fuzzing of the readers an attacker reaches first (tests/fuzz/fuzz_targets.h)
# with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer. Not a test: the test suite runs a
# short deterministic mutation run of the same targets (fuzz_inputs). Results go in docs/fuzzing.md.
#   bash bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 300 s; targets: event_batch form request_target json delivery_report)
# Each target's corpus grows in build-fuzz/corpus/TARGET (start again by deleting it); a crash is
# kept as build-fuzz/TARGET-crash-* and can be replayed: build-fuzz/TARGET build-fuzz/TARGET-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(event_batch form request_target json delivery_report)

missing=()
for p in clang libclang-rt-14-dev libpoco-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p build-fuzz
sources=(tests/fuzz/libfuzzer_main.cpp tests/fuzz/fuzz_targets.cpp src/ingest/event_codec.cpp src/domain/date.cpp
         src/common/text.cpp src/common/json_reader.cpp src/common/email_address.cpp src/http/form.cpp
         src/delivery/dsn.cpp src/domain/text_lines.cpp)
for t in "${targets[@]}"; do
  echo "== $t: building"
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DVC_FUZZ_TARGET="\"$t\"" -Isrc -Itests "${sources[@]}" -lPocoJSON -lPocoFoundation -o "build-fuzz/$t"
  corpus="build-fuzz/corpus/$t"
  mkdir -p "$corpus"
  # The demo's events seed the readers of JSON.
  if [ "$t" = event_batch ] || [ "$t" = json ]; then
    n=0; while IFS= read -r line; do n=$((n + 1)); printf '%s' "$line" > "$corpus/demo-$n"; done < config/demo/events.jsonl
  fi
  echo "== $t: fuzzing for $seconds s"
  (cd build-fuzz && "./$t" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$t-" -print_final_stats=1 "corpus/$t" 2>&1) | tee "build-fuzz/$t.log" |
    grep -E "^(#[0-9]+ +(DONE|pulse)|Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" || true
done
