#!/usr/bin/env bash
# The daily ops against PyTorch, both sides in one run on this machine:
#   bash benchmarks/op-sweep.sh [JAR] [--check] [REGEX]
# JAR defaults to benchmarks/target/benchmarks.jar (build it first: mvn -B -q -DskipTests package). It prints the
# machine, the load, the versions, then Ember's rows (dev.ember.bench.OpSweep) and PyTorch's twin
# (benchmarks/pytorch/op_sweep.py), 2 threads each, microseconds per call (the median of 7 timed loops of about 50 ms
# after a warm-up of at least 1 s, and the fastest of them), then a table of the ratio Ember/PyTorch per row, worst
# first. REGEX keeps the rows whose name it finds (both sides). --check runs each row once on both sides instead and compares the float64 sum and
# absolute sum of the results (relative difference to the absolute sum; rows over 1e-4 are marked). Needs
# /usr/bin/python3 with torch (Debian: python3-torch). Ember's JVM runs with -XX:PerMethodTrapLimit=100000 (README) and a
# fixed, pretouched 4 GiB heap (below). EMBER_SWEEP_JAVA=/path/to/bin/java runs Ember's rows on that JVM instead of the
# `java` on PATH (e.g. EMBER_SWEEP_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java for JDK 25 against 17, session 53).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
args=()
for a in "$@"; do
  case $a in
    *.jar) jar=$a ;;
    *) args+=("$a") ;;
  esac
done
# A fixed 4 GiB heap touched at start: steady state, as PyTorch's allocator reuses freed blocks; left to grow, G1 hands
# rows memory the process never touched and they pay a page fault per 4 KiB (randn 21 ms a call instead of 5.5 in the
# whole sweep, session 52). EMBER_SWEEP_HEAP="" runs the JVM's default heap instead.
# The recompilation cutoffs raised: past them C2 keeps calls in shared Vector API code and some kernels' stores allocate
# (the pow row 8.1 ms instead of 1.4 in 2 of 4 JVMs without them, session 52).
java=${EMBER_SWEEP_JAVA:-java}
jvm="--add-modules=jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -XX:PerMethodRecompilationCutoff=100000"
jvm+=" -XX:PerBytecodeRecompilationCutoff=100000 ${EMBER_SWEEP_HEAP--Xms4g -Xmx4g -XX:+AlwaysPreTouch}"
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs," \
  "$(grep -o 'avx512[a-z]*' /proc/cpuinfo | sort -u | tr '\n' ' ')$(grep -qw avx2 /proc/cpuinfo && echo avx2)"
echo "== load: $(uptime | sed 's/.*load average/load average/')"
echo "$("$java" -version 2>&1 | head -1) ($(command -v "$java"))"
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "")'
tmp=${TMPDIR:-/tmp}/op-sweep.$$
echo "== Ember (dev.ember.bench.OpSweep, 2 threads)"
"$java" $jvm -cp "$jar" dev.ember.bench.OpSweep "${args[@]}" | tee "$tmp.ember"
echo "== PyTorch (benchmarks/pytorch/op_sweep.py, 2 threads)"
/usr/bin/python3 benchmarks/pytorch/op_sweep.py "${args[@]}" | tee "$tmp.torch"
echo "== load after: $(uptime | sed 's/.*load average/load average/')"
/usr/bin/python3 - "$tmp.ember" "$tmp.torch" <<'PY'
import re, sys
def read(path):
    rows = {}
    for line in open(path):
        m = re.match(r"check (.+?)\s+(\S+) (\S+)$", line.rstrip())
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
            continue
        m = re.match(r"(.+?)\s+(\S+) us\s+(\S+) us best$", line.rstrip())
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rows
e, t = read(sys.argv[1]), read(sys.argv[2])
if any(line.startswith("check ") for line in open(sys.argv[1])):
    print("== check: Ember against PyTorch (relative difference of the sums and absolute sums, to the absolute sum)")
    for name, (s, a) in e.items():
        ts, ta = t[name]
        ds = 0.0 if s == ts else abs(s - ts) / max(ta, 1e-30)  # equal infinities (a -inf mask fill) agree
        da = 0.0 if a == ta else abs(a - ta) / max(ta, 1e-30)
        print(f"{name:<48} {ds:9.2e} {da:9.2e}{'  DIFFERS' if max(ds, da) > 1e-4 else ''}")
else:
    print("== Ember/PyTorch, worst first (median loops; then the fastest loops)")
    print(f"{'op':<48} {'Ember us':>10} {'PyTorch us':>10} {'ratio':>7} {'Ember best':>10} {'PyT best':>10} {'ratio':>7}")
    for name in sorted(e, key=lambda n: -e[n][0] / t[n][0]):
        (ew, ec), (tw, tc) = e[name], t[name]
        print(f"{name:<48} {ew:10.1f} {tw:10.1f} {ew / tw:7.2f} {ec:10.1f} {tc:10.1f} {ec / tc:7.2f}")
PY
rm -f "$tmp.ember" "$tmp.torch"
