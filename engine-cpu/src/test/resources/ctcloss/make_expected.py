# Writes expected.txt for CtcLossTest.java: values, gradients of log_probs and nodes of F.ctc_loss (padded and
# concatenated targets, repeated labels, blank not 0, impossible alignments with and without zero_infinity, unbatched
# input, empty targets, shorter inputs), float64 and float32, every reduction.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, CPU).
#
# PyTorch 1.13's CPU kernel reads outside log_alpha for an input length of 0 and does not check negative lengths;
# 2.x (aten/src/ATen/native/LossCTC.cpp) gives a loss of 0 (empty target) or inf and PyTorch 2.x's messages name
# "ctc_loss_allocate_outputs" (1.13: "ctc_loss_cpu"): those cases are written in CtcLossTest from 2.x's source, and
# no case here has an input length of 0. The node names are the same in 1.13 and 2.x (CtcLossBackward0, then
# WhereBackward0 / DivBackward0 / MeanBackward0 / SumBackward0 / SqueezeBackward1, UnsqueezeBackward0 unbatched).
# Each case: "=== key", "call blank=B reduction=R zero_infinity=Z", "in0 log_probs", "in1 targets",
# "in2 input_lengths", "in3 target_lengths", "out ...", "gout ...", "g0 ..." (the gradient of log_probs), "chain ...".
import torch
import torch.nn.functional as F

torch.manual_seed(0)


def fmt(t):
    shape = ",".join(str(s) for s in t.shape)
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    vals = " ".join(repr(v) for v in t.detach().flatten().tolist())
    return f"{dtype} [{shape}] : {vals}"


def chain(t, depth=8):
    out = []
    fn = t.grad_fn
    while fn is not None and depth > 0:
        out.append(type(fn).__name__)
        nxt = [f for f, _ in fn.next_functions if f is not None and type(f).__name__ != "AccumulateGrad"]
        fn = nxt[0] if nxt else None
        depth -= 1
    return ",".join(out)


def case(key, x, targets, il, tl, blank=0):
    for dtype, dn in ((torch.float64, "f64"), (torch.float32, "f32")):
        lp0 = x.to(dtype).log_softmax(-1).detach()
        for red in ("none", "sum", "mean"):
            for zi in (False, True):
                lp = lp0.clone().requires_grad_()
                out = F.ctc_loss(lp, targets, il, tl, blank=blank, reduction=red, zero_infinity=zi)
                gout = torch.randn(out.shape, dtype=dtype)
                out.backward(gout)
                if red == "none" and out.dim() == 1:
                    # an empty target's loss is -sum of its blank log-probabilities (2.x's rule; 1.13 reads the
                    # same values), checked here so that 1.13's kernel is not trusted blindly
                    for b in range(out.shape[0]):
                        if tl[b] == 0:
                            want = -lp0[:il[b], b, blank].sum()
                            assert torch.allclose(out[b].detach(), want), (key, b)
                print(f"=== {key}/{dn}/{red}/{'zi' if zi else 'keep'}")
                print(f"call blank={blank} reduction={red} zero_infinity={'true' if zi else 'false'}")
                print("in0", fmt(lp0))
                print("in1", fmt(targets))
                print("in2", fmt(il))
                print("in3", fmt(tl))
                print("out", fmt(out))
                print("gout", fmt(gout))
                print("g0", fmt(lp.grad))
                print("chain", chain(out))


T, N, C = 7, 4, 5
x = torch.randn(T, N, C, dtype=torch.float64)
padded = torch.tensor([[1, 2, 2, 3], [3, 1, 0, 0], [4, 4, 4, 4], [2, 0, 0, 0]])
tl = torch.tensor([4, 2, 3, 1])
il = torch.tensor([7, 5, 6, 3])
# repeated labels (2,2 and 4,4,4), shorter inputs, padding past the target lengths
case("padded", x, padded, il, tl)
case("concat", x, torch.cat([padded[b, :tl[b]] for b in range(N)]), il, tl)
# blank 2: the targets avoid 2
case("blank2", x, torch.tensor([[1, 3, 3, 0], [4, 0, 0, 0], [0, 1, 4, 4], [3, 3, 1, 1]]), il, tl, blank=2)
# impossible alignments: 4,4,4 needs 5 steps (input 4), 1,1 needs 3 (input 2); the others possible
case("impossible", x, torch.tensor([[4, 4, 4], [1, 1, 0], [1, 2, 3], [3, 0, 0]]), torch.tensor([4, 2, 7, 5]),
     torch.tensor([3, 2, 3, 1]))
# empty targets for some entries, and a target of the full input length
case("empty", x, torch.tensor([[1, 2, 3, 4, 1, 2, 3], [0, 0, 0, 0, 0, 0, 0], [2, 2, 2, 2, 2, 2, 2], [0] * 7]),
     torch.tensor([7, 4, 6, 1]), torch.tensor([7, 0, 0, 0]))
# all targets empty: a [N, 0] target
case("allempty", x, torch.zeros(N, 0, dtype=torch.long), il, torch.tensor([0, 0, 0, 0]))
# unbatched: [T, C] input, a 1-D target, 0-dim lengths
case("unbatched", x[:, 0], torch.tensor([1, 3, 3]), torch.tensor(6), torch.tensor(3))
