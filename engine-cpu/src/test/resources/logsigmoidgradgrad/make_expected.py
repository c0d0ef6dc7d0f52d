"""Expected values for LogSigmoidGradGradTest: logsigmoid's first and second derivatives (float64) at points
including exactly 0, and the node names of the first backward's graph. Run: /usr/bin/python3 make_expected.py > expected.txt"""
import torch
import torch.nn.functional as F

x = torch.tensor([-30.0, -2.5, -1e-300, 0.0, 1e-300, 0.75, 3.0, 40.0], dtype=torch.float64, requires_grad=True)
y = F.logsigmoid(x)
(g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
(gg,) = torch.autograd.grad(g.sum(), x)
print("x " + " ".join(repr(v) for v in x.tolist()))
print("grad " + " ".join(repr(v) for v in g.tolist()))
print("gradgrad " + " ".join(repr(v) for v in gg.tolist()))
print("node " + g.grad_fn.name())
