# Writes expected.txt for SmallGapsTest.java: torch.histogram with a tensor of bin edges, and Tensor.squeeze_(dims).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case (ReferenceCases' format): "=== name", then
#   in<i> <dtype> [shape] : values       the inputs (float inputs require grad)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)
# or "error <Type> <message>".
# 2.x notes: squeeze_ with a tuple of dims is 2.x only (squeeze_.dims, node SqueezeBackward5); 1.13 has squeeze_(dim)
# alone, so the cases squeeze the listed dims of size 1 one at a time, from the last (the same result and gradient),
# and the node is written as 2.x's.
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, fmt_tensor, run_case, seq  # noqa: E402

# 1.13's squeeze_.dim node is 2.x's squeeze_.dims node for these cases
NODE_2X = {"SqueezeBackward3": "SqueezeBackward5"}

CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


# histogram with bin edges (of detached inputs: PyTorch records a NotImplemented node for an input that requires
# grad, Ember's histogram records none, as its histogram with a number of bins)
x = seq((4, 5))
edges = torch.tensor([-2.0, -1.0, 0.0, 0.5, 2.0], dtype=D)
for dt in (torch.float64, torch.float32):
    s = "float64" if dt == D else "float32"
    case("histogram edges %s hist" % s, [x.to(dt), edges.to(dt)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
    case("histogram edges %s bin_edges" % s, [x.to(dt), edges.to(dt)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).bin_edges)
    case("histogram edges %s weight density" % s, [x.to(dt), edges.to(dt), seq((4, 5), dt, 3).abs()],
         lambda a: torch.histogram(a[0].detach(), a[1].detach(), weight=a[2].detach(), density=True).hist)
case("histogram edges unsorted", [x, torch.tensor([0.5, -2.0, 1.0, 2.0], dtype=D)],
     lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges values on edges", [torch.tensor([0.0, 1.0, 2.0, 3.0, 3.0, -0.0, 1.5], dtype=D),
                                         torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=D)],
     lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges empty input", [torch.zeros(0, dtype=D), torch.tensor([0.0, 1.0], dtype=D)],
     lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges dtype", [x, edges.float()], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges 2-d", [x, edges[:4].reshape(2, 2)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges none", [x, torch.zeros(0, dtype=D)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges one", [x, torch.zeros(1, dtype=D)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)
case("histogram edges weight shape", [x, edges, torch.ones(3, dtype=D)],
     lambda a: torch.histogram(a[0].detach(), a[1].detach(), weight=a[2].detach()).hist)
case("histogram edges long", [torch.arange(5), torch.arange(3)], lambda a: torch.histogram(a[0].detach(), a[1].detach()).hist)


# squeeze_(dims), 2.x: the listed dims of size 1 squeezed in place
def squeeze_dims(t, dims):
    t = t * 1
    for d in dims:
        t.size(d)  # IndexError: Dimension out of range, as squeeze_ raises it
    for d in sorted((d % t.dim() if t.dim() else 0 for d in dims), reverse=True):
        t.squeeze_(d)
    return t


for shape, dims in (((1, 3, 1, 2), (0, 2)), ((1, 3, 1, 2), (-2, 1)), ((2, 1, 1), (1, -1)), ((1, 1), (0, 1)),
                    ((3, 4), (0,)), ((1, 0, 1), (0, 2))):
    case("squeeze_ %s dims %s" % (list(shape), list(dims)), [seq(shape)], lambda a, dims=dims: squeeze_dims(a[0], dims))
case("squeeze_ float32 [1, 2, 1] dims [0, 2]", [seq((1, 2, 1), torch.float32)], lambda a: squeeze_dims(a[0], (0, 2)))
case("squeeze_ out of range", [seq((1, 2, 1))], lambda a: squeeze_dims(a[0], (0, 3)))


if __name__ == "__main__":
    for name, inputs, fn in CASES:
        print("=== " + name)
        for line in run_case(name, inputs, fn, node_2x=NODE_2X):
            print(line)
