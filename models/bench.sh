#!/usr/bin/env bash
# Runs moesim's kernel benchmarks (JMH) and the machine's limits in one run, and prints a
# Markdown table of each kernel beside its limit. Not part of `mvn verify`.
# Usage: models/bench.sh [output.md] [benchmark-regex]
#   e.g. models/bench.sh docs/bench-latest.md
#        models/bench.sh "" 'GemmBench'
#        models/bench.sh --olmoe [layers=16] [decodeTokens=32] [prompt=32] [threads] [prefills=1]
#          (OLMoE-1B-7B-shaped decode/prefill tokens/s with BF16 weights generated in memory, ~14 GB)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -pl models -am test-compile
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -B -q -pl models dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
java_home=""
for home in "${MOESIM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/*; do
  [ -n "$home" ] && [ -f "$home/release" ] || continue
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  if [ -n "$major" ] && [ "$major" -ge 25 ]; then java_home="$home"; break; fi
done
[ -n "$java_home" ] || { echo "bench.sh: no JDK 25+ found (set MOESIM_JAVA_HOME)" >&2; exit 2; }
cp="$root/models/target/test-classes:$root/models/target/classes:$(cat "$cp_file")"
if [ "${1:-}" = "--olmoe" ]; then
  shift
  exec "$java_home/bin/java" --add-modules jdk.incubator.vector -Xmx2g -cp "$cp" io.moesim.models.bench.OlmoeDecode "$@"
fi
out="${1:-}"
[ -n "$out" ] && out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
"$java_home/bin/java" --add-modules jdk.incubator.vector -Xmx1g -cp "$cp" io.moesim.models.bench.BenchMain "$out" "${2:-io.moesim.models.bench.*}"
