# Writes expected.txt for StateDictCompatTest.java: loading a norm layer's state dict saved before PyTorch added
# num_batches_tracked (a plain dict without it, no version metadata).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
# "key<TAB>value" lines. 2.x note: PyTorch 2.x's _NormBase._load_from_state_dict fills the missing key with the layer's
# own num_batches_tracked; 1.13 filled it with torch.tensor(0). The "count after" lines are 2.x's (the count kept), the
# "count after 1.13" lines what 1.13 does.
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
out = []


def plain(sd, drop):
    return {k: v.clone() for k, v in sd.items() if not k.endswith(drop)}


bn = torch.nn.BatchNorm1d(3)
bn.num_batches_tracked.fill_(5)
r = bn.load_state_dict(plain(torch.nn.BatchNorm1d(3).state_dict(), "num_batches_tracked"))
out.append(("batchnorm result", str(r)))
out.append(("batchnorm count after 1.13", str(int(bn.num_batches_tracked))))
out.append(("batchnorm count after", "5"))

m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
out.append(("sequential result", str(m.load_state_dict(plain(m.state_dict(), "num_batches_tracked")))))

i = torch.nn.InstanceNorm1d(3, track_running_stats=True)
out.append(("instancenorm result", str(i.load_state_dict(plain(i.state_dict(), "num_batches_tracked")))))

try:
    bn.load_state_dict(plain(torch.nn.BatchNorm1d(3).state_dict(), "running_var"))
except RuntimeError as e:
    out.append(("other key missing", str(e).replace("\n", "\\n")))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    for k, v in out:
        f.write("%s\t%s\n" % (k, v))
