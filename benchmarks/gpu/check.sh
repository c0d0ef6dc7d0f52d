#!/usr/bin/env bash
# The whole GPU check of one lent session in one call (a session has 15 device minutes, starts included).
#
# Here (a machine with a JDK and Maven): bash benchmarks/gpu/bundle.sh (a clean build, slimmed to fit the 64 MiB),
# then through the device tool, with carry [".gpu-bundle"] and timeout_s 600:
#   bash benchmarks/gpu/check.sh [quick|gpt]
#
# It runs, each step under its own time limit so that a hang cannot eat the lease, and prints a short summary last:
#   1. the GPU, driver and CUDA libraries the bundle finds, and Ember's describe() (which matmul path runs: cuBLAS 13
#      through JavaCPP with the pip wheels' libcublas.so.13 on the H200, or Ember's own kernel and why);
#   2. engine-cuda's tests in required mode (a missing GPU fails them), in shards of classes, one JVM each, 4 at a time
#      (benchmarks/gpu/cuda-tests.sh: a kernel fault, a dead JVM or a hang costs one shard), JUnit XML under
#      $OUT/cuda-tests, tests run / failed / skipped per class in $OUT/cuda-tests-summary.txt;
#   3. Ember's CUDA benchmarks (CudaBench, then the JMH suite with -p backend=cuda) and the PyTorch twin
#      (benchmarks/pytorch/cuda_bench.py), skipped with "quick";
#   4. the GPT (issues 15 and 18): nanoGPT's shakespeare_char sizes under bf16 autocast on CUDA, the first $GPT_STEPS
#      (300) steps of the 5,000-step schedule, evaluated at step 0 and at the end over 20 batches a split: PyTorch's
#      twin (benchmarks/pytorch/train_gpt.py, fused attention where the torch has it), then Ember's TrainGPT; skipped
#      with "quick"; "gpt" runs only 1 and 4. Time: nanoGPT's run is about 15 ms a step on an A100 (compiled); eager
#      PyTorch on the H200 some 15 to 25 ms, so 300 steps are 5 to 8 s plus ~20 s of start, data and evaluation; Ember
#      at 3x that is ~40 s. The summary has each run's tokens/s and val loss (or, when stopped, its last log line).
# Every step's full output goes to $OUT/<step>.txt; the tail of each is printed. Paste the summary into the note.
#
# The whole script keeps within $CHECK_BUDGET_S (570 s) of the device call's 600: a step's limit is cut to the time
# left before that deadline less the time held for the GPT steps after it (100 s: 40 for PyTorch's, 60 for Ember's),
# and a step with under 20 s left is skipped and says so. (The per-step limits add up to more than the budget, so
# when the tests run long the benchmarks get what is left; the GPT keeps its 100 s.)
set -uo pipefail
out=${OUT:-/tmp/ember-gpu-check}
mkdir -p "$out"
run=.gpu-bundle/run.sh
[[ -f $run ]] || { echo "no .gpu-bundle here: build it with ../shared/gpu-bundle/make-bundle.sh and carry it" >&2; exit 2; }
summary=()
mode=${1:-full}
[[ $mode == full || $mode == quick || $mode == gpt ]] || { echo "usage: check.sh [quick|gpt]" >&2; exit 2; }
deadline=$((SECONDS + ${CHECK_BUDGET_S:-570}))
hold=0 # seconds kept for the steps after the next one

