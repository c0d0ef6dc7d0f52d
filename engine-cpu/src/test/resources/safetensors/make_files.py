# Writes safetensors test files from PyTorch tensors (by hand, following the format's specification, since Debian's
# python3-torch comes without the safetensors package):
#   /usr/bin/python3 make_files.py  ->  model.safetensors, io.safetensors   a small model's weights, its input and output
#                                       edge.safetensors, edge_expected.txt the specification's corner cases and what
#                                                                           they hold, tensor by tensor
#                                       reference_layout.safetensors        bytes laid out as the reference writer
#                                                                           (huggingface/safetensors) lays them out
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ["DNNL_MAX_CPU_ISA"] = "AVX2"  # io.safetensors' convolution was written with oneDNN's AVX2 kernels
import pin_cpu_kernels  # noqa: E402,F401  (before torch: see pin_cpu_kernels.py)

import torch

from refcases import reference_order, safetensors_entries, write_safetensors  # noqa: E402

CODES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}

def save(tensors, path):
    header, blobs = safetensors_entries(tensors, sorted(tensors))
    header["__metadata__"] = {"format": "pt"}
    write_safetensors(path, json.dumps(header), blobs)

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
x = torch.randn(2, 1, 4, 4)
save(model.state_dict(), "model.safetensors")
save({"input": x, "output": model(x), "labels": torch.tensor([2, 0])}, "io.safetensors")

# The specification's corner cases: a 0-dim tensor, an empty one, bool, int64 extremes, special floats, names that
# need JSON escapes (json.dumps writes non-ASCII as \uXXXX, the emoji as a surrogate pair), __metadata__ between
# tensors, and data stored in another order than the header lists the tensors.
edge = {
    "scalar": torch.tensor(math.pi, dtype=torch.float64),
    "empty": torch.zeros(0, 3),
    "flags": torch.tensor([[True, False], [False, True]]),
    "ids": torch.tensor([-2**63, 2**63 - 1, 0, -1]),
    "w\u00e9ight \"q\" \\ /": torch.tensor([[-0.0, float("inf"), float("-inf")], [1e-40, 3.4028234663852886e38, float("nan")]]),
    "\U0001F600": torch.randn(2, dtype=torch.float64),
    "tab\tnew\nline\u001f": torch.randn(1),
}
names = list(edge)
header, offsets, blobs, offset = {}, {}, [], 0
for name in reversed(names):  # data in reverse header order
    data = edge[name].numpy().tobytes()
    offsets[name] = [offset, offset + len(data)]
    blobs.append(data)
    offset += len(data)
for name in names:
    t = edge[name]
    header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": offsets[name]}
    if name == "ids":
        header["__metadata__"] = {"format": "pt", "note": "caf\u00e9 \"quoted\" \\"}
write_safetensors("edge.safetensors", json.dumps(header), blobs)

def text(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return "nan" if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else repr(v)

# One line per tensor in header order: UTF-8 name as hex | dtype | shape | values (float32 values as the exact double)
with open("edge_expected.txt", "w") as f:
    for name in names:
        t = edge[name]
        values = t.reshape(-1).tolist()
        f.write("%s|%s|%s|%s\n" % (name.encode().hex(), CODES[t.dtype], ",".join(str(d) for d in t.shape),
                                   " ".join(text(v) for v in values)))

# The reference writer's layout: tensors ordered by dtype (its Dtype enum descending: I64, F64, F32, BOOL) then by
# name as UTF-8 bytes, compact JSON (serde_json: raw UTF-8, control characters escaped), header padded with spaces.
layout = {
    "b": torch.tensor([True, False, True]),
    "a": torch.randn(2, 3),
    "z": torch.tensor([5, -6]),
    "\u00e9": torch.randn(3, dtype=torch.float64),
    "ctl\u0001\t": torch.randn(1),
    "\U0001F600": torch.randn(1),
    "\uffff": torch.randn(1),
    "s": torch.tensor(1.5),
    "e": torch.zeros(2, 0, dtype=torch.int64),
}
header, blobs = safetensors_entries(layout, reference_order(layout))
write_safetensors("reference_layout.safetensors", json.dumps(header, separators=(",", ":"), ensure_ascii=False), blobs)
