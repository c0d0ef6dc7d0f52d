# Writes expected.txt for ConvPoolGapsTest.java: ConvTranspose1d/2d/3d's forward(x, output_size) errors, conv1d/2d/3d
# with padding="same" and an even kernel (ConvolutionBackward0 over ConstantPadNdBackward0), and avg_pool2d (with
# avg_pool1d, lp_pool1d/2d, local_response_norm over it) of int64 inputs (and PyTorch's refusal of the other integer
# types and bool).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x is the same for these: its
# avg_pool2d CPU kernel dispatches floating types and kLong only, and convolution_same pads with constant_pad_nd).
#
# Each case (the format ReferenceCases.java reads): "=== name", then
#   in<i> <dtype> [shape] : values       the inputs (float inputs require grad)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   chain <names>                        the nodes from grad_fn down its first input edges (conv "same" cases)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)
# or "error <Type> <message>".
#
# Cases marked "(no output_size)" below: with a stride, padding or dilation of fewer values than spatial dimensions,
# PyTorch's _output_padding stops at Python's IndexError "tuple index out of range"; Ember gives the message the
# convolution gives the same module without an output size (printed here from that call), which names the argument.
import torch
import torch.nn as nn
import torch.nn.functional as F

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def iseq(shape, dtype=torch.int64, shift=0):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([(7 * k + shift) % 23 - 11 for k in range(n)], dtype=torch.int64).reshape(shape).to(dtype)


def fmt_tensor(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(vals))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape)


CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


# ---- ConvTranspose*d.forward(x, output_size): the module is built inside the call (default init; only errors here)
x4 = seq((1, 2, 4, 4))
x5 = seq((1, 2, 4, 4, 4))
case("ct2 stride3 out of range", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=(1, 2, 3))(a[0], [9, 9]))
case("ct2 stride3 in range", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=(1, 2, 3))(a[0], [6, 9]))
case("ct2 padding3 in range", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, padding=(1, 0, 0))(a[0], [4, 6]))
case("ct2 dilation3 in range", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, dilation=(1, 2, 3))(a[0], [6, 8]))
case("ct2 stride empty", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=())(a[0]))  # (no output_size)
case("ct2 padding empty", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, padding=())(a[0]))  # (no output_size)
case("ct2 dilation empty", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, dilation=())(a[0]))  # (no output_size)
case("ct3 stride2", [x5], lambda a: nn.ConvTranspose3d(2, 3, 3, stride=(1, 2))(a[0]))  # (no output_size)
case("ct3 padding2", [x5], lambda a: nn.ConvTranspose3d(2, 3, 3, padding=(1, 2))(a[0]))  # (no output_size)
case("ct3 dilation2", [x5], lambda a: nn.ConvTranspose3d(2, 3, 3, dilation=(1, 2))(a[0]))  # (no output_size)
case("ct2 input 2d", [seq((2, 4))], lambda a: nn.ConvTranspose2d(2, 3, 3)(a[0], [6, 6]))
case("ct3 input 3d", [seq((2, 4, 4))], lambda a: nn.ConvTranspose3d(2, 3, 3)(a[0], [6, 6, 6]))
case("ct2 output_size 1", [seq((2, 4))], lambda a: nn.ConvTranspose2d(2, 3, 3)(a[0], [6]))
case("ct2 output_size 4 unbatched", [seq((2, 4, 4))], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=2)(a[0], [1, 2, 20, 6]))
case("ct2 output_size range", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=2)(a[0], [1, 2, 20, 6]))
case("ct2 output_size 5d input", [seq((1, 1, 2, 4, 4))], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=2)(a[0], [10, 10]))
case("ct2 huge stride", [x4], lambda a: nn.ConvTranspose2d(2, 3, 3, stride=2 ** 30)(a[0], [5, 5]))
case("ct3 output_size 2", [x5], lambda a: nn.ConvTranspose3d(2, 3, 3)(a[0], [6, 6]))
case("ct3 output_size range", [x5], lambda a: nn.ConvTranspose3d(2, 3, 3, stride=2)(a[0], [9, 10, 12]))
case("ct1 output_size range", [seq((2, 4))], lambda a: nn.ConvTranspose1d(2, 3, 3, stride=2)(a[0], [12]))
case("ct1 input 4d", [seq((1, 2, 4, 4))], lambda a: nn.ConvTranspose1d(2, 3, 3, stride=2)(a[0], [10]))
case("ct1 input 1d", [seq((4,))], lambda a: nn.ConvTranspose1d(2, 3, 3, stride=2)(a[0], [10]))
case("ct1 output_size 2", [seq((1, 2, 4))], lambda a: nn.ConvTranspose1d(2, 3, 3, stride=2)(a[0], [10, 10]))

