# Expected values for AddModuleTest: torch.nn.Module.add_module on a layer and on a Sequential (printouts, state dict
# keys, the KeyError messages for bad names).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

lines = []
text, _, _ = key_lines(lines)

lin = nn.Linear(2, 2)
lin.add_module("extra", nn.Linear(2, 3))
text("linear.printout", str(lin))
text("linear.keys", ",".join(lin.state_dict().keys()))
for key, name in (("dotted", "a.b"), ("empty", ""), ("taken", "weight")):
    try:
        nn.Linear(2, 2).add_module(name, nn.ReLU())
    except KeyError as e:
        text("error." + key, e.args[0])
seq = nn.Sequential(nn.ReLU(), nn.Tanh())
seq.add_module("0", nn.Sigmoid())
seq.add_module("head", nn.Identity())
text("sequential.printout", str(seq))
print("\n".join(lines))
