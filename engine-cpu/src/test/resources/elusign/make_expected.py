# Writes the expected bits for EluZeroSignTest: float64 elu, selu, celu (and elu_ / celu_) at zero and around it, as
# PyTorch 2.x computes them. Run with /usr/bin/python3 (PyTorch 1.13) from this folder.
#
# 2.x's elu kernel (aten/src/ATen/native/cpu/Activation.cpp elu_kernel, with Elu.h's
# get_scalar_elu_elementwise_func / get_vectorized_elu_elementwise_func, float64 too) gives a zero the POSITIVE branch:
# the scalar form is `a < 0 ? expm1(a * negiptcoef) * negcoef : a * poscoef`, the vector form
# `blendv(expm1(a * negiptcoef) * negcoef, a * poscoef, a >= 0)`. 1.13 (and Ember before session 59) took
# `a > 0 ? a * poscoef : (exp(a * negiptcoef) - 1) * negcoef`: at +0 with a negative alpha (negcoef below 0) that is
# (exp(0) - 1) * negcoef = -0 where 2.x gives +0 * poscoef = +0. So the values here are 2.x EMULATED: x * scale for
# every x >= 0 (and -0), which this script checks against 1.13 everywhere but at the zeros. Negative nonzero inputs
# are left out: their expm1 (Sleef's or glibc's in PyTorch, Math.expm1 in Ember) is not what this test pins.
# elu_backward is unchanged (b <= 0 takes the negative branch in 1.13 and 2.x alike: grad * input_scale * negcoef at
# a zero input), pinned here too from 1.13.
#
# cases.txt: one line per case, "op alpha scale input_scale x_bits result_bits grad_bits" (x and the results as hex
# bits of doubles; grad the elu_backward of grad 1.5 at x with is_result false).
import numpy as np
import torch

assert torch.__version__.startswith("1.13"), torch.__version__
xs = [0.0, -0.0, 1e-300, 5e-324, 0.5, 3.0, float("inf")]
cases = [("elu", a, 1.0, 1.0) for a in (1.0, -1.0, -0.5, 2.0)]
cases += [("celu", a, 1.0, 1.0 / a) for a in (1.0, -1.0, -2.5)]
cases += [("selu", 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0)]


def bits(v):
    return np.array([v], dtype=np.float64).view(np.uint64)[0]


lines = []
changed = 0
for op, alpha, scale, iscale in cases:
    for x in xs:
        t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
        if op == "elu":
            y13 = torch.nn.functional.elu(t, alpha)
        elif op == "celu":
            y13 = torch.nn.functional.celu(t, alpha)
        else:
            y13 = torch.nn.functional.selu(t)
        y13.backward(torch.tensor([1.5], dtype=torch.float64))
        v13 = y13.item()
        want = x * scale  # 2.x: every x >= 0 (and -0) takes the positive branch
        if x != 0:
            assert bits(v13) == bits(want), (op, alpha, x, v13, want)
        elif bits(v13) != bits(want):
            changed += 1
        # elu_backward on the input at x: 1.13's value (x <= 0 takes grad * input_scale * negcoef * exp(x * is))
        lines.append("%s %r %r %r %016x %016x %016x" % (op, alpha, scale, iscale, bits(x), bits(want),
                                                      bits(t.grad.item())))
with open("cases.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "cases;", changed, "zero results where 1.13 gives the other sign")