# ---- padding="same" with an even kernel (odd total padding): ConstantPadNdBackward0 under ConvolutionBackward0
case("conv1d same even", [seq((2, 2, 5)), seq((3, 2, 2), shift=3), seq((3,), shift=1)],
     lambda a: F.conv1d(a[0], a[1], a[2], padding="same"))
case("conv1d same even dilation 3", [seq((1, 2, 7)), seq((3, 2, 2), shift=3)],
     lambda a: F.conv1d(a[0], a[1], None, padding="same", dilation=3))
case("conv1d same even unbatched float32", [seq((2, 5), torch.float32), seq((3, 2, 4), torch.float32, shift=2)],
     lambda a: F.conv1d(a[0], a[1], padding="same"))
case("conv2d same 2x2", [seq((2, 2, 4, 5)), seq((3, 2, 2, 2), shift=3), seq((3,), shift=1)],
     lambda a: F.conv2d(a[0], a[1], a[2], padding="same"))
case("conv2d same 2x3", [seq((1, 2, 4, 5)), seq((3, 2, 2, 3), shift=3)],
     lambda a: F.conv2d(a[0], a[1], padding="same"))
case("conv2d same 3x4 float32", [seq((1, 2, 5, 6), torch.float32), seq((2, 2, 3, 4), torch.float32, shift=3)],
     lambda a: F.conv2d(a[0], a[1], padding="same"))
case("conv2d same 2x2 unbatched", [seq((2, 4, 4)), seq((2, 2, 2, 2), shift=5)],
     lambda a: F.conv2d(a[0], a[1], padding="same"))
case("conv3d same 2x3x2", [seq((1, 2, 3, 4, 4)), seq((2, 2, 2, 3, 2), shift=3)],
     lambda a: F.conv3d(a[0], a[1], padding="same"))
case("conv3d same 2x2x3 unbatched", [seq((2, 3, 3, 4)), seq((2, 2, 2, 2, 3), shift=1)],
     lambda a: F.conv3d(a[0], a[1], padding="same"))
case("conv2d same 3x3 unbatched (no pad node)", [seq((2, 4, 4)), seq((2, 2, 3, 3), shift=5)],
     lambda a: F.conv2d(a[0], a[1], padding="same"))

# ---- avg_pool2d of int64 (truncating integer division), and what leans on it
xi = iseq((2, 3, 5, 5))
case("avg_pool2d int64", [xi], lambda a: F.avg_pool2d(a[0], 2))
case("avg_pool2d int64 stride 1", [xi], lambda a: F.avg_pool2d(a[0], 3, 1))
case("avg_pool2d int64 padding", [xi], lambda a: F.avg_pool2d(a[0], 3, 2, 1))
case("avg_pool2d int64 padding exclude", [xi], lambda a: F.avg_pool2d(a[0], 3, 2, 1, count_include_pad=False))
case("avg_pool2d int64 ceil", [xi], lambda a: F.avg_pool2d(a[0], 2, 2, 0, ceil_mode=True))
case("avg_pool2d int64 ceil padding exclude", [xi], lambda a: F.avg_pool2d(a[0], (3, 2), (2, 3), (1, 1), True, False))
case("avg_pool2d int64 unbatched", [iseq((3, 4, 6), shift=4)], lambda a: F.avg_pool2d(a[0], (2, 3), (1, 2)))
case("avg_pool2d int64 non-contiguous", [iseq((2, 6, 5), shift=2)], lambda a: F.avg_pool2d(a[0].transpose(1, 2), 2, 1))
case("avg_pool2d int64 empty batch", [iseq((0, 2, 4, 4))], lambda a: F.avg_pool2d(a[0], 2))
case("avg_pool2d int64 large", [torch.tensor([[[[2 ** 62, 2 ** 62], [-5, 3]]]])], lambda a: F.avg_pool2d(a[0], (1, 2)))
case("avg_pool1d int64", [iseq((2, 3, 7))], lambda a: F.avg_pool1d(a[0], 3, 2, 1))
case("avg_pool1d int64 exclude", [iseq((2, 3, 7))], lambda a: F.avg_pool1d(a[0], 3, 2, 1, count_include_pad=False))
case("local_response_norm int64 3d", [iseq((2, 5, 3))], lambda a: F.local_response_norm(a[0], 3))
case("local_response_norm int64 4d", [iseq((2, 5, 3, 2))], lambda a: F.local_response_norm(a[0], 2))
case("local_response_norm int32 3d", [iseq((2, 5, 3), torch.int32)], lambda a: F.local_response_norm(a[0], 3))
case("local_response_norm int32 4d", [iseq((2, 5, 3, 2), torch.int32)], lambda a: F.local_response_norm(a[0], 2))
case("local_response_norm bool 4d", [iseq((2, 5, 3, 2), torch.bool)], lambda a: F.local_response_norm(a[0], 2))
case("lp_pool2d int64 float norm", [iseq((1, 2, 4, 4))], lambda a: F.lp_pool2d(a[0], 2.0, 2))
case("lp_pool1d int64 float norm", [iseq((1, 2, 6))], lambda a: F.lp_pool1d(a[0], 2.0, 2))
for dt in [torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]:
    n = str(dt).replace("torch.", "")
    case("avg_pool2d " + n, [iseq((1, 2, 4, 4), dt)], lambda a: F.avg_pool2d(a[0], 2))
    case("avg_pool1d " + n, [iseq((1, 2, 4), dt)], lambda a: F.avg_pool1d(a[0], 2))
