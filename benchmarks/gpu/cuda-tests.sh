#!/usr/bin/env bash
# engine-cuda's tests on a lent GPU, for check.sh's cuda-tests step (run from the repository root, with the bundle of
# benchmarks/gpu/bundle.sh in .gpu-bundle; JAVA_OPTS as check.sh sets it, -Dember.cuda.required=true included):
#   bash benchmarks/gpu/cuda-tests.sh
# The test classes are dealt round-robin into $CUDA_TEST_SHARDS (8) shards, each its own JVM (the bundle's
# `run.sh test engine-cuda -n PATTERN`), $CUDA_TEST_PARALLEL (4) at a time on the one GPU: a kernel fault that
# leaves the CUDA context unusable (every later call in that process fails), a JVM that dies in a native library, or a
# hang costs one shard's classes, not every class after it. Each shard runs under its own time limit, all of them
# within $STEP_LIMIT_S (check.sh's limit for the step; 330 s without it) less 15 s kept for the summary; a shard that
# cannot start with 20 s left is skipped and says so.
# Output under $OUT (/tmp/ember-gpu-check without it): shard N's console output (JUnit's tree) in
# cuda-tests-shardN.txt, its JUnit XML under cuda-tests/shardN/; printed last, and written to
# cuda-tests-summary.txt: tests run / failed / skipped per class, each shard's exit, the classes of a shard that left
# no report (killed at its limit or died) with its last lines, and the first failures.
set -uo pipefail
out=${OUT:-/tmp/ember-gpu-check}
run=.gpu-bundle/run.sh
classes_dir=.gpu-bundle/modules/engine-cuda/test-classes
[[ -f $run && -d $classes_dir ]] || { echo "no .gpu-bundle with engine-cuda's test classes here: build it with benchmarks/gpu/bundle.sh" >&2; exit 2; }
shards=${CUDA_TEST_SHARDS:-8}
parallel=${CUDA_TEST_PARALLEL:-4}
deadline=$((SECONDS + ${STEP_LIMIT_S:-330} - 15))
mkdir -p "$out/cuda-tests"

# the top-level test classes (the console launcher's default pattern: names ending in Test or Tests), sorted
mapfile -t classes < <(cd "$classes_dir" && find . -name '*.class' ! -name '*$*' | sed 's|^\./||; s|\.class$||; s|/|.|g' \
  | grep -E '(^|\.)[^.]*Tests?$' | sort)
(( ${#classes[@]} > 0 )) || { echo "no test classes under $classes_dir" >&2; exit 2; }
(( shards > ${#classes[@]} )) && shards=${#classes[@]}
declare -a members
for i in "${!classes[@]}"; do
  s=$((i % shards))
  members[s]="${members[s]:-} ${classes[i]}"
done
echo "${#classes[@]} test classes in $shards shards, $parallel at a time"

declare -A started
run_shard() { # shard-index limit-seconds
  local s=$1 limit=$2 pattern
  pattern="^($(echo ${members[s]} | sed 's/\./\\./g; s/ /|/g'))\$"
  OUT="$out/cuda-tests/shard$s" timeout --kill-after=10 "$limit" bash "$run" test engine-cuda -n "$pattern" \
    >"$out/cuda-tests-shard$s.txt" 2>&1
  echo $? >"$out/cuda-tests/shard$s.rc"
}
for ((s = 0; s < shards; s++)); do
  while (( $(jobs -rp | wc -l) >= parallel )); do wait -n; done
  left=$((deadline - SECONDS))
  if (( left < 20 )); then
    echo "shard $s: skipped, ${left}s left"
    echo skipped >"$out/cuda-tests/shard$s.rc"
    continue
  fi
  started[$s]=$SECONDS
  echo "shard $s ($(date +%T), limit ${left}s):${members[s]//dev.ember.cuda./}"
  run_shard "$s" "$left" &
done
wait

{
  for ((s = 0; s < shards; s++)); do
    rc=$(cat "$out/cuda-tests/shard$s.rc" 2>/dev/null || echo '?')
    xml=$(ls "$out/cuda-tests/shard$s"/junit-engine-cuda/*.xml 2>/dev/null | head -n 1)
    if [[ -n $xml ]]; then
      echo "shard $s: exit $rc"
    else
      echo "shard $s: exit $rc, NO REPORT (124/137: killed at its limit; else the JVM died) for:${members[s]//dev.ember.cuda./}"
      [[ -f $out/cuda-tests-shard$s.txt ]] && tail -n 6 "$out/cuda-tests-shard$s.txt" | sed "s/^/  shard $s: /"
    fi
  done
  if command -v python3 >/dev/null; then
    python3 - "$out/cuda-tests" <<'EOF'
import collections, glob, sys, xml.etree.ElementTree as ET
counts = collections.defaultdict(lambda: [0, 0, 0])  # run, failed (failures and errors), skipped (and aborted)
failures = []
for f in sorted(glob.glob(sys.argv[1] + "/shard*/junit-engine-cuda/*.xml")):
    try:
        root = ET.parse(f).getroot()
    except ET.ParseError as e:
        print(f"{f}: unreadable ({e})")
        continue
    for tc in root.iter("testcase"):
        c = counts[tc.get("classname", "?").replace("dev.ember.cuda.", "")]
        c[0] += 1
        bad = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
        if bad is not None:
            c[1] += 1
            msg = (bad.get("message") or bad.get("type") or "").splitlines()
            failures.append(f"{tc.get('classname', '?').replace('dev.ember.cuda.', '')} > {tc.get('name')} => "
                            f"{(msg[0] if msg else '')[:160]}")
        elif tc.find("skipped") is not None:
            c[2] += 1
total = [sum(c[i] for c in counts.values()) for i in range(3)]
print(f"cuda tests: {total[0]} run, {total[1]} failed, {total[2]} skipped, in {len(counts)} classes")
# the classes with failures one a line, then the others (run / skipped) in a few lines
for name in sorted(counts):
    run, failed, skipped = counts[name]
    if failed:
        print(f"  FAILED {name}: {run} run, {failed} failed, {skipped} skipped")
rest = [f"{n} {c[0]}" + (f"/{c[2]} skipped" if c[2] else "") for n, c in sorted(counts.items()) if not c[1]]
line = "  passed (run/skipped):"
for item in rest:
    if len(line) + len(item) > 118:
        print(line)
        line = "   "
    line += " " + item + ","
if rest:
    print(line.rstrip(","))
if failures:
    # the first failure of each failing class (the XML holds them all)
    print(f"first failure of each failing class ({len(failures)} failures in all):")
    seen = set()
    for line in failures:
        name = line.split(" > ", 1)[0]
        if name not in seen:
            seen.add(name)
            print("  " + line)
EOF
  else
    grep -hoE 'tests (found|successful|failed|skipped|aborted)' "$out"/cuda-tests-shard*.txt | sort | uniq -c
  fi
} | tee "$out/cuda-tests-summary.txt"
# exit 1 when a shard failed (a test failed, or it was killed or skipped)
! grep -qE '^shard [0-9]+: (exit [^0]|skipped)' "$out/cuda-tests-summary.txt"
