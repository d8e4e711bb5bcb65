#!/usr/bin/env bash
# Quick profile (a few minutes): measures this machine's fp32 FMA peak, runs the JMH suites with
# short iterations and writes bench/results/<date>.json (JMH JSON) and .md (a table with
# ms, GFLOP/s or GB/s and the share of the measured peak).
# Usage: bench/profile.sh [benchmark-regex...]      e.g. bench/profile.sh OpBenchmark
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -f bench/target/benchmarks.jar ]; then
  mvn -B -q -DskipTests install -pl bench -am
fi
mkdir -p bench/target
cc -O2 -pthread bench/peak/fma_peak.c -o bench/target/fma_peak
peak=$(bench/target/fma_peak)
echo "fp32 FMA peak: $peak GFLOP/s" >&2
out="bench/results/$(date +%Y-%m-%d-%H%M)"
java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.anvil.bench.Profile "$out" "$peak" "$@"
