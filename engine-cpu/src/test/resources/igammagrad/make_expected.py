# Expected values for IgammaGradTest.java: the gradient of sum(igamma(a, x) * w) (and igammac's) with respect to x when a
# is an integer tensor, beside the floating cases, as PyTorch computes derivatives.yaml's
# `other: grad * exp((self - 1) * log(other) - other - lgamma(self))`: `self - 1` with an integer 1 keeps an integer a
# integral (uint8 0 - 1 wraps to 255; bool is refused), and the product with log(x) then takes x's floating type even
# when x is a 0-dim tensor (Ember had a Java double 1.0 there, which made an integer a float32 first and the product
# float32: a relative error of 1e-7 in a float64 gradient; found by a hunt of fuzz round 8, seed 638, session 63).
# The a values are integers or halves whose float32 lgamma glibc 2.36 rounds as Ember does (the nearest float).
#   run: cd engine-cpu/src/test/resources/igammagrad && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; derivatives.yaml's igamma / igammac rows are the same in 2.x)
# Format: one line a case: name | a dtype shape values | x dtype shape values | grad dtype values (repr) or ERR message
import torch


def fmt(t):
    return "%s %s %s" % (str(t.dtype).replace("torch.", ""), list(t.shape), [float(v) for v in t.reshape(-1).tolist()])


CASES = [
    ("igamma", torch.tensor([2, 3, 5]), torch.tensor(3.75, dtype=torch.float64)),
    ("igammac", torch.tensor([2, 3, 5]), torch.tensor(3.75, dtype=torch.float64)),
    ("igamma", torch.tensor([1, 4, 2]), torch.tensor([0.5, 2.25, 7.0], dtype=torch.float64)),
    ("igamma", torch.tensor([0, 3, 4], dtype=torch.uint8), torch.tensor(2.5, dtype=torch.float64)),
    ("igammac", torch.tensor(3, dtype=torch.int8), torch.tensor([1.5, 6.0], dtype=torch.float64)),
    ("igamma", torch.tensor([2, 5], dtype=torch.int32), torch.tensor(1.25, dtype=torch.float32)),
    ("igamma", torch.tensor([2.5, 3.0], dtype=torch.float32), torch.tensor(3.75, dtype=torch.float64)),
    ("igammac", torch.tensor([[2.5], [4.0]], dtype=torch.float64), torch.tensor([0.75, 3.5], dtype=torch.float64)),
    ("igamma", torch.tensor([True, False]), torch.tensor(2.5, dtype=torch.float64)),
]

for name, a, x in CASES:
    x = x.clone().requires_grad_(True)
    out = getattr(torch, name)(a, x)
    w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(out.numel())], dtype=out.dtype).reshape(out.shape)
    try:
        (g,) = torch.autograd.grad((out * w).sum(), x)
        res = fmt(g)
    except RuntimeError as e:
        res = "ERR " + str(e).split("\n")[0]
    print("%s | %s | %s | %s" % (name, fmt(a), fmt(x.detach()), res))
