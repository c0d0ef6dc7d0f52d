# Expected values for engine-cpu's IndexAddAlphaBitsTest: index_add with alpha 0.3 (not a power of two, so the rounding
# shows) in float32 and float64, bit for bit. PyTorch's index_add_cpu_ adds slice by slice through the add kernel when
# self has two or more dimensions (self + alpha * source as one fused multiply-add: Vectorized::fmadd, and the scalar
# tail contracted on this AVX2 build), and computes self[i] += source[i] * alpha (two roundings) for a 1-D self. 2.x's
# index_add_cpu_out is the same for alpha != 1 (its scatter_add shortcut is only for alpha 1), so PyTorch 1.13's answers
# are 2.x's. Each line: name, then values (inputs are written too, so the test builds the same tensors).
# Run: /usr/bin/python3 make_expected.py > expected.txt
import torch

torch.manual_seed(7)


def emit(name, t):
    print(name, " ".join(repr(float(x)) for x in t.to(torch.float64).reshape(-1).tolist()))


for dt, tag in ((torch.float32, "float32"), (torch.float64, "float64")):
    # 2-D along dim 0: rows of 67 (a vector body and a tail), repeated indices accumulate in order
    s0 = torch.randn(6, 67, dtype=dt)
    src0 = torch.randn(8, 67, dtype=dt)
    i0 = torch.tensor([3, 0, 5, 3, 1, 3, 4, 0])
    emit(f"{tag} self0", s0)
    emit(f"{tag} source0", src0)
    emit(f"{tag} index0", i0)
    emit(f"{tag} dim0", s0.index_add(0, i0, src0, alpha=0.3))
    # 2-D along dim 1 (strided slices)
    s1 = torch.randn(5, 40, dtype=dt)
    src1 = torch.randn(5, 12, dtype=dt)
    i1 = torch.tensor([39, 2, 2, 17, 0, 5, 39, 11, 2, 30, 8, 1])
    emit(f"{tag} self1", s1)
    emit(f"{tag} source1", src1)
    emit(f"{tag} index1", i1)
    emit(f"{tag} dim1", s1.index_add(1, i1, src1, alpha=0.3))
    # 3-D along the middle dimension, in place
    s2 = torch.randn(3, 4, 9, dtype=dt)
    src2 = torch.randn(3, 6, 9, dtype=dt)
    i2 = torch.tensor([1, 3, 1, 0, 2, 1])
    emit(f"{tag} self2", s2)
    emit(f"{tag} source2", src2)
    emit(f"{tag} index2", i2)
    emit(f"{tag} dim2", s2.clone().index_add_(1, i2, src2, alpha=0.3))
    # 1-D: self[i] += source[i] * alpha, two roundings
    s3 = torch.randn(50, dtype=dt)
    src3 = torch.randn(40, dtype=dt)
    i3 = torch.randint(0, 50, (40,))
    emit(f"{tag} self3", s3)
    emit(f"{tag} source3", src3)
    emit(f"{tag} index3", i3)
    emit(f"{tag} dim3", s3.index_add(0, i3, src3, alpha=0.3))
