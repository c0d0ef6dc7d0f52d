#!/usr/bin/env bash
# The whole GPU check of one lent session in one call (a session has 15 device minutes, starts included).
#
# Here (a machine with a JDK and Maven): bash benchmarks/gpu/bundle.sh (a clean build, slimmed to fit the 64 MiB),
# then through the device tool, with carry [".gpu-bundle"] and timeout_s 600:
#   bash benchmarks/gpu/check.sh [quick]
#
# It runs, each step under its own time limit so that a hang cannot eat the lease, and prints a short summary last:
#   1. the GPU, driver and CUDA libraries the bundle finds, and Ember's describe() (which matmul path runs: cuBLAS 13
#      through JavaCPP with the pip wheels' libcublas.so.13 on the H200, or Ember's own kernel and why);
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
  echo "== $name ($(date +%T), limit ${limit}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  tail -n 25 "$out/$name.txt"
  summary+=("$name: exit $rc in $((SECONDS - t0)) s")
  return 0
}

step info 60 bash "$run" info
step describe 60 bash "$run" java dev.ember.bench.CudaDescribe
# a JVM that died loading a vendor library (cuBLAS, or cuDNN, which describe asks for last) must not take the tests
# with it: they run without vendor libraries then
if ! grep -qE '^(cuda: unavailable|with cuDNN asked for: )' "$out/describe.txt" 2>/dev/null; then
  echo "== describe died: the next steps run with -Dember.cuda.vendor=false (Ember's own kernels only)"
  export JAVA_OPTS="$JAVA_OPTS -Dember.cuda.vendor=false"
fi
step cuda-tests 330 env JAVA_OPTS="$JAVA_OPTS -Dember.cuda.required=true" bash "$run" test engine-cuda \
  --reports-dir="$out/junit" --details=summary --disable-banner
if [[ ${1:-} != quick ]]; then
  # the tensor-core kernels are off by default until verified: the benchmark rows of issue 18 time them
  step cuda-bench 90 env JAVA_OPTS="$JAVA_OPTS -Dember.cuda.tensorCores=true" bash "$run" java dev.ember.bench.CudaBench 2000
  step pytorch-twin 90 python3 benchmarks/pytorch/cuda_bench.py
  step jmh-cuda 150 bash "$run" java org.openjdk.jmh.Main \
    'MatmulBenchmark|ConvBenchmark|MemoryBoundBenchmark|AttentionBenchmark' \
    -p backend=cuda -p n=1024,4096 -wi 2 -w 1 -i 3 -r 1 -f 1
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
head -n 3 "$out/describe.txt" 2>/dev/null
grep -hE 'tests (found|successful|failed|skipped|aborted)' "$out/cuda-tests.txt" 2>/dev/null
sed -n '/^Failures (/,/^Test run finished/p' "$out/cuda-tests.txt" 2>/dev/null | grep -E 'JUnit Jupiter:|=>' | head -60
