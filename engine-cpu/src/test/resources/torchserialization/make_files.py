"""Writes the torch.save files TorchSerializationTest reads, and what they hold (expected.txt), with PyTorch.

Run with PyTorch (1.13 here): /usr/bin/python3 make_files.py
- state_dict.pt: torch.save(model.state_dict()) of a small model (with PyTorch's _metadata attribute).
- tensors.pt: a dict of tensors of every dtype Ember has, views sharing storages (transposed, sliced with an offset,
  expanded with stride 0), 0-dim and empty tensors, special float values, a Parameter and a tensor requiring grad.
- checkpoint.pt: a nested training checkpoint (epoch, model and optimizer state dicts, lists, tuples, torch.Size,
  dtypes, devices, bytes, sets, large and negative ints).
- exact.pt: an OrderedDict of tensors made by formulas the Java test repeats, for a byte-for-byte comparison of
  Ember's writer with torch.save (12 storages, so the record order 0, 1, 10, 11, 2, ... is exercised).
- refused_function.pt (a Python function, which torch.load(weights_only=True) refuses; PyTorch 1.13 words it
  "Unsupported class __builtin__.print", 2.x "Unsupported global: GLOBAL print was not an allowed global by default",
  which Ember follows), legacy.pt (the pre-1.6 format) and torchscript.pt (torch.jit.save), which Ember does not read.
"""
import collections
import io
import math
import torch

torch.manual_seed(0)


def fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def describe(name, t, out):
    vals = t.detach().reshape(-1).tolist() if t.numel() else []
    out.append("tensor %s %s %s %s %d %d : %s" % (
        name, str(t.dtype), list(t.shape), list(t.stride()), t.storage_offset(), int(t.requires_grad),
        " ".join(fmt(v) for v in vals)))


lines = []

# 1. a state dict
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 3))
model.train()
model(torch.randn(4, 1, 4, 4))  # running stats move
sd = model.state_dict()
torch.save(sd, "state_dict.pt")
for k, v in sd.items():
    describe("state_dict/" + k, v, lines)
model.eval()
with torch.no_grad():
    describe("forward", model(torch.arange(32, dtype=torch.float32).reshape(2, 1, 4, 4) / 16 - 1), lines)
model.train()

# 2. tensors of every dtype and layout
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
t = {
    "f32": base,
    "f32_t": base.t(),                      # shares base's storage, transposed
    "f32_slice": base[1:3, 2:5],            # offset 8, strides (6, 1)
    "f64": torch.tensor([[1.5, -2.25], [math.pi, 1e-300]], dtype=torch.float64),
    "f16": torch.tensor([0.1, -65504.0, 6e-8, float("inf"), float("nan"), -0.0], dtype=torch.float16),
    "bf16": torch.tensor([0.1, -3e38, 1e-40, float("-inf"), 1.0], dtype=torch.bfloat16),
    "i64": torch.tensor([-(2 ** 63), 2 ** 63 - 1, 0, -1]),
    "i32": torch.tensor([[-(2 ** 31), 7], [2 ** 31 - 1, 0]], dtype=torch.int32),
    "i16": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
    "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
    "u8": torch.tensor([0, 255, 128], dtype=torch.uint8),
    "bool": torch.tensor([[True, False, True]]),
    "scalar": torch.tensor(2.5, dtype=torch.float64),
    "empty": torch.zeros(0, 3),
    "expanded": torch.tensor([1.0, 2.0, 3.0]).expand(2, 3),
    "param": torch.nn.Parameter(torch.tensor([0.5, -0.5])),
    "grad_leaf": torch.tensor([[1.0, 2.0]], requires_grad=True),
}
torch.save(t, "tensors.pt")
for k, v in t.items():
    describe("tensors/" + k, v, lines)
lines.append("shares tensors/f32 tensors/f32_t tensors/f32_slice")

# 3. a nested checkpoint
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(torch.randn(2, 1, 4, 4)).sum().backward()
opt.step()
ckpt = {
    "epoch": 7,
    "model": model.state_dict(),
    "optimizer": opt.state_dict(),
    "losses": [0.5, 0.25, float("nan")],
    "pair": (1, "a", None, True),
    "size": torch.Size([2, 3]),
    "dtype": torch.float16,
    "device": torch.device("cuda", 1),
    "cpu": torch.device("cpu"),
    "bytes": b"ab\x00\xff",
    "set": {3},
    "big": 2 ** 70,
    "neg": -5,
    "bigneg": -(2 ** 40),
    "medium": 40000,
}
torch.save(ckpt, "checkpoint.pt")
lines.append("checkpoint epoch=7 losses=3 momentum_buffers=%d param_groups=%d lr=%s" % (
    len(ckpt["optimizer"]["state"]), len(ckpt["optimizer"]["param_groups"]), fmt(ckpt["optimizer"]["param_groups"][0]["lr"])))
for k, v in ckpt["optimizer"]["state"].items():
    describe("checkpoint/optimizer/state/%d/momentum_buffer" % k, v["momentum_buffer"], lines)
lines.append("checkpoint params " + " ".join(str(p) for p in ckpt["optimizer"]["param_groups"][0]["params"]))

# 4. exact bytes: tensors from formulas the Java test repeats
exact = collections.OrderedDict()
for i in range(11):
    exact["w%d" % i] = (torch.arange(i + 2, dtype=torch.float32) * 0.25 - i).reshape(1, i + 2)
exact["h"] = torch.arange(6, dtype=torch.float64).reshape(2, 3)
exact["h_t"] = exact["h"].t()
exact["ids"] = torch.arange(5, dtype=torch.int64) * 1000 - 2000
exact["mask"] = torch.arange(4) % 3 == 0
exact["half"] = (torch.arange(3, dtype=torch.float32) / 3).to(torch.float16)
exact["bhalf"] = (torch.arange(3, dtype=torch.float32) / 3).to(torch.bfloat16)
exact["zero_dim"] = torch.tensor(7, dtype=torch.int32)
exact["empty"] = torch.zeros(0, dtype=torch.float32)
exact["nested.name.weight"] = torch.ones(2, 2, 1, 1)
torch.save(exact, "exact.pt")

# 5. what the weights-only loader refuses, and formats Ember does not read
torch.save({"fn": print}, "refused_function.pt")
torch.save(torch.ones(2), "legacy.pt", _use_new_zipfile_serialization=False)


class Tiny(torch.nn.Module):
    def forward(self, x):
        return x + 1


torch.jit.save(torch.jit.script(Tiny()), "torchscript.pt")

with open("expected.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
