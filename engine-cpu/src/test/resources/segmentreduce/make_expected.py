# Expected values for SegmentReduceTest.java: torch.segment_reduce forward and backward (its node and its CPU kernels'
# rules: reductions in the data's type, NaN through max/min, identities of empty segments, max/min ties, prod with zeros
# and initial), and PyTorch's messages.
#   run: cd engine-cpu/src/test/resources/segmentreduce && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; segment_reduce's CPU kernels, checks and messages are 2.x's too: aten/src/ATen/native/
#   SegmentReduce.cpp, derivatives.yaml's _segment_reduce_backward.)
# Format: "=== name", then "shape a,b" and one float.hex value per line, or "error <message>".
import torch

F64 = torch.float64


def emit(name, t):
    print("=== " + name)
    print("shape " + ",".join(str(s) for s in t.shape))
    for v in t.detach().reshape(-1).double().tolist():
        print(float(v).hex())


def error(name, fn):
    print("=== " + name)
    try:
        fn()
        print("value none")
    except Exception as e:
        print("error " + str(e).split("\n")[0])


D1 = [[1., 2.], [3., 4.], [5., 6.], [7., 8.]]
D2 = [[3., 0.5, -1.], [3., float("nan"), 2.], [1., 0.5, 0.], [3., 7., 4.], [-1., 7., 0.], [0., 2., 5.]]
D3 = [[[0.5, -1., 2.], [3., 3., -2.], [1., 0., 4.], [2., -1., 0.], [1.5, 2.5, -3.]],
      [[1., 1., 1.], [-2., 4., 0.5], [3., -4., 2.], [0., 1., 1.], [2., 2., -1.]]]
D4 = [[1., 4., 2., 2.], [0., -3., 5., 1.], [2., 2., 2., 0.5]]
CASES = [
    # name, data, kwargs (lengths/offsets as lists), upstream gradient seed
    ("d1", D1, dict(lengths=[1, 0, 3])),
    ("d1_initial", D1, dict(lengths=[1, 0, 3], initial=2.0)),
    ("d2", D2, dict(lengths=[2, 4])),
    ("d2_offsets", D2, dict(offsets=[0, 2, 2, 6])),
    ("d2_offsets_inner", D2, dict(offsets=[1, 3, 5])),
    ("d2_unsafe", D2, dict(lengths=[1, 2], unsafe=True)),
    ("d3_axis1", D3, dict(lengths=[[2, 3], [5, 0]], axis=1)),
    ("d3_axis1_initial", D3, dict(lengths=[[2, 3], [5, 0]], axis=1, initial=0.5)),
    ("d4_axis_last", D4, dict(lengths=[[1, 3], [2, 2], [4, 0]], axis=-1)),
]


def kw(k):
    out = dict(k)
    for key in ("lengths", "offsets"):
        if key in out:
            out[key] = torch.tensor(out[key])
    return out


for name, data, k in CASES:
    for reduce in ("sum", "mean", "max", "min", "prod"):
        x = torch.tensor(data, dtype=F64, requires_grad=True)
        out = torch.segment_reduce(x, reduce, **kw(k))
        g = torch.arange(out.numel(), dtype=F64).reshape(out.shape).sin() * 3  # mixed signs
        out.backward(g)
        emit(name + "." + reduce, out)
        emit(name + "." + reduce + ".grad", x.grad)

# the data's type: float32, float16 and bfloat16 reduce in their own arithmetic
for dtype in (torch.float32, torch.float16, torch.bfloat16):
    x = torch.tensor([0.1, 0.2, 0.3, 1000.0, 1.0, 0.7, 3.3, 0.01, 9.0], dtype=dtype)
    for reduce in ("sum", "mean", "prod", "max"):
        emit("typed." + str(dtype).replace("torch.", "") + "." + reduce,
             torch.segment_reduce(x, reduce, lengths=torch.tensor([5, 4]), initial=0.3))
x = torch.tensor([[0.1, 2.0], [0.7, -1.3], [0.3, 0.9]], dtype=torch.float32, requires_grad=True)
out = torch.segment_reduce(x, "mean", lengths=torch.tensor([3], dtype=torch.int32))
out.backward(torch.tensor([[1.0, -0.7]]))
emit("typed.float32.mean.int32lengths", out)
emit("typed.float32.mean.int32lengths.grad", x.grad)

d = torch.tensor(D1, dtype=F64)
L = torch.tensor([1, 0, 3])
error("err_reduce", lambda: torch.segment_reduce(d, "avg", lengths=L))
error("err_none", lambda: torch.segment_reduce(d, "sum"))
error("err_sum", lambda: torch.segment_reduce(d, "sum", lengths=torch.tensor([1, 1])))
error("err_negative", lambda: torch.segment_reduce(d, "sum", lengths=torch.tensor([-1, 5])))
error("err_axis", lambda: torch.segment_reduce(d, "sum", lengths=L, axis=1))
error("err_float_lengths", lambda: torch.segment_reduce(d, "sum", lengths=L.float()))
error("err_long_data", lambda: torch.segment_reduce(torch.tensor([1, 2]), "sum", lengths=torch.tensor([2])))
error("err_empty", lambda: torch.segment_reduce(torch.empty(0, 2, dtype=F64), "sum", lengths=torch.tensor([0])))
error("err_offsets_backwards", lambda: torch.segment_reduce(d, "sum", offsets=torch.tensor([0, 3, 2, 4])))
error("err_unsafe_negative", lambda: torch.segment_reduce(d, "sum", lengths=torch.tensor([-1, 5]), unsafe=True))


def double_backward():
    x = torch.tensor(D1, dtype=F64, requires_grad=True)
    g, = torch.autograd.grad(torch.segment_reduce(x, "sum", lengths=L).sum(), x, create_graph=True)
    g.sum().backward()


error("err_double_backward", double_backward)
