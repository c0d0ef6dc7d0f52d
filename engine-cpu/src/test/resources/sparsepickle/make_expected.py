# PyTorch files holding sparse tensors, for SparsePickleTest: torch.save of COO tensors (uncoalesced, coalesced,
# hybrid; 1.13 cannot pickle CSR/CSC tensors: "Cannot access data pointer") and of an SGD state dict whose momentum
# buffer is sparse (an Embedding(sparse=True) after three steps) in sparse_state.pt, the three COO tensors alone in
# coo_only.pt (the bytes Ember's save must write); expected.txt holds PyTorch's printout of each.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, which pickles a COO tensor as
# _rebuild_sparse_tensor(layout, (indices, values, size)); 2.x adds is_coalesced)
import os
import warnings

import torch

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
here = os.path.dirname(os.path.abspath(__file__))
lines = []


def text(key, s):
    lines.append(key + " " + s.replace("\\", "\\\\").replace("\n", "\\n"))


T = torch.tensor
coo = torch.sparse_coo_tensor(T([[1, 0, 1, 1], [2, 1, 0, 2]]), T([1.0, 2.0, 3.0, 4.0]), (2, 3))
objs = {
    "coo": coo,
    "coalesced": coo.coalesce(),
    "hybrid": T([[0.0, 0.0], [1.0, 2.0], [0.0, 3.0]]).to_sparse(1),
}
e = torch.nn.Embedding(6, 2, sparse=True)
with torch.no_grad():
    e.weight.copy_(torch.arange(12.0).reshape(6, 2) * 0.1)
o = torch.optim.SGD(e.parameters(), lr=0.1, momentum=0.9, dampening=0.1)
for k, idx in enumerate([[1, 3, 1], [4, 1], [0, 5, 3]]):
    o.zero_grad()
    (e(T(idx)) * (k + 1.0)).sum().backward()
    o.step()
objs["sgd"] = o.state_dict()
torch.save(objs, os.path.join(here, "sparse_state.pt"))
# the COO tensors alone: the bytes Ember's TorchSerialization.save must write for the same dict
torch.save({k: objs[k] for k in ("coo", "coalesced", "hybrid")}, os.path.join(here, "coo_only.pt"))
for k, v in objs.items():
    text(k, str(v["state"][0]["momentum_buffer"]) if k == "sgd" else str(v))
print("\n".join(lines))
