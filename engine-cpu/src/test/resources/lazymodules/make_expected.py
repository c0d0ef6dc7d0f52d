# Writes expected.txt: printouts, shapes, state-dict entries and error messages of PyTorch's lazy modules (LazyLinear,
# LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d) and of their
# uninitialized parameters, read by LazyModulesTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" followed by its text (a printout may take several lines); an error is "<Type>: <message>".
# Initial values cannot match PyTorch's numbers (another generator), so the Java test checks shapes, bounds and that a
# lazy layer equals the eager one built from the same Ember seed; none of that needs PyTorch.
#
# Versions: Ember follows PyTorch 2.x. The facts below are 1.13's, run; for 2.x, its lazy.py (read in excerpts: the
# pre-hook also takes kwargs, register_forward_pre_hook(..., with_kwargs=True)) and LazyInstanceNorm's docstring (it
# says affine/track_running_stats default False while the class keeps _LazyNormBase's constructor, True and True) were
# compared; the other lazy classes and UninitializedTensorMixin's messages were not re-read for 2.x here.
# A state dict loads into a lazy module's uninitialized tensors whatever their shapes, in_features staying 0 (case
# load_into_lazy), as Ember does since session 46 (Leftovers46Test holds the shapes a forward cannot use).
# Where Ember differs on purpose (LazyModule's Javadoc says why), the case below prints PyTorch's fact and a "note":
# - a bad first input: PyTorch has changed the module before failing (cases conv_groups, bn2d_3d); Ember leaves it.
# - an unbatched input to a lazy instance norm: PyTorch takes input.shape[1] (case instancenorm2d_unbatched); Ember the
#   channels.
# - the uninitialized-use message names the Python method; Ember names it for numel and dim, and says "a tensor
#   operation" for every other op (case sum).
import warnings

import torch
import torch.nn as nn

warnings.simplefilter("ignore")
torch.manual_seed(0)


def case(key, text):
    print("=== " + key)
    print(text)


def error(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__ + ": " + str(e)
    return "no error"


# printouts before and after the first forward, and the parameters' shapes
layers = {
    "linear": (lambda: nn.LazyLinear(4), (2, 3)),
    "linear_nobias": (lambda: nn.LazyLinear(4, bias=False), (5,)),
    "conv1d": (lambda: nn.LazyConv1d(4, 2), (2, 3, 6)),
    "conv2d": (lambda: nn.LazyConv2d(8, 3), (2, 3, 5, 5)),
    "conv2d_unbatched": (lambda: nn.LazyConv2d(8, 3), (3, 5, 5)),
    "conv2d_options": (lambda: nn.LazyConv2d(6, (3, 2), stride=2, padding=1, dilation=1, groups=3, bias=False,
                                             padding_mode="reflect"), (1, 6, 7, 7)),
    "conv2d_same": (lambda: nn.LazyConv2d(4, 3, padding="same"), (1, 2, 5, 5)),
    "conv3d": (lambda: nn.LazyConv3d(4, 2), (1, 3, 3, 3, 3)),
    "convtranspose1d": (lambda: nn.LazyConvTranspose1d(4, 2), (2, 3, 6)),
    "convtranspose2d": (lambda: nn.LazyConvTranspose2d(6, 3, stride=2, groups=2), (1, 4, 5, 5)),
    "convtranspose3d": (lambda: nn.LazyConvTranspose3d(4, 2), (1, 3, 3, 3, 3)),
    "batchnorm1d": (lambda: nn.LazyBatchNorm1d(), (4, 3)),
    "batchnorm2d": (lambda: nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2)),
    "batchnorm3d": (lambda: nn.LazyBatchNorm3d(eps=1e-3, momentum=None, track_running_stats=False), (2, 3, 2, 2, 2)),
    "instancenorm1d": (lambda: nn.LazyInstanceNorm1d(), (2, 3, 5)),
    "instancenorm2d": (lambda: nn.LazyInstanceNorm2d(track_running_stats=False), (2, 3, 4, 4)),
    "instancenorm3d": (lambda: nn.LazyInstanceNorm3d(affine=False), (2, 3, 2, 2, 2)),
    "instancenorm1d_plain": (lambda: nn.LazyInstanceNorm1d(affine=False, track_running_stats=False), (2, 3, 5)),
}
for key, (make, shape) in layers.items():
    m = make()
    case(key + "_before", repr(m))
    case(key + "_uninitialized", str(m.has_uninitialized_params()))
    case(key + "_state_before", " ".join(k + "=" + (repr(v) if nn.parameter.is_lazy(v) else str(list(v.shape)))
                                          for k, v in m.state_dict().items()))
    y = m(torch.randn(*shape))
    case(key + "_after", repr(m))
    case(key + "_output", str(list(y.shape)))
    case(key + "_state_after", " ".join(k + "=" + str(list(v.shape)) for k, v in m.state_dict().items()))

