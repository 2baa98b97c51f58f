#!/usr/bin/env bash
# Fuzzes the hand-written parsers: each Jazzer @FuzzTest for its maxDuration, coverage-guided, FUZZ_ROUNDS times
# (default 1; later rounds start from the corpus the earlier ones grew in <module>/.cifuzz-corpus, not committed).
# A finding is written to the target's committed Inputs directory (src/test/resources/<package>/<Class>Inputs/<method>)
# and fails the run: fix the parser, keep the file, and `./mvnw verify` replays it from then on.
#   bin/fuzz.sh                       every *FuzzTest in the build
#   bin/fuzz.sh AudioTracksFuzzTest   only the named ones
# Prints each target's last libFuzzer line (executions, coverage, corpus) and the summary at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find . -path '*/src/test/java/*FuzzTest.java' -not -path './.git/*' | sort)
summary=()
status=0
for round in $(seq 1 "${FUZZ_ROUNDS:-1}"); do
  for file in "${files[@]}"; do
    module=$(echo "$file" | cut -d/ -f2)
    class=$(basename "$file" .java)
    if [ $# -gt 0 ] && [[ ! " $* " == *" $class "* ]]; then
      continue
    fi
    log="$module/target/fuzz-$class.log"
    mkdir -p "$module/target"
    echo "fuzz: $class ($module), round $round"
    # JUnit's own @Timeout would cover the whole run (Jazzer issue #930): off; Jazzer still applies it per input.
    if JAZZER_FUZZ=1 ./mvnw -q test -pl "$module" -am -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djunit.jupiter.execution.timeout.mode=disabled > "$log" 2>&1; then
      result=ok
    else
      result="FINDING or failure (see $log)"
      status=1
    fi
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    summary+=("$class round $round: $result ${done_line:-no libFuzzer summary}")
  done
done
printf '%s\n' "${summary[@]}"
git status --short -- '*Inputs/*'
exit $status
