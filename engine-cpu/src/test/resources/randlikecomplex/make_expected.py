# Expected values for RandLikeComplexLayoutTest: random complex tensors of a strided (non-overlapping and dense)
# layout, as PyTorch draws them. rand_like / randn_like keep empty_like's strides, and uniform_ / normal_ on a complex
# tensor fill its view_as_real (a strided real tensor) in the order of its memory: the serial normal with
# std / sqrt(2), not the 16-wide fill of a contiguous tensor.
#   run: cd engine-cpu/src/test/resources/randlikecomplex && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (2.x's uniform_ / normal_ / *_like kernels are the same on the CPU for these).
# Each case: "case <name>", "strides <...>", then "v <hex of real part> <hex of imag part>" per element in the
# tensor's logical (row-major) order.
import math
import torch


def cl(shape, dtype):
    return torch.empty(*shape, dtype=dtype).to(memory_format=torch.channels_last)


def cases():
    yield "rand_like_c64_cl", lambda: torch.rand_like(cl((2, 3, 4, 5), torch.cfloat))
    yield "randn_like_c64_cl", lambda: torch.randn_like(cl((2, 3, 4, 5), torch.cfloat))
    yield "randn_like_c128_cl", lambda: torch.randn_like(cl((2, 3, 2, 2), torch.cdouble))
    yield "randn_like_c64_cl_small", lambda: torch.randn_like(cl((1, 3, 1, 2), torch.cfloat))
    yield "rand_like_float_cl_as_c64", lambda: torch.rand_like(cl((2, 3, 4, 5), torch.float32), dtype=torch.cfloat)
    yield "randn_like_float_cl_as_c128", lambda: torch.randn_like(cl((2, 4, 3, 2), torch.float32), dtype=torch.cdouble)
    yield "randn_like_c128_permuted", lambda: torch.randn_like(
        torch.empty(4, 3, 5, dtype=torch.cdouble).permute(2, 0, 1))
    yield "normal__c64_cl", lambda: cl((2, 3, 4, 5), torch.cfloat).normal_(0.5, 2.0)
    yield "uniform__c128_cl", lambda: cl((2, 3, 2, 3), torch.cdouble).uniform_(-1.0, 3.0)
    yield "randn_like_c64_contiguous", lambda: torch.randn_like(torch.empty(2, 3, 4, 5, dtype=torch.cfloat))
    yield "randn_like_c64_sliced", lambda: torch.randn_like(torch.empty(4, 6, dtype=torch.cfloat)[:, ::2])


def hexes(t):
    r = torch.view_as_real(t.contiguous()).reshape(-1, 2)
    return [(float(a).hex(), float(b).hex()) for a, b in r.tolist()]


for name, make in cases():
    torch.manual_seed(62)
    t = make()
    print("case", name, str(t.dtype).replace("torch.", ""), " ".join(str(s) for s in t.shape))
    print("strides", " ".join(str(s) for s in t.stride()))
    for a, b in hexes(t):
        print("v", a, b)
