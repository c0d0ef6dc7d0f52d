#!/usr/bin/env bash
# Compiles ember_kernels.cu into a fatbinary (machine code for sm_75 to sm_90 and PTX for newer GPUs).
#   build.sh [OUTPUT]   default OUTPUT: ../resources/dev/ember/cuda/ember_kernels.fatbin.gz (the shipped binary)
# An OUTPUT ending in .gz is written gzip-compressed (gzip -n: no name or time stamp), which takes the shipped binary
# from 27 to 6 MB (the working tree travels to a lent GPU machine with a 64 MiB limit); CudaBackend decompresses it.
# The flags live in nvcc.flags so the check in KernelBinaryTest compiles with exactly the same ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../resources/dev/ember/cuda/ember_kernels.fatbin.gz}
mkdir -p "$(dirname "$out")"
raw=$out
if [[ $out == *.gz ]]; then
  raw=$(mktemp --suffix=.fatbin)
  trap 'rm -f "$raw"' EXIT
fi
# shellcheck disable=SC2046
nvcc $(cat "$here/nvcc.flags") -o "$raw" "$here/ember_kernels.cu"
if [[ $out == *.gz ]]; then
  gzip -n -9 -c "$raw" > "$out"
fi
echo "wrote $out ($(stat -c %s "$out") bytes)"
