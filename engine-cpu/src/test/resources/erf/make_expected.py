# Writes expected.txt: PyTorch's erf on a sweep of float64 and float32 inputs, and its float32 GELU forward and
# backward (approximate "none") on a sweep, read by GeluKernelsTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Cases: "=== x|<dtype>" and "=== erf|<dtype>", each a "value" line with the list of numbers (Python's repr, exact).
# The sweep: 2,001 points spaced evenly over [-6.5, 6.5], 1,000 seeded uniform ones, 5 ulps either side of each
# boundary of Ember's pieces (1, 1.5, 2, 2.5, 3, 4 and 5.921875, both signs), tiny and huge values, zeros, infinities
# and NaN. The float32 case rounds the same points to float32. PyTorch's float64 erf is glibc's; its float32 erf is
# its vectorized one (Sleef's 1-ulp erff on this AVX2 build) for the vectorized part of the tensor.
import math
import random

import torch

random.seed(14)
xs = [-6.5 + 13 * k / 2000 for k in range(2001)]
xs += [random.uniform(-6.5, 6.5) for _ in range(1000)]
for b in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.921875):
    for sign in (1, -1):
        v = b
        for _ in range(5):
            v = math.nextafter(v, 0)
        for _ in range(11):
            xs.append(sign * v)
            v = math.nextafter(v, math.inf)
xs += [0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e-300, -1e-200, 1e-20, 1e-9, -1e-5, 6.0, 7.0, 30.0, 1e300, -1e300,
       math.inf, -math.inf, math.nan]
for dtype in (torch.float64, torch.float32):
    x = torch.tensor(xs, dtype=torch.float64).to(dtype)
    name = str(dtype).replace("torch.", "")
    print("=== x|" + name)
    print("value " + repr(x.tolist()))
    print("=== erf|" + name)
    print("value " + repr(x.erf().tolist()))

# GELU in float32: PyTorch's CPU kernel computes erf by Abramowitz and Stegun's 7.1.26 in float (Vectorized<float>::erf)
# on the vectorized part of a tensor; 4,001 points over [-6, 6], 2,000 seeded normal ones (scale 2), edge values.
torch.manual_seed(15)
gx = torch.cat([torch.linspace(-6, 6, 4001), torch.randn(2000) * 2,
                torch.tensor([0.0, -0.0, 1e-30, -1e-30, 10.0, -10.0, 30.0, -30.0])]).float()
gg = torch.randn(gx.numel())
xx = gx.clone().requires_grad_(True)
torch.nn.functional.gelu(xx).backward(gg)
print("=== gelu_x|float32")
print("value " + repr(gx.tolist()))
print("=== gelu_grad_out|float32")
print("value " + repr(gg.tolist()))
print("=== gelu|float32")
print("value " + repr(torch.nn.functional.gelu(gx).tolist()))
print("=== gelu_backward|float32")
print("value " + repr(xx.grad.tolist()))