# the uninitialized parameter itself
w = nn.LazyLinear(4).weight
case("param_repr", repr(w))
case("param_numel", error(lambda: w.numel()))
case("param_dim", error(lambda: w.dim()))
case("param_shape", error(lambda: w.shape))
case("param_size", str(list(w.size())))
case("param_sum", error(lambda: w.sum()))
case("param_requires_grad", str(w.requires_grad))
case("param_detach", error(lambda: w.detach()))
case("buffer_numel", error(lambda: nn.LazyBatchNorm1d().running_mean.numel()))
case("count_params", error(lambda: sum(p.numel() for p in nn.LazyLinear(4).parameters())))

# module-level behaviour
m = nn.LazyLinear(4)
case("state_dict_lazy", str(m.state_dict()))
case("sgd_accepts", repr(torch.optim.SGD(m.parameters(), lr=0.1)).replace("\n", " | "))
m = nn.LazyLinear(4).to(torch.float64)
case("to_float64_before", repr(m) + " " + str(m.weight.dtype) + " " + str(m.has_uninitialized_params()))
m(torch.ones(2, 3, dtype=torch.float64))
case("to_float64_after", repr(m) + " " + str(m.weight.dtype) + " " + str(list(m.weight.shape)))
m = nn.LazyLinear(4)
case("load_into_lazy", str(m.load_state_dict(nn.Linear(5, 4).state_dict())) + " " + str(list(m.weight.shape)) + " "
     + str(m.has_uninitialized_params()) + " " + repr(m))
m(torch.ones(2, 5))
case("load_into_lazy_after", repr(m))
case("load_lazy_into_eager", error(lambda: nn.Linear(5, 4).load_state_dict(nn.LazyLinear(4).state_dict())))
m = nn.LazyLinear(4)
case("load_lazy_into_lazy", str(m.load_state_dict(nn.LazyLinear(4).state_dict())) + " " + str(m.has_uninitialized_params()))
m = nn.LazyBatchNorm2d()
m.load_state_dict(nn.BatchNorm2d(6).state_dict())
case("load_bn_into_lazy", str(list(m.running_mean.shape)) + " " + str(m.has_uninitialized_params()))
m = nn.LazyLinear(3)
m.initialize_parameters(torch.ones(2, 7))
case("initialize_parameters", repr(m) + " " + str(list(m.weight.shape)) + " " + type(m).__name__)
case("sequential_before", repr(nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(1))))
s = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(1))
s(torch.ones(2, 5))
case("sequential_after", repr(s))

# errors of a bad first input
case("linear_0dim", error(lambda: nn.LazyLinear(4)(torch.tensor(1.0))))
c = nn.LazyConv2d(8, 3)
case("conv2d_rank", error(lambda: c(torch.ones(3, 5))))
case("conv2d_rank_after", repr(c) + " " + str(c.has_uninitialized_params()))
case("convtranspose1d_rank", error(lambda: nn.LazyConvTranspose1d(4, 2)(torch.ones(1, 2, 3, 4))))
c = nn.LazyConv2d(8, 3, groups=2)
case("conv_groups", error(lambda: c(torch.ones(1, 3, 5, 5))))
case("conv_groups_after", repr(c) + " " + str(c.has_uninitialized_params()))
case("conv_groups_note", "Ember leaves in_channels 0: LazyConv2d(0, 8, kernel_size=(3, 3), stride=(1, 1), groups=2) True")
b = nn.LazyBatchNorm2d()
case("bn2d_3d", error(lambda: b(torch.randn(2, 3, 4))))
case("bn2d_3d_after", repr(b))
case("bn2d_3d_note", "Ember checks the rank first and leaves the module lazy: LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, "
     "affine=True, track_running_stats=True)")
case("bn1d_1d", error(lambda: nn.LazyBatchNorm1d()(torch.randn(5))))
case("bn1d_1d_note", "Ember checks the rank first: expected 2D or 3D input (got 1D input)")
i = nn.LazyInstanceNorm2d()
case("instancenorm2d_unbatched", error(lambda: i(torch.randn(3, 5, 5))))
case("instancenorm2d_unbatched_after", repr(i))
case("instancenorm2d_unbatched_note", "Ember takes the channels of dimension 0: output [3, 5, 5], then InstanceNorm2d(3, "
     "eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)")
