# Expected values for SparseGradTest: nn.Embedding(sparse=True)'s sparse weight.grad (indices, values, nnz and
# printout after one backward and after two accumulated ones, padding_idx), EmbeddingBag(sparse=True), and a
# bag-of-words model (Embedding(sparse=True) + Linear) trained in float64 with SparseAdam + Adam (two optimizers, as
# PyTorch's documentation recommends), SGD with momentum, Adagrad, plain SGD with maximize and SparseAdam with maximize:
# the weights after each step.
# Every tensor is a refcases.fmt_tensor line; a text has its newlines escaped as \n.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, SparseGradTest says so)
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.set_default_dtype(torch.float64)
lines = []
text, out, _ = key_lines(lines)


def table(n, d, shift):
    """Deterministic weights: sin of a ramp."""
    return torch.sin(torch.arange(n * d, dtype=torch.float64) * 0.7 + shift).reshape(n, d)


def grad_lines(key, g):
    out(key + ".indices", g._indices())
    out(key + ".values", g._values())
    lines.append(key + ".nnz " + str(g._nnz()))
    lines.append(key + ".coalesced " + str(g.is_coalesced()))
    text(key + ".str", str(g))


# --- Embedding(10, 3, sparse=True): one backward, then a second accumulated one
emb = torch.nn.Embedding(10, 3, sparse=True)
with torch.no_grad():
    emb.weight.copy_(table(10, 3, 0.0))
text("emb.repr", repr(emb))
x1 = torch.tensor([[1, 2, 4], [4, 3, 2]])
w1 = torch.arange(18, dtype=torch.float64).reshape(2, 3, 3) * 0.25 - 1
(emb(x1) * w1).sum().backward()
grad_lines("emb.one", emb.weight.grad)
x2 = torch.tensor([7, 1])
w2 = torch.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
(emb(x2) * w2).sum().backward()
grad_lines("emb.two", emb.weight.grad)
out("emb.two.dense", emb.weight.grad.to_dense())

# --- padding_idx: the padding lookups are dropped from the indices; all padding: an empty gradient
pad = torch.nn.Embedding(6, 2, padding_idx=2, sparse=True)
with torch.no_grad():
    pad.weight.copy_(table(6, 2, 1.0))
text("pad.repr", repr(pad))
(pad(torch.tensor([2, 0, 2, 5, 0])) * torch.arange(10, dtype=torch.float64).reshape(5, 2)).sum().backward()
grad_lines("pad.one", pad.weight.grad)
pad2 = torch.nn.Embedding(6, 2, padding_idx=2, sparse=True)
pad2(torch.tensor([2, 2])).sum().backward()
grad_lines("pad.all", pad2.weight.grad)

# --- accumulation over backward passes: PyTorch's CPU sparse add_ (add_out_sparse_contiguous, the same in 2.x) merges
# the two index lists as if both were sorted (equal heads summed, else the larger first... see SparseGrads), coalesced
# only when both were; int32 indices give int64 grad indices
grow = torch.nn.Embedding(2, 2, sparse=True)
with torch.no_grad():
    grow.weight.copy_(table(2, 2, 0.1))
for k in range(3):
    (grow(torch.tensor([0, 1, 0])) * (k + 1.0)).sum().backward()
    grad_lines("grow.%d" % k, grow.weight.grad)
# two and three lookups of one table in one graph: the engine sums their sparse gradients (InputBuffer: the later
# one plus the earlier, merged in index order on the CPU)
graph = torch.nn.Embedding(6, 2, sparse=True)
(graph(torch.tensor([4])).sum() + (graph(torch.tensor([0, 4, 1])) * 2.0).sum()).backward()
grad_lines("graph.two", graph.weight.grad)
graph3 = torch.nn.Embedding(6, 2, sparse=True)
(graph3(torch.tensor([5, 2])).sum() + (graph3(torch.tensor([3, 0, 3])) * 2.0).sum()
 + (graph3(torch.tensor([1, 2])) * 3.0).sum()).backward()
