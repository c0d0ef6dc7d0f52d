# Expected values for IndexAddAlphaCheckTest.java: when index_add / index_add_ converts alpha to self's type (c10's checked
# Scalar::to). index_add_cpu_ converts it before its loop for a self of at most one dimension, whatever the index count
# (an empty index still refuses an alpha the type cannot hold, before any index value is read), and only when there are
# indices to add for more dimensions. Found by a hunt of fuzz round 1 (seed 6501: uint8 [5], an empty index, alpha
# -1.0); alphas here are integral where Ember's double API reads them as Python ints, so every case is unambiguous.
#   run: cd engine-cpu/src/test/resources/indexaddalphacheck && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; index_add_cpu_'s two branches are the same in 2.x)
# Format: name<TAB>result values or ERR message
import torch

E = torch.tensor([], dtype=torch.long)
CASES = {
    # (a 0-dim self with an empty 1-D source is refused by 2.x's meta function for its shapes first; 1.13 converts alpha)
    "0d one int8 300": lambda: torch.tensor(5, dtype=torch.int8).index_add(0, torch.tensor([0]), torch.tensor(1, dtype=torch.int8), alpha=300),
    "1d empty int16 1e6 inplace": lambda: torch.tensor([1, 2], dtype=torch.int16).index_add_(0, E, torch.tensor([], dtype=torch.int16), alpha=1000000),
    "1d empty float16 1e6": lambda: torch.tensor([1, 2], dtype=torch.float16).index_add(0, E, torch.tensor([], dtype=torch.float16), alpha=1000000),
    "1d empty bool 5": lambda: torch.tensor([True, False]).index_add(0, E, torch.tensor([], dtype=torch.bool), alpha=5),
    "1d empty uint8 -1": lambda: torch.tensor([0, 3, 1], dtype=torch.uint8).index_add(0, E, torch.tensor([], dtype=torch.uint8), alpha=-1),
    "1d out of range int8 300": lambda: torch.tensor([1, 2, 3], dtype=torch.int8).index_add(0, torch.tensor([7]), torch.tensor([1], dtype=torch.int8), alpha=300),
    "1d out of range int8 2": lambda: torch.tensor([1, 2, 3], dtype=torch.int8).index_add(0, torch.tensor([7]), torch.tensor([1], dtype=torch.int8), alpha=2),
    "2d empty int8 300": lambda: torch.zeros(2, 3, dtype=torch.int8).index_add(0, E, torch.zeros(0, 3, dtype=torch.int8), alpha=300),
    "2d one int8 300": lambda: torch.zeros(2, 3, dtype=torch.int8).index_add(0, torch.tensor([1]), torch.ones(1, 3, dtype=torch.int8), alpha=300),
    "2d one int8 3": lambda: torch.zeros(2, 3, dtype=torch.int8).index_add(0, torch.tensor([1]), torch.ones(1, 3, dtype=torch.int8), alpha=3),
}
for name, f in CASES.items():
    try:
        res = str([float(v) for v in f().to(torch.float64).reshape(-1).tolist()])
    except (RuntimeError, IndexError) as e:
        res = "ERR " + str(e).split("\n")[0]
    print("%s\t%s" % (name, res))
