#!/usr/bin/env bash
# The whole GPU check of one lent session in one call (a session has 15 device minutes, starts included).
#
# Here (a machine with a JDK and Maven): bash benchmarks/gpu/bundle.sh (a clean build, slimmed to fit the 64 MiB),
# then through the device tool, with carry [".gpu-bundle"] and timeout_s 600:
#   bash benchmarks/gpu/check.sh [quick]
#
# It runs, each step under its own time limit so that a hang cannot eat the lease, and prints a short summary last:
#   1. the GPU, driver and CUDA libraries the bundle finds;
#   2. engine-cuda's tests in required mode (a missing GPU fails them), JUnit XML under $OUT/junit;
#   3. Ember's CUDA benchmarks (CudaBench, then the JMH suite with -p backend=cuda) and the PyTorch twin
#      (benchmarks/pytorch/cuda_bench.py), skipped with "quick".
# Every step's full output goes to $OUT/<step>.txt; the tail of each is printed. Paste the summary into the note.
set -uo pipefail
out=${OUT:-/tmp/ember-gpu-check}
mkdir -p "$out"
run=.gpu-bundle/run.sh
[[ -f $run ]] || { echo "no .gpu-bundle here: build it with ../shared/gpu-bundle/make-bundle.sh and carry it" >&2; exit 2; }
summary=()

step() { # name limit-seconds command...
  local name=$1 limit=$2
  shift 2
  echo "== $name ($(date +%T), limit ${limit}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  tail -n 25 "$out/$name.txt"
  summary+=("$name: exit $rc in $((SECONDS - t0)) s")
  return 0
}

step info 60 bash "$run" info
step cuda-tests 330 env JAVA_OPTS="-Dember.cuda.required=true" bash "$run" test engine-cuda \
  --reports-dir="$out/junit" --details=summary --disable-banner
if [[ ${1:-} != quick ]]; then
  step cuda-bench 90 bash "$run" java dev.ember.bench.CudaBench 2000
  step pytorch-twin 90 python3 benchmarks/pytorch/cuda_bench.py
  step jmh-cuda 150 bash "$run" java org.openjdk.jmh.Main \
    'MatmulBenchmark|ConvBenchmark|MemoryBoundBenchmark|AttentionBenchmark' \
    -p backend=cuda -p n=1024,4096 -wi 2 -w 1 -i 3 -r 1 -f 1
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
grep -hE 'tests (found|successful|failed|skipped|aborted)' "$out/cuda-tests.txt" 2>/dev/null
sed -n '/^Failures (/,/^Test run finished/p' "$out/cuda-tests.txt" 2>/dev/null | grep -E 'JUnit Jupiter:|=>' | head -60