grad_lines("graph.three", graph3.weight.grad)
i32 = torch.nn.Embedding(5, 2, sparse=True)
(i32(torch.tensor([[1, 3]], dtype=torch.int32)) * torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])).sum().backward()
grad_lines("int32", i32.weight.grad)

# --- EmbeddingBag(sparse=True): sum with per_sample_weights, mean with padding_idx
bag = torch.nn.EmbeddingBag(5, 2, mode="sum", sparse=True)
with torch.no_grad():
    bag.weight.copy_(table(5, 2, 2.0))
(bag(torch.tensor([0, 1, 1, 3]), torch.tensor([0, 2]), per_sample_weights=torch.tensor([1.0, 2.0, 3.0, 4.0]))
 * torch.tensor([[1.0, -1.0], [0.5, 2.0]])).sum().backward()
grad_lines("bag.sum", bag.weight.grad)
bagm = torch.nn.EmbeddingBag(5, 2, mode="mean", sparse=True, padding_idx=4)
with torch.no_grad():
    bagm.weight.copy_(table(5, 2, 3.0))
(bagm(torch.tensor([0, 1, 1, 4, 3]), torch.tensor([0, 2])) * torch.tensor([[1.0, -1.0], [0.5, 2.0]])).sum().backward()
grad_lines("bag.mean", bagm.weight.grad)
bag2 = torch.nn.EmbeddingBag(5, 2, mode="sum", sparse=True)
(bag2(torch.tensor([[0, 2], [4, 4]])) * torch.tensor([[1.0, -1.0], [0.5, 2.0]])).sum().backward()
grad_lines("bag.2d", bag2.weight.grad)

# --- training: a bag-of-words classifier, Embedding(20, 4, sparse=True) -> mean over tokens -> Linear(4, 3)
V, D, C = 20, 4, 3
tokens = [torch.tensor([[1, 5, 7, 5, 2], [3, 3, 9, 11, 0], [19, 2, 5, 8, 8], [4, 6, 1, 13, 17]]),
          torch.tensor([[2, 2, 2, 15, 16], [0, 1, 2, 3, 4], [7, 7, 19, 18, 12], [10, 5, 5, 5, 6]]),
          torch.tensor([[14, 13, 12, 11, 10], [9, 1, 9, 1, 9], [6, 3, 17, 2, 0], [8, 19, 4, 4, 1]])]
targets = [torch.tensor([0, 2, 1, 1]), torch.tensor([2, 0, 1, 2]), torch.tensor([1, 1, 0, 2])]
out("train.emb0", table(V, D, 0.3))
out("train.lin0.weight", table(C, D, 1.7) * 0.5)
out("train.lin0.bias", torch.tensor([0.1, -0.2, 0.05]))


def model():
    emb = torch.nn.Embedding(V, D, sparse=True)
    lin = torch.nn.Linear(D, C)
    with torch.no_grad():
        emb.weight.copy_(table(V, D, 0.3))
        lin.weight.copy_(table(C, D, 1.7) * 0.5)
        lin.bias.copy_(torch.tensor([0.1, -0.2, 0.05]))
    return emb, lin


def train(name, make_opts, steps=6):
    emb, lin = model()
    opts = make_opts(emb, lin)
    for s in range(steps):
        k = s % len(tokens)
        for o in opts:
            o.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(emb(tokens[k]).mean(1)), targets[k])
        loss.backward()
        for o in opts:
            o.step()
        out("train.%s.%d.loss" % (name, s), loss.detach())
        out("train.%s.%d.emb" % (name, s), emb.weight)
        out("train.%s.%d.lin.weight" % (name, s), lin.weight)
        out("train.%s.%d.lin.bias" % (name, s), lin.bias)


