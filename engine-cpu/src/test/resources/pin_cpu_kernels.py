# Pins the CPU kernels PyTorch 1.13 computes float32 products and convolutions with, for the generators whose committed
# outputs are model outputs (shardedcheckpoint, safetensors/io.safetensors, outsiderprograms2, outsiderprograms12).
# Import it before torch:
#   sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
#   import pin_cpu_kernels  # noqa: E402,F401
#   import torch
#
# Why (session 39): Debian's python3-torch does its matrix products in OpenBLAS (a DYNAMIC_ARCH build, which picks its
# kernels for the CPU it finds when the library loads) and its convolutions in oneDNN (which picks its instruction set
# the same way). This machine has AVX-512 (and AMX): OpenBLAS took its SkylakeX kernels, whose sums round in another
# order than the Haswell ones the committed outputs were written with, and the last bits of the model outputs differed
# (one thread or two, the same bits). Held to OpenBLAS's Haswell kernels and oneDNN's AVX-512 core ones (AVX2 for the
# safetensors generator, whose convolution was written with those: it sets DNNL_MAX_CPU_ISA before importing this), a
# rerun here writes the committed files byte for byte. oneDNN's setting is a ceiling: a machine without AVX-512 runs
# AVX2 kernels and may still differ in the last bits of convolutions. Both are read when the libraries load, so they
# are set before torch is imported; every thread count is one, so that no product or reduction is split by the
# machine's core count.
import os

os.environ["OPENBLAS_CORETYPE"] = "Haswell"
os.environ.setdefault("DNNL_MAX_CPU_ISA", "AVX512_CORE")
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import torch  # noqa: E402

torch.set_num_threads(1)
