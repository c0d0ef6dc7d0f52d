#!/usr/bin/env bash
# Issue 17's CPU targets, Ember and PyTorch side by side in one run on this machine:
#   bash benchmarks/cpu-targets.sh [JAR] [--quick] [--avx2] [--default-trap-limit]
# JAR defaults to benchmarks/target/benchmarks.jar (build it first: mvn -B -q -DskipTests package). It prints the
# machine, then runs one after the other: Ember's JMH rows of the targets (matmul 1024/2048, conv2d fwd+bwd on the
# three shapes, copy and max pooling scoped and unscoped, the LeNet step at batch 64 and 1024), PyTorch's twin of the
# same rows (benchmarks/pytorch/cpu_bench.py --threads 2), and, unless --quick, one epoch of the main job against its
# twin (TrainLeNet and benchmarks/pytorch/train_lenet.py). Needs /usr/bin/python3 with torch (Debian: python3-torch).
# --avx2 restricts both sides to AVX2 on an AVX-512 machine, the AVX2 kind's code paths on this hardware (not an AVX2
# machine's speed): the JVM with -XX:UseAVX=2 (8-float vectors), PyTorch with ATEN_CPU_CAPABILITY=avx2,
# ONEDNN_MAX_CPU_ISA=AVX2 and OPENBLAS_CORETYPE=Haswell. Ember's JVM runs with -XX:PerMethodTrapLimit=100000, as the
# README recommends on JDK 17 ("On JDK 17, add ..."); --default-trap-limit leaves the JVM's default (100) out.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
quick=0
jvm="--add-modules=jdk.incubator.vector -XX:PerMethodTrapLimit=100000"
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    --default-trap-limit) jvm=${jvm/ -XX:PerMethodTrapLimit=100000/}; echo "== the JVM's default PerMethodTrapLimit" ;;
    --avx2)
      jvm="$jvm -XX:UseAVX=2"
      export ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell
      echo "== restricted to AVX2: JVM -XX:UseAVX=2; PyTorch ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell" ;;
    *) jar=$a ;;
  esac
done
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs," \
  "$(grep -o 'avx512[a-z]*' /proc/cpuinfo | sort -u | tr '\n' ' ')$(grep -qw avx2 /proc/cpuinfo && echo avx2)"
java -version 2>&1 | head -1
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
# OpenBLAS (PyTorch's GEMM here) picks its kernels from the CPU model; a model newer than the library (Debian's 0.3.21
# on a 5th-generation Xeon, model 207) falls back to its Prescott kernels (SSE3, a quarter of the AVX-512 rate), which
# would make a baseline no user of a current OpenBLAS sees: give it the AVX-512 kernels and say so.
core=$(OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import torch; torch.ones(64, 64) @ torch.ones(64, 64)' 2>&1 | sed -n 's/^Core: //p' | head -1)
if [[ -z ${OPENBLAS_CORETYPE:-} && $core == Prescott ]] && grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
  echo "== OpenBLAS chose its Prescott kernels on this AVX-512 CPU; PyTorch runs with OPENBLAS_CORETYPE=SkylakeX"
else
  echo "== OpenBLAS kernels: ${core:-unknown}${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
fi
# Ten warm-up iterations: the LeNet step takes 10-12 s of JIT compilation to reach its steady state on a 2-core machine
# (JMH -wi 0 -i 15: 3,161 ms, 146, 30, 12.5, 7.7 ... 4.3 ms), which two iterations left inside the measurement.
echo "== Ember (JMH: 10 warm-up and 3 measured iterations of 1 s, one fork)"
java -jar "$jar" 'MatmulBenchmark|ConvBenchmark.forwardBackward|MemoryBoundBenchmark.(copy|maxPool.*)|TrainingBenchmark.leNetStep$' \
  -p n=1024,2048 -p batch=64,1024 -wi 10 -w 1 -i 3 -r 1 -f 1 -jvmArgsAppend "$jvm" 2>&1 \
  | grep -E '^(Benchmark|Matmul|Conv|Memory|Training)' | tee "${TMPDIR:-/tmp}/cpu-targets-jmh.$$"
# Pooling's share of the copy's rate (the target: 60%), from the bytes MemoryBoundBenchmark's Javadoc counts: the copy
# reads and writes 64 MiB; the forward reads 51.4 MB and writes 12.8 MB; with the backward, 179.8 MB in all.
awk '$1 ~ /^MemoryBoundBenchmark\./ { ms[substr($1, 22)] = $(NF-3) }
  END {
    if (!("copy" in ms)) exit
    copy = 134217728 / ms["copy"] / 1e6
    printf "== max pooling against the copy (%.1f GB/s):\n", copy
    split("maxPoolForward maxPoolForwardInScope maxPoolForwardBackward maxPoolForwardBackwardInScope", rows, " ")
    for (i = 1; i <= 4; i++) {
      r = rows[i]; bytes = r ~ /Backward/ ? 179830784 : 64225280
      if (r in ms) printf "%-32s %8.3f ms  %5.1f GB/s  %3.0f%% of the copy\n", r, ms[r], bytes / ms[r] / 1e6, 100 * bytes / ms[r] / 1e6 / copy
    }
  }' "${TMPDIR:-/tmp}/cpu-targets-jmh.$$"
rm -f "${TMPDIR:-/tmp}/cpu-targets-jmh.$$"
echo "== PyTorch (benchmarks/pytorch/cpu_bench.py --threads 2)"
/usr/bin/python3 benchmarks/pytorch/cpu_bench.py --threads 2 | grep -vE 'matmul (64|256)|broadcast|autograd|note 001|batch 1 ' || true
if [[ $quick == 0 ]]; then
  echo "== main job, one epoch: Ember TrainLeNet"
  java $jvm -cp "$jar" dev.ember.bench.TrainLeNet --epochs 1 --device cpu 2>&1 \
    | grep -E '^epoch [0-9]+:'
  echo "== main job, one epoch: PyTorch benchmarks/pytorch/train_lenet.py"
  /usr/bin/python3 benchmarks/pytorch/train_lenet.py --epochs 1 | grep -E '^epoch [0-9]+:'
fi