# transposed convolution of int64: PyTorch's CPU computes it exactly (Ember too while the sums stay within 2^53; past
# that it refuses, pinned in the test); the other integer types are refused with PyTorch's message
case("conv_transpose2d int64", [iseq((2, 4, 3, 4)), iseq((4, 3, 2, 3), shift=5), iseq((6,), shift=2)],
     lambda a: F.conv_transpose2d(a[0], a[1], a[2], stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2,
                                  dilation=(1, 2)))
case("conv_transpose2d int64 unbatched", [iseq((2, 3, 3)), iseq((2, 3, 2, 2), shift=5)],
     lambda a: F.conv_transpose2d(a[0], a[1]))
case("conv_transpose2d int64 empty batch", [iseq((0, 2, 3, 3)), iseq((2, 3, 2, 2), shift=5)],
     lambda a: F.conv_transpose2d(a[0], a[1]))
case("conv_transpose1d int64", [iseq((2, 4, 5)), iseq((4, 3, 3), shift=5), iseq((3,), shift=2)],
     lambda a: F.conv_transpose1d(a[0], a[1], a[2], stride=3, padding=1, output_padding=2, dilation=2))
case("conv_transpose3d int64", [iseq((1, 2, 2, 3, 2)), iseq((2, 2, 2, 2, 3), shift=5), iseq((2,), shift=2)],
     lambda a: F.conv_transpose3d(a[0], a[1], a[2], stride=2, padding=(0, 1, 0), output_padding=1))

for dt in [torch.int32, torch.bool]:
    n = str(dt).replace("torch.", "")
    case("conv_transpose2d " + n, [iseq((1, 2, 3, 3), dt), iseq((2, 1, 2, 2), dt)], lambda a: F.conv_transpose2d(a[0], a[1]))
    case("conv_transpose1d " + n, [iseq((1, 2, 3), dt), iseq((2, 1, 2), dt)], lambda a: F.conv_transpose1d(a[0], a[1]))
    case("conv_transpose3d " + n, [iseq((1, 2, 3, 3, 3), dt), iseq((2, 1, 2, 2, 2), dt)],
         lambda a: F.conv_transpose3d(a[0], a[1]))


def chain(fn):
    names = []
    while fn is not None:
        names.append(fn.name())
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return " ".join(names)


for name, inputs, fn in CASES:
    print("=== " + name)
    ins = []
    for i, t in enumerate(inputs):
        print("in%d %s" % (i, fmt_tensor(t)))
        t = t.clone()
        if t.dtype.is_floating_point:
            t.requires_grad_(True)
        ins.append(t)
    try:
        out = fn(ins)
    except Exception as e:
        print("error %s %s" % (type(e).__name__, str(e)))
        continue
    print("out " + fmt_tensor(out))
    print("fn " + (out.grad_fn.name() if out.grad_fn is not None else "None"))
    if out.grad_fn is not None:
        print("chain " + chain(out.grad_fn))
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            print("grad%d %s" % (i, "none" if t.grad is None else fmt_tensor(t.grad)))
