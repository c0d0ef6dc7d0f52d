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


# ---- session 50
# transposed self (in place) and transposed source, dim 0
s4 = torch.randn(67, 6).t()
src4 = torch.randn(67, 8).t()
i4 = torch.tensor([2, 5, 2, 0, 2, 1, 4, 2])
emit("float32 self4", s4)
emit("float32 source4", src4)
emit("float32 index4", i4)
s4.index_add_(0, i4, src4, alpha=0.3)
emit("float32 dim4", s4)
# many repeated indices, alpha -1.7
s5 = torch.randn(20, 16)
src5 = torch.randn(100, 16)
i5 = torch.randint(0, 20, (100,))
emit("float32 self5", s5)
emit("float32 source5", src5)
emit("float32 index5", i5)
emit("float32 dim5", s5.index_add(0, i5, src5, alpha=-1.7))
# complex64: alpha * source rounded, then added
s6 = torch.randn(6, 67, dtype=torch.complex64)
src6 = torch.randn(8, 67, dtype=torch.complex64)
i6 = torch.tensor([3, 0, 5, 3, 1, 3, 4, 0])
r6 = s6.index_add(0, i6, src6, alpha=0.3)
for part, f in (("re", torch.real), ("im", torch.imag)):
    emit(f"complex64 self6{part}", f(s6))
    emit(f"complex64 source6{part}", f(src6))
    emit(f"complex64 dim6{part}", f(r6))
emit("complex64 index6", i6)


def formula(n, mul, dt):
    # ((k * mul) mod 2003) / 1001 - 1 for k = 0..n-1, exact up to the division's one rounding, then cast
    k = torch.arange(n, dtype=torch.float64)
    return (torch.fmod(k * mul, 2003.0) / 1001.0 - 1.0).to(dt)


def bits(name, t):
    if t.dtype == torch.float32:
        b = t.contiguous().view(torch.int32).reshape(-1).tolist()
        print(name, " ".join("%08x" % (x & 0xffffffff) for x in b))
    else:
        b = t.contiguous().view(torch.int64).reshape(-1).tolist()
        print(name, " ".join("%016x" % (x & 0xffffffffffffffff) for x in b))


# slices of 1100 elements and 64 indices (repeats included): along dim 0 of [3, 1100] (a dense slice) and along dim 1
# of [1100, 3] (a strided one); self = formula(., 7919), source = formula(., 104729), index[i] = (i * 5) % 3
big_index = torch.tensor([(i * 5) % 3 for i in range(64)])
for dt, tag in ((torch.float32, "float32"), (torch.float64, "float64")):
    b0 = formula(3 * 1100, 7919, dt).reshape(3, 1100)
    bs0 = formula(64 * 1100, 104729, dt).reshape(64, 1100)
    bits(f"{tag} bits7", b0.index_add(0, big_index, bs0, alpha=0.3))
    b1 = formula(1100 * 3, 7919, dt).reshape(1100, 3)
    bs1 = formula(1100 * 64, 104729, dt).reshape(1100, 64)
    bits(f"{tag} bits8", b1.index_add(1, big_index, bs1, alpha=0.3))
