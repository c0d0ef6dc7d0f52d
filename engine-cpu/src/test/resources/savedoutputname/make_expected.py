# Expected messages for SavedOutputNameTest.java: a double-backward node saves the unpacked output of a first-order
# node (log_softmax's, softmax's, exp's, tanh's, sigmoid's saved result); the output is then changed in place, and the
# backward through the double-backward graph raises PyTorch's in-place error naming the FIRST node (the unpacked
# output is a new variable, make_variable(data, Edge(saved_for, output_nr)), whose grad_fn stays that node), not the
# in-place op's node that the output itself now has. Found by a hunt of fuzz round 7 (seed 6407, program p0119).
#   run: cd engine-cpu/src/test/resources/savedoutputname && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; SavedVariable::unpack is the same in 2.x)
# Format: op<TAB>message (or "OK <sum of the leaf's gradient>" where PyTorch raises nothing)
import torch

OPS = {
    "log_softmax": lambda x: torch.log_softmax(x, 1),
    "softmax": lambda x: torch.softmax(x, 1),
    "exp": torch.exp,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}
for name, f in OPS.items():
    x = torch.tensor([[-0.472, -1.308], [-1.559, -0.941], [0.681, 1.148]], dtype=torch.float64, requires_grad=True)
    y = f(x)
    w = torch.tensor([[1.0, 2.5], [4.0, 5.5], [1.5, 3.0]], dtype=torch.float64)
    (gx,) = torch.autograd.grad(y, x, w, create_graph=True)
    y.mul_(0.5)
    try:
        gx.backward(torch.ones_like(gx))
        print("%s\tOK %r" % (name, x.grad.sum().item()))
    except RuntimeError as e:
        print("%s\t%s" % (name, str(e).split("\n")[0]))
