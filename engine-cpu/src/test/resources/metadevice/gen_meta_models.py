"""Values for MetaDeviceTest's materialization flows: small models' state dicts, an input and PyTorch's output each.

Run: cd engine-cpu/src/test/resources/metadevice && /usr/bin/python3 gen_meta_models.py
Writes meta_models.safetensors (written by hand below, no safetensors package needed; keys "<model>.<param>",
"<model>.input", "<model>.output"). The Java test builds each model on the meta device, materializes it with
Module.toEmpty(cpu) and load_state_dict(assign=True) (2.x; 1.13 has no assign, which only changes how the values are
put in, not what they are), and compares its output on the input with PyTorch's. Seeded with torch.manual_seed.
"""
import json
import struct

import torch
import torch.nn as nn

torch.manual_seed(20261205)
models = {
    "mlp": (nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 4)), torch.randn(3, 6)),
    "conv": (nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, 2, 3, stride=2)),
             torch.randn(1, 2, 6, 6)),
    "emb": (nn.Sequential(nn.Embedding(10, 5), nn.Linear(5, 3)), torch.randint(0, 10, (2, 4))),
    "enc": (nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), torch.randn(2, 3, 8)),
}
tensors = {}
for name, (m, x) in models.items():
    m.eval()
    with torch.no_grad():
        y = m(x)
    for k, v in m.state_dict().items():
        tensors[name + "." + k] = v
    tensors[name + ".input"] = x
    tensors[name + ".output"] = y

header = {}
blobs = []
offset = 0
for k in sorted(tensors):
    t = tensors[k].contiguous()
    code = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
    data = t.numpy().tobytes()
    header[k] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open("meta_models.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print(len(tensors), "tensors,", 8 + len(h) + offset, "bytes")
