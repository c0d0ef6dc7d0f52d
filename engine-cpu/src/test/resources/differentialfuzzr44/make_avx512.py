# The AVX512 overlays of round 44 (cases_avx512.txt, fixes_avx512.txt): the cases whose PyTorch answer depends on the
# CPU capability, as PyTorch's AVX512 build gives them. float32 / float64 / float16 / bfloat16 arange runs in passes of
# two vectors (Vectorized::arange, base + j * step from each pass's base), and a vector holds twice the lanes on
# AVX512, so values past the 8th (float32) differ in the last bit; Ember follows the machine's capability
# (CpuCapability), so on an AVX-512 machine the tests read these blocks in place of cases.txt's / fixes.txt's (made
# under ATEN_CPU_CAPABILITY=avx2). Other blocks that differ (polar's gradients, compared within tolerance) are kept too.
# Found in session 64, the first AVX-512 machine since the round was written (CI failed there on 58 arange cases).
# Run on a machine with AVX-512 (PyTorch 1.13 CPU):
#   cd engine-cpu/src/test/resources/differentialfuzzr44 && /usr/bin/python3 make_avx512.py
# It regenerates both files under ATEN_CPU_CAPABILITY=avx2 (checked to be the committed bytes) and avx512, and writes
# the blocks that differ, in order.
import os
import subprocess
import sys


def run(cap, fixes):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
    env.pop("FUZZ_FIXES", None)
    if fixes:
        env["FUZZ_FIXES"] = "1"
    return subprocess.run([sys.executable, "make_cases.py"], env=env, check=True, capture_output=True,
                          text=True).stdout


def blocks(text):
    out, order, cur = {}, [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("=== "):
            cur = line.split()[1]
            out[cur] = [line]
            order.append(cur)
        elif cur is not None:
            out[cur].append(line)
    return out, order


for fixes, committed, overlay in ((False, "cases.txt", "cases_avx512.txt"), (True, "fixes.txt", "fixes_avx512.txt")):
    avx2 = run("avx2", fixes)
    with open(committed) as f:
        if f.read() != avx2:
            sys.exit(committed + " is not what make_cases.py writes under avx2: regenerate it first")
    avx512 = run("avx512", fixes)
    if avx512 == avx2:
        sys.exit("no difference under avx512: is this machine without AVX-512?")
    a, order = blocks(avx2)
    b, _ = blocks(avx512)
    with open(overlay, "w") as f:
        for k in order:
            if a[k] != b[k]:
                f.write("".join(b[k]))