train("sparseadam", lambda e, l: [torch.optim.SparseAdam(list(e.parameters()), lr=0.05),
                                  torch.optim.Adam(l.parameters(), lr=0.01)])
train("sparseadammax", lambda e, l: [torch.optim.SparseAdam(list(e.parameters()), lr=0.02, betas=(0.8, 0.99),
                                                            eps=1e-6, maximize=True),
                                     torch.optim.SGD(l.parameters(), lr=0.1)])
train("sgdmomentum", lambda e, l: [torch.optim.SGD(list(e.parameters()) + list(l.parameters()), lr=0.5,
                                                   momentum=0.9, dampening=0.1)])
train("sgdmax", lambda e, l: [torch.optim.SGD(list(e.parameters()) + list(l.parameters()), lr=0.3, maximize=True)])
train("adagrad", lambda e, l: [torch.optim.Adagrad(list(e.parameters()) + list(l.parameters()), lr=0.2,
                                                   lr_decay=0.05, initial_accumulator_value=0.1)])

# SparseAdam's state dict after two steps of the first model (step an int, the moments dense)
emb, lin = model()
o = torch.optim.SparseAdam(list(emb.parameters()), lr=0.05)
for k in range(2):
    o.zero_grad()
    torch.nn.functional.cross_entropy(lin(emb(tokens[k]).mean(1)), targets[k]).backward()
    o.step()
sd = o.state_dict()
lines.append("sd.step " + repr(sd["state"][0]["step"]))
out("sd.exp_avg", sd["state"][0]["exp_avg"])
out("sd.exp_avg_sq", sd["state"][0]["exp_avg_sq"])
text("sparseadam.repr", repr(o))

# SGD with momentum on a sparse gradient keeps a sparse momentum buffer (_single_tensor_sgd: buf = torch.clone(grad),
# then buf.mul_(momentum).add_(grad, alpha=1 - dampening), the CPU sparse add merging the index lists), the same in 2.x;
# the weights after each step, the buffer and the state dict's printout; with maximize the gradient is negated first
for name, maximize in (("sgdbuf", False), ("sgdbufmax", True)):
    e = torch.nn.Embedding(6, 2, sparse=True)
    with torch.no_grad():
        e.weight.copy_(table(6, 2, 0.3))
    o = torch.optim.SGD(e.parameters(), lr=0.1, momentum=0.9, dampening=0.1, maximize=maximize)
    for k, idx in enumerate([[1, 3, 1], [4, 1], [0, 5, 3]]):
        o.zero_grad()
        (e(torch.tensor(idx)) * (k + 1.0)).sum().backward()
        o.step()
        out("%s.%d.weight" % (name, k), e.weight)
        grad_lines("%s.%d.buf" % (name, k), o.state[e.weight]["momentum_buffer"])
    text(name + ".sd", str(o.state_dict()))
    # load_state_dict: the sparse buffer copied; a step from either optimizer gives the same weights
    o2 = torch.optim.SGD(e.parameters(), lr=0.1, momentum=0.9, dampening=0.1, maximize=maximize)
    o2.load_state_dict(o.state_dict())
    grad_lines(name + ".loaded", o2.state[e.weight]["momentum_buffer"])
# a dense gradient for a parameter with a sparse momentum buffer: PyTorch's sparse add refuses it
e = torch.nn.Embedding(6, 2, sparse=True)
o = torch.optim.SGD(e.parameters(), lr=0.1, momentum=0.9)
e(torch.tensor([1])).sum().backward()
o.step()
e.weight.grad = torch.ones(6, 2)
try:
    o.step()
except RuntimeError as err:
    text("sgdbuf.densemsg", str(err))

# Module.to(dtype) converts a sparse gradient as fn(param.grad): still sparse, of the new type
m = torch.nn.Embedding(4, 2, sparse=True)
(m(torch.tensor([1, 3, 1])) * torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
m.to(torch.float32)
grad_lines("moduleto", m.weight.grad)

print("\n".join(lines))
