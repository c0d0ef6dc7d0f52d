# PyTorch files holding sparse tensors, for SparsePickleTest: torch.save of COO tensors (uncoalesced, coalesced,
# hybrid; 1.13 cannot pickle CSR/CSC tensors: "Cannot access data pointer") and of an SGD state dict whose momentum
# buffer is sparse (an Embedding(sparse=True) after three steps) in sparse_state.pt; expected.txt holds PyTorch's
# printout of each. (Session 35: the COO tensors alone are written in 2.x's form, coo_2x.pt, below.)
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, which pickles a COO tensor as
# _rebuild_sparse_tensor(layout, (indices, values, size)); 2.x adds is_coalesced)
import os
import pickle
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
here = os.path.dirname(os.path.abspath(__file__))
lines = []
text, _, _ = key_lines(lines)

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
for k, v in objs.items():
    text(k, str(v["state"][0]["momentum_buffer"]) if k == "sgd" else str(v))

# ---- session 35: CSR tensors and PyTorch 2.x's sparse pickles.
# csr_113.pt: CSR tensors as 1.13's torch.save writes them, _rebuild_sparse_csr_tensor(layout, (crow_indices,
# col_indices, values, size)) (float64 with an empty row, float32, a batch-free 3x1 column, no entries at all).
csrs = {
    "csr": T([[0.0, 1.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2.0, 0.0, -3.0, 4.0]]).to_sparse_csr(),
    "csr32": T([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]], dtype=torch.float32).to_sparse_csr(),
    "column": T([[1.0], [0.0], [5.0]]).to_sparse_csr(),
    "empty": torch.zeros(2, 2).to_sparse_csr(),
}
torch.save(csrs, os.path.join(here, "csr_113.pt"))
for k, v in csrs.items():
    text(k, str(v))


# 2.x pickles (torch/_tensor.py _reduce_ex_internal since 2.1): a COO tensor as _rebuild_sparse_tensor(layout,
# (indices, values, size, is_coalesced)), a CSR one as _rebuild_sparse_tensor(layout, (crow_indices, col_indices,
# values, size)) (2.x's writer no longer uses 1.13's _rebuild_sparse_csr_tensor). 1.13's torch.save with a pickler that reduces sparse tensors as
# 2.x's does writes those pickles (the archive around them is 1.13's, as Ember's save writes it): coo_2x.pt (the
# COO tensors above) and csr_2x.pt, the bytes Ember's TorchSerialization.save must write. (1.13 cannot load them.)
class Pickler2x(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor) and obj.layout == torch.sparse_coo:
            return (torch._utils._rebuild_sparse_tensor,
                    (obj.layout, (obj._indices(), obj._values(), obj.size(), obj.is_coalesced())))
        if isinstance(obj, torch.Tensor) and obj.layout == torch.sparse_csr:
            return (torch._utils._rebuild_sparse_tensor,
                    (obj.layout, (obj.crow_indices(), obj.col_indices(), obj.values(), obj.size())))
        return NotImplemented


class Pickle2x:
    Pickler = Pickler2x
    __name__ = "pickle"


torch.save({k: objs[k] for k in ("coo", "coalesced", "hybrid")}, os.path.join(here, "coo_2x.pt"),
           pickle_module=Pickle2x)
torch.save(csrs, os.path.join(here, "csr_2x.pt"), pickle_module=Pickle2x)
print("\n".join(lines))
