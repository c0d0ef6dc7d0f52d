"""torch.save of meta tensors, for MetaDeviceGapsTest.

Run: cd engine-cpu/src/test/resources/metadevice2 && /usr/bin/python3 gen_meta_save.py
Writes meta_tensors.pt: a dict of meta tensors (float32 2x3, float64 3, a transposed 2x3 view of a 3x2 tensor, a float32
4 that requires grad) and meta_linear.pt, the state dict (an OrderedDict with _metadata) of nn.Linear(3, 2) built on
meta. torch.save writes a meta tensor as torch._utils._rebuild_meta_tensor_no_storage(dtype, size, stride,
requires_grad), with no storage (torch/_tensor.py's _reduce_ex_internal; 2.x writes the same call), and torch.load gives
meta tensors back. No randomness reaches the output.
"""
import torch

M = "meta"
g = torch.empty(4, device=M).requires_grad_()
torch.save({"w": torch.empty(2, 3, device=M), "b": torch.empty(3, dtype=torch.float64, device=M),
            "t": torch.empty(3, 2, device=M).t(), "g": g}, "meta_tensors.pt")
torch.save(torch.nn.Linear(3, 2, device=M).state_dict(), "meta_linear.pt")
for f in ("meta_tensors.pt", "meta_linear.pt"):
    r = torch.load(f)
    assert all(v.device.type == "meta" for v in r.values()), f
