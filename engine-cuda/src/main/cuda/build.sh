#!/usr/bin/env bash
# Compiles ember_kernels.cu into a fatbinary (machine code for sm_75 to sm_90 and PTX for newer GPUs).
#   build.sh [OUTPUT]   default OUTPUT: ../resources/dev/ember/cuda/ember_kernels.fatbin (the shipped binary)
# The flags live in nvcc.flags so the check in KernelBinaryTest compiles with exactly the same ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../resources/dev/ember/cuda/ember_kernels.fatbin}
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2046
nvcc $(cat "$here/nvcc.flags") -o "$out" "$here/ember_kernels.cu"
echo "wrote $out ($(stat -c %s "$out") bytes)"
