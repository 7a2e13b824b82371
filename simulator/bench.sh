#!/usr/bin/env bash
# Simulator speed, not part of `mvn verify`: the JMH event-queue benchmark (events per second
# through the engine) and a whole run of the 144-GPU DeepSeek decode deployment (wall time,
# simulated seconds per wall second, events per second), with the machine's load before and after.
# Usage: simulator/bench.sh [all|jmh|run] [simulatedSeconds=3600] [scenario]
#   e.g. simulator/bench.sh run 3600
#        simulator/bench.sh jmh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
what="${1:-all}"
seconds="${2:-3600}"
scenario="${3:-scenarios/deepseek-v3-h800-decode.yaml}"

java_home=""
for home in "${MOESIM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/*; do
  [ -n "$home" ] && [ -f "$home/release" ] || continue
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  if [ -n "$major" ] && [ "$major" -ge 25 ]; then java_home="$home"; break; fi
done
[ -n "$java_home" ] || { echo "bench.sh: no JDK 25+ found (set MOESIM_JAVA_HOME)" >&2; exit 2; }

if [ "$what" = all ] || [ "$what" = jmh ]; then
  cp_file="$(mktemp)"
  trap 'rm -f "$cp_file"' EXIT
  # In one reactor run, so that the models module resolves to its classes (no mvn install); the
  # simulator module, built last, writes the file last.
  mvn -B -q -pl simulator -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$cp_file" >/dev/null
  cp="$root/simulator/target/test-classes:$root/simulator/target/classes:$(cat "$cp_file")"
  echo "load before JMH: $(uptime)"
  # From the module folder, as the tests: benchmarks load ../scenarios/.
  (cd "$root/simulator" && "$java_home/bin/java" --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main \
      'io.moesim.simulator.bench.*' -f 1 -wi 2 -i 3 -w 2s -r 2s)
  echo "load after JMH: $(uptime)"
fi

if [ "$what" = all ] || [ "$what" = run ]; then
  ./moesim --help >/dev/null   # builds the jar if a source changed, outside the timing
  json="$(mktemp --suffix .json)"
  echo "load before the run: $(uptime)"
  start=$(date +%s.%N)
  ./moesim run "$scenario" --set simulation.durationSeconds="$seconds" --json "$json" >/dev/null
  end=$(date +%s.%N)
  echo "load after the run: $(uptime)"
  events=$(sed -n 's/^  "events" : \([0-9]*\).*/\1/p' "$json")
  steps=$(sed -n 's/^  "steps" : \([0-9]*\).*/\1/p' "$json")
  rm -f "$json"
  awk -v s="$seconds" -v a="$start" -v b="$end" -v e="$events" -v st="$steps" -v sc="$scenario" 'BEGIN {
    w = b - a;
    printf "%s, %d s simulated: wall %.1f s (JVM start and scenario load included), %.1f simulated s per wall s, %d events (%.0f per wall s), %d steps (%.0f per wall s)\n",
      sc, s, w, s / w, e, e / w, st, st / w }'
fi