# cuBLAS 13 for Ember's JavaCPP path: the library folders of the nvidia-* pip wheels PyTorch uses (nvidia/cu13/lib,
# nvidia/*/lib), found here at run time, for every Java step (Ember also looks in LD_LIBRARY_PATH, /usr/local/cuda* and
# python's wheels itself; this makes the H200's place explicit). describe, first, prints which matmul path runs.
shopt -s nullglob
wheel_dirs=()
py_prefix=$(python3 -c 'import sys; print(sys.prefix)' 2>/dev/null || true)
for d in ${py_prefix:+"$py_prefix"/lib/python3*/site-packages/nvidia/*/lib} /usr/local/lib/python3*/*-packages/nvidia/*/lib \
         /usr/lib/python3*/*-packages/nvidia/*/lib; do
  [[ " ${wheel_dirs[*]} " == *" $d "* ]] || wheel_dirs+=("$d")
done
shopt -u nullglob
export JAVA_OPTS="${JAVA_OPTS:-} -Dember.cuda.libraryPath=$(IFS=:; echo "${wheel_dirs[*]}")"
cublas13=()
for d in "${wheel_dirs[@]}"; do [[ -e $d/libcublas.so.13 ]] && cublas13+=("$d"); done
echo "== -Dember.cuda.libraryPath: ${#wheel_dirs[@]} wheel folders, libcublas.so.13 in: ${cublas13[*]:-none of them}"

step() { # name limit-seconds command...
  local name=$1 limit=$2
  shift 2
  local left=$((deadline - SECONDS - hold - 10)) # 10: timeout's --kill-after
  if (( left < 20 )); then
    echo "== $name: skipped, ${left}s left before the deadline"
    summary+=("$name: skipped (no time left)")
    return 0
  fi
  (( limit > left )) && limit=$left
  echo "== $name ($(date +%T), limit ${limit}s)"
  local t0=$SECONDS
  STEP_LIMIT_S=$limit timeout --kill-after=10 "$limit" "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  tail -n 25 "$out/$name.txt"
  summary+=("$name: exit $rc in $((SECONDS - t0)) s")
  return 0
}

[[ $mode != quick ]] && hold=100
# run.sh info ends with a find over the whole file system for libcublas/libnvrtc (37 s on this project's VM; the
# wheels' folders above say where cuBLAS 13 is): 25 s keep nvidia-smi's and ldconfig's lines and cap the search
step info 25 bash "$run" info
step describe 60 bash "$run" java dev.ember.bench.CudaDescribe
# a JVM that died loading a vendor library (cuBLAS, or cuDNN, which describe asks for last) must not take the tests
# with it: they run without vendor libraries then
if ! grep -qE '^(cuda: unavailable|with cuDNN asked for: )' "$out/describe.txt" 2>/dev/null; then
  echo "== describe died: the next steps run with -Dember.cuda.vendor=false (Ember's own kernels only)"
  export JAVA_OPTS="$JAVA_OPTS -Dember.cuda.vendor=false"
fi
if [[ $mode != gpt ]]; then
  # in shards of classes, each its own JVM (cuda-tests.sh): run.sh's test command already passes --disable-banner,
  # --reports-dir and --details, and the console launcher refuses an option given twice ("option '--disable-banner'
  # should be specified only once", no test run); -Xss4m as the Maven build's ember.test.argLine gives the tests
  step cuda-tests 330 env JAVA_OPTS="$JAVA_OPTS -Dember.cuda.required=true -Xss4m" OUT="$out" bash benchmarks/gpu/cuda-tests.sh
fi
if [[ $mode == full ]]; then
  # the tensor-core kernels are off by default until verified: the benchmark rows of issue 18 time them
  step cuda-bench 90 env JAVA_OPTS="$JAVA_OPTS -Dember.cuda.tensorCores=true" bash "$run" java dev.ember.bench.CudaBench 2000
  step pytorch-twin 90 python3 benchmarks/pytorch/cuda_bench.py
  step jmh-cuda 150 bash "$run" java org.openjdk.jmh.Main \
    'MatmulBenchmark|ConvBenchmark|MemoryBoundBenchmark|AttentionBenchmark' \
    -p backend=cuda -p n=1024,4096 -wi 2 -w 1 -i 3 -r 1 -f 1
fi
if [[ $mode != quick ]]; then
  # the fortunes text: the bundle's copy (bundle.sh), else the machine's own
  gpt_data=.gpu-bundle/fortunes
  [[ -d $gpt_data ]] || gpt_data=/usr/share/games/fortunes
  gpt_steps=${GPT_STEPS:-300}
  gpt_args=(--device cuda --preset shakespeare_char --autocast bf16 --steps "$gpt_steps" --eval-every "$gpt_steps"
            --eval-iters 20 --log-every 25 --sample-chars 200 --data "$gpt_data")
  if [[ -d $gpt_data ]]; then
    hold=60
    step gpt-pytorch 75 python3 -u benchmarks/pytorch/train_gpt.py "${gpt_args[@]}"
    hold=0
    step gpt-ember 120 bash "$run" java dev.ember.bench.TrainGPT "${gpt_args[@]}"
  else
    echo "== gpt: skipped, no fortunes text (.gpu-bundle/fortunes or /usr/share/games/fortunes)"
    summary+=("gpt: skipped (no fortunes text)")
  fi
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
head -n 3 "$out/describe.txt" 2>/dev/null
# the tests (cuda-tests.sh's summary, whole in $OUT/cuda-tests-summary.txt): each shard, the totals, the failing
# classes and the first failure of some of them, short enough for the device tool's last 12,000 characters
grep -E '^(shard |cuda tests: |  FAILED |  shard )' "$out/cuda-tests-summary.txt" 2>/dev/null | head -n 50
sed -n '/^first failure of each/,$p' "$out/cuda-tests-summary.txt" 2>/dev/null | head -n 21 | cut -c1-200
# each GPT run: its device line, its last log line (the tokens/s of the last 25 steps, past the warm-up), the run's
# tokens/s (all steps) and val loss, or, when it stopped early, its last evaluation
for g in gpt-pytorch gpt-ember; do
  [[ -f $out/$g.txt ]] || continue
  echo "$g: $(grep -m 1 '^device: ' "$out/$g.txt")"
  grep -E '^step [0-9]+: loss ' "$out/$g.txt" | tail -n 1 | sed "s/^/$g: /"
  grep -E '^(trained |val loss: )' "$out/$g.txt" | sed "s/^/$g: /"
  grep -q '^val loss: ' "$out/$g.txt" || grep -E '^step [0-9]+: train loss ' "$out/$g.txt" | tail -n 1 | sed "s/^/$g (stopped): /"
done
