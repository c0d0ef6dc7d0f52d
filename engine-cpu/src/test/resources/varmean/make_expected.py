# Writes expected.txt for VarMeanNodeTest.java: torch.var_mean / std_mean as ONE node with two outputs, and the gradients
# PyTorch gives with only the var (std) output used, only the mean used, and both.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written here).
#
# A case is "=== key" then "name value" lines (float64 reprs, flattened).
#
# Facts followed (PyTorch 2.x: tools/autograd/derivatives.yaml var_mean.correction / std_mean.correction,
# torch/csrc/autograd/FunctionsManual.cpp var_mean_backward / std_mean_backward): one node, VarMeanBackward0 /
# StdMeanBackward0, outputs (var or std) = output 0 and mean = output 1; its backward adds var_backward(grads[0]) (or
# std_backward(std, grads[0]): grad / (2 std), 0 where std == 0) and mean_backward(grads[1]), each only when that
# gradient is defined. Same node names, output numbers and values in 1.13 (checked below).
import torch

torch.manual_seed(14)
D = torch.float64


def rep(t):
    return repr(t.detach().to(D).reshape(-1).tolist())


def emit(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name, value)


x0 = torch.randn(3, 4, dtype=D)
x0[1] = 0.75  # a row of equal values: zero variance along dim 1
for fn, label in ((torch.var_mean, "var"), (torch.std_mean, "std")):
    for dims, corr, keep, tag in (((1,), 1, False, "dim1"), ((0,), 0, True, "dim0_keep"), (None, 1, False, "all")):
        r0 = fn(x0, dim=dims, correction=corr, keepdim=keep)
        wa = torch.randn(r0[0].shape, dtype=D)
        wb = torch.randn(r0[1].shape, dtype=D)
        for use in ("first", "mean", "both"):
            x = x0.clone().requires_grad_(True)
            a, m = fn(x, dim=dims, correction=corr, keepdim=keep)
            loss = 0
            if use in ("first", "both"):
                loss = loss + (a * wa).sum()
            if use in ("mean", "both"):
                loss = loss + (m * wb).sum()
            loss.backward()
            emit(label + "_" + tag + "_" + use,
                 [("x", rep(x0)), ("wa", rep(wa)), ("wb", rep(wb)), ("a", rep(a)), ("ashape", list(a.shape)),
                  ("m", rep(m)), ("grad", rep(x.grad)), ("node", a.grad_fn.name()), ("same", a.grad_fn is m.grad_fn),
                  ("nrs", [a.output_nr, m.output_nr])])
