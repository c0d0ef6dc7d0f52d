# Writes the complex-tensor files ComplexFilesTest reads, and what they hold (expected.txt), with PyTorch 1.13:
#   /usr/bin/python3 make_files.py
# - complex.pt: torch.save of an OrderedDict of complex64 and complex128 tensors made by formulas the Java test repeats
#   (row-major k: real part (k - 3) * 0.375, imaginary part ((5k) mod 7 - 3) * 0.5 (+ 1/3 for complex128, a value
#   float32 rounds)), a transposed view and a strided slice with an offset sharing the complex128 storage, a 0-dim
#   and an empty complex tensor, and a complex64 leaf requiring grad: ComplexFloatStorage and ComplexDoubleStorage
#   records, the parts interleaved. Ember must read the values and write the same bytes.
# - complex.safetensors: a C64 (complex64) tensor between F64 and F32 ones, laid out by hand as the reference writer
#   (huggingface/safetensors, which defines C64 since 0.7; Debian's python3-torch comes without it) lays it out: the
#   tensors ordered by its Dtype enum descending (F64, C64, F32) then by name, the compact JSON header padded with
#   spaces to 8 bytes, the complex64 data as interleaved little-endian float32 parts.
# expected.txt: "tensor <name> <dtype> [shape] [stride] <offset> <requires_grad> : <re im re im ...>" per tensor.
import collections
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import reference_order, safetensors_entries, write_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def values(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    re = torch.tensor([(k - 3) * 0.375 for k in range(n)], dtype=torch.float64)
    im = torch.tensor([((5 * k) % 7 - 3) * 0.5 + (1.0 / 3 if dtype == torch.complex128 else 0.0) for k in range(n)],
                      dtype=torch.float64)
    return torch.complex(re, im).to(dtype).reshape(shape)


def describe(name, t):
    parts = torch.view_as_real(t.detach()).reshape(-1).tolist() if t.numel() else []
    return "tensor %s %s %s %s %d %d : %s" % (name, str(t.dtype).replace("torch.", ""), list(t.shape), list(t.stride()),
                                             t.storage_offset(), int(t.requires_grad), " ".join(repr(v) for v in parts))


b = values((3, 4), torch.complex128)
tensors = collections.OrderedDict()
tensors["c64"] = values((2, 3), torch.complex64)
tensors["c128"] = b
tensors["c128_t"] = b.t()
tensors["c128_slice"] = b[1:, ::2]
tensors["scalar"] = values((), torch.complex128)
tensors["empty"] = values((0, 2), torch.complex64)
tensors["leaf"] = values((4,), torch.complex64).requires_grad_()
torch.save(tensors, os.path.join(HERE, "complex.pt"))

lines = [describe(k, v) for k, v in tensors.items()]

# safetensors, by hand in the reference layout
st = {"w64": torch.linspace(-1, 1, 3, dtype=torch.float64), "z": values((2, 2), torch.complex64),
      "a_z": values((3,), torch.complex64), "x32": torch.linspace(0, 2, 4, dtype=torch.float32)}
header, blobs = safetensors_entries(st, reference_order(st))
write_safetensors(os.path.join(HERE, "complex.safetensors"), json.dumps(header, separators=(",", ":")), blobs)
lines += ["safetensors " + describe(k, v)[len("tensor "):] for k, v in st.items() if v.is_complex()]

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "tensors")
