# Writes the files of LegacyFormatTest.java: torch.save's legacy format (PyTorch before 1.6, or
# torch.save(..., _use_new_zipfile_serialization=False)), each beside the same object saved in the zip format
# (NAME_legacy.pt and NAME_zip.pt): the test reads both with Ember and compares everything (Ember's zip reader is
# checked against PyTorch by TorchSerializationTest and fuzz rounds 30-31), plus the files a weights-only load refuses.
#   run: cd engine-cpu/src/test/resources/legacyformat && /usr/bin/python3 make_files.py   (PyTorch 1.13, CPU)
# PyTorch 2.x reads the legacy format with torch.load(weights_only=True) through _legacy_load and its restricted
# unpickler (torch/serialization.py, torch/_weights_only_unpickler.py): 1.13 writes the same bytes 2.x's _legacy_save
# writes (magic number, protocol version 1001, sys_info, the data pickle with persistent ids
# ('storage', type, key, location, numel, None), the sorted storage keys, then per key an int64 element count and the
# raw little-endian bytes). Refusals follow 2.x's messages: "Invalid magic number; corrupt file?", "Invalid protocol
# version: N", weights_only's refusal of the .tar format, mmap's refusal of a legacy file.
import collections
import io
import pickle
import struct
import tarfile

import torch

torch.manual_seed(31)


def save_pair(name, obj):
    torch.save(obj, name + "_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(obj, name + "_zip.pt")
    # the legacy file reads back in PyTorch as the object itself
    back = torch.load(name + "_legacy.pt")
    assert type(back) == type(obj)


# 1. every dtype Ember holds, 0-dim and empty tensors, a Parameter that requires grad, views sharing a storage
base = torch.randn(4, 5, dtype=torch.float64)
dtypes = collections.OrderedDict()
dtypes["f32"] = torch.randn(3, 4)
dtypes["f64"] = base
dtypes["f16"] = torch.randn(2, 3).half()
dtypes["bf16"] = torch.randn(2, 3).bfloat16()
dtypes["i64"] = torch.randint(-2**40, 2**40, (5,))
dtypes["i32"] = torch.randint(-2**30, 2**30, (2, 2), dtype=torch.int32)
dtypes["i16"] = torch.randint(-2**14, 2**14, (3,), dtype=torch.int16)
dtypes["i8"] = torch.randint(-128, 128, (4,), dtype=torch.int8)
dtypes["u8"] = torch.randint(0, 256, (4,), dtype=torch.uint8)
dtypes["bool"] = torch.rand(6) > 0.5
dtypes["c64"] = torch.randn(3, dtype=torch.complex64)
dtypes["c128"] = torch.randn(2, 2, dtype=torch.complex128)
dtypes["scalar"] = torch.tensor(2.5)
dtypes["empty"] = torch.zeros(0, 3)
dtypes["special"] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45])
dtypes["view_row"] = base[1:3]
dtypes["view_t"] = base.t()
dtypes["view_step"] = base[:, ::2]
dtypes["param"] = torch.nn.Parameter(torch.randn(2, 2))
dtypes["frozen"] = torch.nn.Parameter(torch.randn(2), requires_grad=False)
save_pair("dtypes", dtypes)

# 2. a small model's state dict (with its _metadata and a BatchNorm's int64 counter), as old checkpoints hold
model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(8, 3))
model(torch.randn(2, 1, 4, 4))  # the BatchNorm's running statistics and counter move
save_pair("model", model.state_dict())

# 3. nested containers around tensors (an optimizer-style checkpoint)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(torch.randn(2, 1, 4, 4)).sum().backward()
opt.step()
save_pair("checkpoint", {"epoch": 7, "loss": 0.125, "name": "run", "flags": [True, None, (1, 2.5)],
                         "model": model.state_dict(), "optimizer": opt.state_dict()})


# 4. a tensor rebuilt by torch._utils._rebuild_tensor (version 1, before requires_grad was pickled), which 2.x's
#    weights-only unpickler allows: how files of PyTorch 0.4 hold tensors
class V1:
    def __init__(self, t):
        self.t = t

    def __reduce_ex__(self, proto):
        return (torch._utils._rebuild_tensor, (self.t.storage(), self.t.storage_offset(), tuple(self.t.size()),
                                               self.t.stride()))


v1 = torch.arange(12, dtype=torch.float32).reshape(3, 4)
torch.save({"w": V1(v1.t()), "b": V1(v1[2])}, "rebuild_v1_legacy.pt", _use_new_zipfile_serialization=False)
torch.save({"w": v1.t(), "b": v1[2]}, "rebuild_v1_zip.pt")

# 5. refused: a quantized and a sparse tensor in the legacy format (Ember reads them from the zip format only),
#    a plain pickle (not torch.save's), a wrong protocol version, the .tar format
torch.save({"q": torch.quantize_per_tensor(torch.randn(3), 0.1, 2, torch.qint8)}, "quantized_legacy.pt",
           _use_new_zipfile_serialization=False)
torch.save({"s": torch.randn(3, 3).to_sparse()}, "sparse_legacy.pt", _use_new_zipfile_serialization=False)
with open("plain_pickle.pt", "wb") as f:
    pickle.dump({"a": 1}, f, protocol=2)
with open("bad_protocol.pt", "wb") as f:
    pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
    pickle.dump(1000, f, protocol=2)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for member in ("storages", "tensors", "pickle"):
        data = pickle.dumps(0, protocol=2)
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
with open("tar_format.pt", "wb") as f:
    f.write(buf.getvalue())
print("written")
