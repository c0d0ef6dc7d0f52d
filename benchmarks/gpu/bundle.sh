#!/usr/bin/env bash
# Builds the bundle a lent GPU session carries, slim enough for the device tool's 64 MiB (working tree plus carried
# paths), from a clean build so that no stale class or kernel binary rides along:
#   bash benchmarks/gpu/bundle.sh        (from anywhere in the checkout; needs ../shared/gpu-bundle/make-bundle.sh,
#                                         or the script named by $EMBER_MAKE_BUNDLE)
# It leaves out what the GPU run does not use: the benchmarks' shaded jar (run.sh puts every module jar and
# dependency on the class path instead), engine-cpu's test classes (engine-cuda's tests need only its main jar) and
# the JNI libraries of JavaCPP's CUDA presets that Ember does not load. It adds the fortunes text (2.5 MB) that
# check.sh's GPT step trains on.
# Then run benchmarks/gpu/check.sh through the device tool with carry [".gpu-bundle"].
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
mvn -B -q -o clean
bash "${EMBER_MAKE_BUNDLE:-$root/../shared/gpu-bundle/make-bundle.sh}" engine-api engine-cpu engine-cuda benchmarks
rm -f .gpu-bundle/modules/benchmarks/benchmarks.jar
rm -rf .gpu-bundle/modules/engine-cpu/test-classes
# JavaCPP's CUDA natives jar holds a JNI library per CUDA library (NPP, nvJPEG, cuFFT, ...: 5 MB); Ember loads the
# runtime's and cuBLAS's (and cuDNN's, for convolution): keep those three
for j in .gpu-bundle/lib/cuda-*-linux-x86_64.jar; do
  [[ -f $j ]] || continue
  mapfile -t unused < <(unzip -Z1 "$j" | grep '\.so$' | grep -vE '/libjni(cudart|cublas|cudnn)\.so$')
  (( ${#unused[@]} == 0 )) || zip -q -d "$j" "${unused[@]}"
done
# JCuda's natives jar carries the JNI libraries of NVRTC and the PTX compiler too (24 MB unpacked), which Ember never
# loads: keep the driver's and the runtime's
for j in .gpu-bundle/lib/jcuda-natives-*-linux-x86_64.jar; do
  [[ -f $j ]] || continue
  mapfile -t unused < <(unzip -Z1 "$j" | grep '\.so$' | grep -vE '/libJCuda(Driver|Runtime)-[^/]*\.so$')
  (( ${#unused[@]} == 0 )) || zip -q -d "$j" "${unused[@]}"
done
# the kernels' fatbin (10 MB) is in the working tree the device tool copies already: the bundle's engine-cuda jar drops
# its copy and a manifest-only jar beside it puts the tree's resources directory on the class path (Class-Path is
# resolved against the jar's own place, .gpu-bundle/modules/engine-cuda/, three levels below the repository root)
cuda_jar=$(ls .gpu-bundle/modules/engine-cuda/engine-cuda-*.jar | head -n 1)
zip -q -d "$cuda_jar" 'dev/ember/cuda/ember_kernels.fatbin.gz'
manifest=$(mktemp)
printf 'Manifest-Version: 1.0\nClass-Path: ../../../engine-cuda/src/main/resources/\n' > "$manifest"
rm -f .gpu-bundle/modules/engine-cuda/kernels-from-tree.jar
jar cfm .gpu-bundle/modules/engine-cuda/kernels-from-tree.jar "$manifest"
rm -f "$manifest"
# the text of check.sh's GPT step (the GPU machine may lack Debian's fortunes): the files TrainGPT reads, plain files
# only (no .dat indexes, no .u8 links), at their paths under the directory
rm -rf .gpu-bundle/fortunes
if [[ -d /usr/share/games/fortunes ]]; then
  mkdir -p .gpu-bundle/fortunes
  (cd /usr/share/games/fortunes && find . -type f ! -name '*.dat' -exec cp --parents {} "$root/.gpu-bundle/fortunes/" \;)
else
  echo "no /usr/share/games/fortunes here (apt-get install -y fortunes): check.sh's GPT step needs it there" >&2
fi
bundle=$(du -sm .gpu-bundle | cut -f1)
# what the device tool copies: the files in the working tree (tracked or untracked, not ignored), summed by one du
# (xargs would split the list over several du runs, and the last run's total alone undercounts: 31 of 160 MiB)
tree_bytes() { git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1; }
tree=$(( $(tree_bytes) / 1048576 ))
echo "bundle ${bundle} MiB + working tree ${tree} MiB = $((bundle + tree)) MiB (limit 64)"
if (( bundle + tree >= 63 )); then
  # engine-cpu's test resources (PyTorch's expected values, about 130 MB) are not read on the device (check.sh runs
  # engine-cuda's tests and the benchmarks): with EMBER_SLIM_TREE=1 they move out of the working tree for the run
  stash="$root/../ember-cpu-test-resources"
  if [[ ${EMBER_SLIM_TREE:-0} == 1 ]]; then
    rm -rf "$stash" && mv engine-cpu/src/test/resources "$stash"
    tree=$(( $(tree_bytes) / 1048576 ))
    echo "moved engine-cpu/src/test/resources to $stash (put it back after the run: mv $stash engine-cpu/src/test/resources);" \
      "now ${bundle} + ${tree} = $((bundle + tree)) MiB"
  else
    echo "too large for the device tool; rerun with EMBER_SLIM_TREE=1 to move engine-cpu's test resources out of the" \
      "working tree for the run" >&2
    exit 1
  fi
  (( bundle + tree < 63 )) || { echo "still too large for the device tool" >&2; exit 1; }
fi
