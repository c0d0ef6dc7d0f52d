# Writes expected.txt and strings.txt for ComplexIndexingTest.java: complex tensors (torch.complex64 / complex128) through
# the ops that only move, select or test elements (session 29): index_select, gather, scatter (tensor src, real and
# complex values), scatter_add, scatter_reduce (sum, mean, prod), index_add / index_copy / index_fill, take, take_along_dim,
# put, advanced indexing and index_put with int64 and bool indices, masked_fill / masked_select / masked_scatter,
# nonzero / argwhere, narrow / narrow_copy, unfold, diagonal / diag / diag_embed / diagflat, tril / triu, trace, repeat,
# tile, repeat_interleave, expand, reshape, flatten / unflatten, movedim, swapaxes, chunk / split / tensor_split / unbind,
# pad (constant 0), cumsum, cumprod, rot90, broadcast_to / broadcast_tensors, meshgrid, block_diag, cartesian_prod,
# combinations; the predicates isnan / isinf / isfinite / isreal / isclose / count_nonzero / any / all; and the ops PyTorch refuses on
# complex tensors, with their messages (the inputs are left unchanged).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes both files next to this script)
#
# expected.txt: ReferenceCases' format (refcases.run_case; see complex/make_expected.py): the inputs (float and complex
# ones require grad; complex values as interleaved parts), the result, its node and the gradients of the real loss
# sum(view_as_real(out) * w) (PyTorch's convention for complex inputs: dL/dre + i dL/dim), or "error <Type> <message>".
# strings.txt: "key<TAB>value" lines, the Python bool results (equal, allclose) and such.
# 2.x notes: nodes as 2.x names them (NODES_2X, FN_2X); any / all as 2.x casts complex to bool, nan_to_num as 2.x's
# complex kernel (see there). The
# messages are 1.13's (the refusals' kernel names, e.g. "sorting_kernel_method_name", are those of 1.13's dispatch
# macros). scatter_reduce of complex tensors that require grad is refused by 1.13's autograd ("does not support automatic
# differentiation for outputs with complex dtype"), so its value cases run detached.
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import run_case, seq  # noqa: E402

# 2.x's nodes where its composition differs from 1.13's (as tensorfunctions/ and shapesweep/ note): diag of a vector is
# diag_embed, of a matrix diagonal_copy; diagflat is diag of the flattened input; repeat_interleave with an int is
# unsqueeze/expand/clone/flatten (ViewBackward0; 1.13: index_select); narrow_copy has a derivative (1.13: none)
FN_2X = {"narrow_copy": "NarrowCopyBackward0", "nan_to_num": "NanToNumBackward0",
         "nan_to_num values complex64": "NanToNumBackward0", "diag of vector": "DiagEmbedBackward0",
         "diag of matrix": "DiagonalBackward0_copy", "diagflat": "DiagEmbedBackward0",
         "repeat_interleave": "ViewBackward0", "repeat_interleave flat": "ViewBackward0"}
NODES_2X = {"SqueezeBackward3": "SqueezeBackward4", "ReshapeAliasBackward0": "ViewBackward0"}
C64 = torch.complex64
C128 = torch.complex128
L = torch.int64
CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


def cseq(shape, dtype=C128, shift=0):
    """A complex tensor of seq values: real parts seq(shift), imaginary parts seq(shift + 5)."""
    return torch.complex(seq(shape, shift=shift), seq(shape, shift=shift + 5)).to(dtype)


def idx(v):
    return torch.tensor(v, dtype=L)


def mask(v):
    return torch.tensor(v, dtype=torch.bool)


ROWS = idx([2, 0, 2])
M23 = mask([[True, False, True], [False, False, True]])

# ------------------------------------------------------------------ indexing
case("index_select", [cseq((3, 4)), ROWS], lambda x: x[0].index_select(0, x[1]))
case("index_select dim -1 complex64", [cseq((3, 4), C64), idx([3, 1])], lambda x: x[0].index_select(-1, x[1]))
case("index_select 0-dim index", [cseq((3,)), idx(1)], lambda x: x[0].index_select(0, x[1]))
case("gather", [cseq((2, 3)), idx([[0, 2, 2], [1, 1, 0]])], lambda x: x[0].gather(1, x[1]))
case("gather dim 0 complex64", [cseq((3, 2), C64), idx([[2, 0], [1, 1]])], lambda x: x[0].gather(0, x[1]))
case("gather out of range", [cseq((2, 3)), idx([[0, 3]])], lambda x: x[0].gather(1, x[1]))
case("scatter", [cseq((3, 4)), idx([[2, 0, 1, 2], [0, 1, 2, 1]]), cseq((2, 4), shift=5)],
     lambda x: x[0].scatter(0, x[1], x[2]))
case("scatter dim -1 complex64", [cseq((2, 4), C64), idx([[3, 0], [1, 2]]), cseq((2, 2), C64, shift=3)],
     lambda x: x[0].scatter(-1, x[1], x[2]))
case("scatter value", [cseq((2, 3)), idx([[0, 2], [1, 0]])], lambda x: x[0].scatter(1, x[1], 2.5))
case("scatter complex value", [cseq((2, 3), C64), idx([[1], [2]])], lambda x: x[0].scatter(1, x[1], 0.5 - 1.5j))
case("scatter real src", [cseq((3,)), idx([0, 2]), seq((2,))], lambda x: x[0].scatter(0, x[1], x[2]))
case("scatter complex src into real", [seq((3,)), idx([0, 2]), cseq((2,))], lambda x: x[0].scatter(0, x[1], x[2]))
case("scatter_ value", [cseq((2, 3))], lambda x: x[0].clone().scatter_(1, idx([[0, 2], [1, 0]]), -1.5))
case("scatter_add", [cseq((3, 4)), idx([[2, 0, 1, 2], [2, 0, 2, 2]]), cseq((2, 4), shift=5)],
     lambda x: x[0].scatter_add(0, x[1], x[2]))
case("scatter_add complex64", [cseq((2, 3), C64), idx([[0, 0, 2]]), cseq((1, 3), C64, shift=2)],
     lambda x: x[0].scatter_add(1, x[1], x[2]))
case("scatter_add real src", [cseq((3,)), idx([0, 2]), seq((2,))], lambda x: x[0].scatter_add(0, x[1], x[2]))
for red in ("sum", "mean"):
    for inc in (True, False):
        case("scatter_reduce %s include_self %s" % (red, inc), [cseq((3, 2)), idx([[0, 1], [0, 0], [2, 0]]),
                                                                 cseq((3, 2), shift=4)],
             lambda x, red=red, inc=inc: x[0].detach().scatter_reduce(0, x[1], x[2].detach(), red, include_self=inc))
for inc in (True, False):
    case("scatter_reduce prod include_self %s" % inc, [cseq((3, 2)), idx([[0, 1], [0, 0], [2, 0]]), cseq((3, 2), shift=4)],
         lambda x, inc=inc: x[0].detach().scatter_reduce(0, x[1], x[2].detach(), "prod", include_self=inc))
case("scatter_reduce prod complex64 with a zero", [torch.tensor([1 + 2j, 0.5 - 1j, 3j, -1 + 0j], dtype=C64),
                                                 idx([1, 1, 3, 1]),
                                                 torch.tensor([0j, 2 + 1j, -0.5 + 0.25j, 1 - 1j], dtype=C64)],
     lambda x: x[0].detach().scatter_reduce(0, x[1], x[2].detach(), "prod"))
case("scatter_reduce mean complex64", [cseq((4,), C64), idx([1, 1, 3]), cseq((3,), C64, shift=2)],
     lambda x: x[0].detach().scatter_reduce(0, x[1], x[2].detach(), "mean"))
# 1.13 (and 2.x: scatter_reduce is not among the ops whose derivative is implemented for complex) refuses to record it
case("scatter_reduce sum requires grad", [cseq((3,)), idx([0, 0]), cseq((2,), shift=4)],
     lambda x: x[0].scatter_reduce(0, x[1], x[2], "sum"))
for red in ("amax", "amin"):
    case("scatter_reduce %s" % red, [cseq((3,), C64), idx([0, 2]), cseq((2,), C64)],
         lambda x, red=red: x[0].scatter_reduce(0, x[1], x[2], red))
case("index_add", [cseq((3, 2)), ROWS, cseq((3, 2), shift=4)], lambda x: x[0].index_add(0, x[1], x[2]))
case("index_add alpha dim 1", [cseq((2, 3), C64), idx([2, 0]), cseq((2, 2), C64, shift=4)],
     lambda x: x[0].index_add(1, x[1], x[2], alpha=-2.5))
case("index_add real source", [cseq((3,)), idx([0]), seq((1,))], lambda x: x[0].index_add(0, x[1], x[2]))
case("index_copy", [cseq((4, 2)), idx([3, 0]), cseq((2, 2), shift=4)], lambda x: x[0].index_copy(0, x[1], x[2]))
case("index_copy complex64 dim 1", [cseq((2, 3), C64), idx([1]), cseq((2, 1), C64, shift=4)],
     lambda x: x[0].index_copy(1, x[1], x[2]))
case("index_copy real source", [cseq((3,)), idx([0]), seq((1,))], lambda x: x[0].index_copy(0, x[1], x[2]))
case("index_fill", [cseq((3, 2)), idx([0, 2])], lambda x: x[0].index_fill(0, x[1], 1.5))
case("index_fill complex64 dim 1", [cseq((2, 3), C64), idx([1])], lambda x: x[0].index_fill(1, x[1], -2.0))
case("index_fill complex value", [cseq((3,)), idx([1])], lambda x: x[0].index_fill(0, x[1], 1 - 2j))
case("index_fill complex tensor value", [cseq((3,)), idx([1, 2]), torch.tensor(0.5 + 3j, dtype=C128)],
     lambda x: x[0].index_fill(0, x[1], x[2]))
case("take", [cseq((2, 3)), idx([[5, 0], [2, 2]])], lambda x: x[0].take(x[1]))
case("take negative complex64", [cseq((2, 3), C64), idx([-1, 1])], lambda x: x[0].take(x[1]))
case("take_along_dim", [cseq((2, 3)), idx([[2], [0]])], lambda x: torch.take_along_dim(x[0], x[1], 1))
case("take_along_dim flat", [cseq((2, 3)), idx([4, 1])], lambda x: torch.take_along_dim(x[0], x[1]))
case("put", [cseq((2, 3)), idx([4, 0]), cseq((2,), shift=3)], lambda x: x[0].put(x[1], x[2]))
case("put accumulate", [cseq((2, 3), C64), idx([1, 1, 5]), cseq((3,), C64, shift=3)],
     lambda x: x[0].put(x[1], x[2], accumulate=True))
case("put real source", [cseq((3,)), idx([0]), seq((1,))], lambda x: x[0].put(x[1], x[2]))
case("index int64", [cseq((3, 2)), ROWS], lambda x: x[0][x[1]])
case("index int64 two dims", [cseq((3, 2)), idx([2, 0]), idx([1, 1])], lambda x: x[0][x[1], x[2]])
case("index int64 dim 1 complex64", [cseq((2, 3), C64), idx([2, 2, 0])], lambda x: x[0][:, x[1]])
case("index bool", [cseq((2, 3)), M23], lambda x: x[0][x[1]])
case("index bool rows", [cseq((3, 2)), mask([True, False, True])], lambda x: x[0][x[1]])
case("index_put", [cseq((3, 2)), idx([2, 0]), cseq((2, 2), shift=3)], lambda x: x[0].index_put((x[1],), x[2]))
case("index_put accumulate", [cseq((3, 2), C64), idx([1, 1]), cseq((2, 2), C64, shift=3)],
     lambda x: x[0].index_put((x[1],), x[2], accumulate=True))
case("index_put bool", [cseq((2, 3)), M23, cseq((3,), shift=3)], lambda x: x[0].index_put((x[1],), x[2]))
case("index_put broadcast value", [cseq((3, 2)), idx([0, 2]), cseq((2,), shift=3)],
     lambda x: x[0].index_put((x[1],), x[2]))
case("index_put real values", [cseq((3,)), idx([1]), seq((1,))], lambda x: x[0].index_put((x[1],), x[2]))
case("masked_fill", [cseq((2, 3)), M23], lambda x: x[0].masked_fill(x[1], 2.5))
case("masked_fill broadcast complex64", [cseq((2, 3), C64), mask([True, False, True])],
     lambda x: x[0].masked_fill(x[1], -1.0))
case("masked_fill complex value", [cseq((2, 3)), M23], lambda x: x[0].masked_fill(x[1], 1.5 + 2j))
case("masked_fill complex tensor value", [cseq((2, 3)), M23, torch.tensor(-1 + 0.5j, dtype=C128)],
     lambda x: x[0].masked_fill(x[1], x[2]))
case("masked_select", [cseq((2, 3)), M23], lambda x: x[0].masked_select(x[1]))
case("masked_select broadcast complex64", [cseq((2, 3), C64), mask([False, True, True])],
     lambda x: x[0].masked_select(x[1]))
case("masked_scatter", [cseq((2, 3)), M23, cseq((4,), shift=3)], lambda x: x[0].masked_scatter(x[1], x[2]))
case("masked_scatter complex64 broadcast", [cseq((2, 3), C64), mask([True, False, True]), cseq((2, 3), C64, shift=3)],
     lambda x: x[0].masked_scatter(x[1], x[2]))
case("masked_scatter real source", [cseq((3,)), mask([True, False, True]), seq((3,))],
     lambda x: x[0].masked_scatter(x[1], x[2]))
ZEROS = torch.tensor([[0j, 1 + 0j, 1j], [0j, -2 - 1j, 0j]], dtype=C128)
case("nonzero", [ZEROS], lambda x: x[0].nonzero())
case("argwhere complex64", [ZEROS.to(C64)], lambda x: x[0].argwhere())
case("count_nonzero", [ZEROS], lambda x: x[0].count_nonzero())
case("count_nonzero dim", [ZEROS], lambda x: x[0].count_nonzero(1))

# ------------------------------------------------------------------ views, copies and shapes
case("narrow", [cseq((3, 4))], lambda x: x[0].narrow(1, 1, 2))
# 1.13 has no derivative of narrow_copy; 2.x records NarrowCopyBackward0 (narrow's gradient): FN_2X
case("narrow_copy", [cseq((3, 4), C64)], lambda x: x[0].narrow(0, 1, 2).clone())
case("unfold", [cseq((5,))], lambda x: x[0].unfold(0, 2, 2))
case("unfold 2-D complex64", [cseq((2, 4), C64)], lambda x: x[0].unfold(1, 3, 1))
case("diagonal", [cseq((3, 4))], lambda x: x[0].diagonal(1))
case("diagonal dims", [cseq((2, 3, 3), C64)], lambda x: x[0].diagonal(0, 1, 2))
case("diag of vector", [cseq((3,))], lambda x: torch.diag(x[0], 1))
case("diag of matrix", [cseq((3, 3), C64)], lambda x: torch.diag(x[0], -1))
case("diag_embed", [cseq((2, 3))], lambda x: torch.diag_embed(x[0]))
case("diag_embed offset dims", [cseq((2, 2), C64)], lambda x: torch.diag_embed(x[0], -1, 0, 2))
case("diagflat", [cseq((2, 2))], lambda x: torch.diagflat(x[0], 1))
case("tril", [cseq((3, 4))], lambda x: x[0].tril())
case("tril -1 complex64", [cseq((2, 3, 3), C64)], lambda x: x[0].tril(-1))
case("triu", [cseq((3, 4))], lambda x: x[0].triu(1))
case("trace", [cseq((3, 4))], lambda x: x[0].trace())
case("trace complex64", [cseq((3, 3), C64)], lambda x: x[0].trace())
case("repeat", [cseq((2, 3))], lambda x: x[0].repeat(2, 1, 2))
case("tile", [cseq((2,), C64)], lambda x: x[0].tile(3))
case("repeat_interleave", [cseq((2, 2))], lambda x: x[0].repeat_interleave(2, 1))
case("repeat_interleave flat", [cseq((2, 2), C64)], lambda x: x[0].repeat_interleave(2))
case("repeat_interleave tensor", [cseq((3,)), idx([1, 0, 2])], lambda x: x[0].repeat_interleave(x[1], 0))
case("expand contiguous", [cseq((3, 1))], lambda x: x[0].expand(3, 2).contiguous())
case("reshape of permute", [cseq((2, 3, 2), C64)], lambda x: x[0].permute(2, 1, 0).reshape(3, 4))
case("flatten of transpose", [cseq((2, 3))], lambda x: x[0].t().flatten())
case("flatten dims", [cseq((2, 3, 2))], lambda x: x[0].flatten(1))
case("unflatten", [cseq((2, 6))], lambda x: x[0].unflatten(1, (3, 2)))
case("movedim", [cseq((2, 3, 4))], lambda x: x[0].movedim(0, -1))
case("swapaxes", [cseq((2, 3), C64)], lambda x: x[0].swapaxes(0, 1))
case("chunk", [cseq((5, 2))], lambda x: x[0].chunk(2)[1])
case("split", [cseq((5, 2))], lambda x: x[0].split(2)[2])
case("split sizes", [cseq((2, 5), C64)], lambda x: x[0].split([1, 4], 1)[1])
case("tensor_split", [cseq((5,))], lambda x: x[0].tensor_split(3)[1])
case("tensor_split indices", [cseq((2, 5))], lambda x: x[0].tensor_split([1, 4], 1)[2])
case("unbind", [cseq((3, 2))], lambda x: x[0].unbind(1)[1])
case("pad", [cseq((2, 3))], lambda x: torch.nn.functional.pad(x[0], (1, 2)))
case("pad two dims complex64", [cseq((2, 3), C64)], lambda x: torch.nn.functional.pad(x[0], (0, 1, 2, 0)))
case("pad negative", [cseq((2, 3))], lambda x: torch.nn.functional.pad(x[0], (-1, 1)))
case("pad reflect", [cseq((1, 2, 4))], lambda x: torch.nn.functional.pad(x[0], (2, 1), mode="reflect"))
case("pad replicate complex64", [cseq((1, 2, 3), C64)], lambda x: torch.nn.functional.pad(x[0], (1, 2), mode="replicate"))
case("pad value", [cseq((2, 2))], lambda x: torch.nn.functional.pad(x[0], (1, 0), value=1.5))
case("cumsum", [cseq((2, 3))], lambda x: x[0].cumsum(1))
case("cumsum dim 0 complex64", [cseq((3, 2), C64)], lambda x: x[0].cumsum(0))
case("cumprod", [cseq((2, 3))], lambda x: x[0].cumprod(1))
case("cumprod complex64 with a zero", [torch.tensor([[1 + 1j, 0j], [2 - 1j, 0.5j], [-1 + 0.5j, 3 + 0j]], dtype=C64)],
     lambda x: x[0].cumprod(0))
case("cumprod 0-dim", [torch.tensor(2 - 1j, dtype=C128)], lambda x: x[0].cumprod(0))
case("rot90", [cseq((2, 3))], lambda x: torch.rot90(x[0]))
case("rot90 k 2 complex64", [cseq((2, 3), C64)], lambda x: torch.rot90(x[0], 2, (0, 1)))
case("rot90 k -1", [cseq((2, 3))], lambda x: torch.rot90(x[0], -1, (0, 1)))
case("broadcast_to", [cseq((3, 1))], lambda x: x[0].broadcast_to(2, 3, 2))
case("broadcast_tensors", [cseq((3, 1)), cseq((2,), shift=3)], lambda x: torch.broadcast_tensors(x[0], x[1])[1])
case("meshgrid", [cseq((2,)), cseq((3,), C128, shift=2)], lambda x: torch.meshgrid(x[0], x[1], indexing="ij")[0])
case("meshgrid xy", [cseq((2,)), cseq((3,), shift=2)], lambda x: torch.meshgrid(x[0], x[1], indexing="xy")[1])
case("block_diag", [cseq((1, 2)), cseq((2, 1), shift=3)], lambda x: torch.block_diag(x[0], x[1]))
case("block_diag mixed", [cseq((1, 2)), seq((2, 1), shift=3)], lambda x: torch.block_diag(x[0], x[1]))
case("cartesian_prod", [cseq((2,)), cseq((3,), shift=3)], lambda x: torch.cartesian_prod(x[0], x[1]))
case("combinations", [cseq((3,))], lambda x: torch.combinations(x[0]))
case("combinations with replacement complex64", [cseq((3,), C64)],
     lambda x: torch.combinations(x[0], 2, with_replacement=True))

# ------------------------------------------------------------------ predicates
SPECIAL = torch.tensor([complex(float("nan"), 0), complex(0, float("nan")), complex(float("inf"), 1),
                        complex(1, -float("inf")), 1 + 2j, 3 + 0j, complex(float("nan"), float("inf"))], dtype=C128)
case("isnan", [SPECIAL], lambda x: x[0].isnan())
case("isinf", [SPECIAL], lambda x: x[0].isinf())
case("isfinite", [SPECIAL.to(C64)], lambda x: x[0].isfinite())
case("isreal", [SPECIAL], lambda x: x[0].isreal())
case("isposinf", [SPECIAL], lambda x: x[0].isposinf())
case("isneginf", [SPECIAL], lambda x: x[0].isneginf())
CLOSE_A = torch.tensor([1 + 1j, 1 + 1j, complex(float("nan"), 0), 100 + 0j, 1j], dtype=C128)
CLOSE_B = torch.tensor([1 + 1.00001j, 1.1 + 1j, complex(float("nan"), 0), 100.001 + 0j, 0j], dtype=C128)
case("isclose", [CLOSE_A, CLOSE_B], lambda x: torch.isclose(x[0], x[1]))
case("isclose equal_nan tolerances", [CLOSE_A, CLOSE_B], lambda x: torch.isclose(x[0], x[1], 1e-3, 1e-2, True))
case("isclose complex64", [CLOSE_A.to(C64), CLOSE_B.to(C64)], lambda x: torch.isclose(x[0], x[1]))
case("isclose complex real", [torch.tensor([1 + 0j, 1 + 1e-9j], dtype=C128), torch.tensor([1.0, 1.0])],
     lambda x: torch.isclose(x[0], x[1]))
# any / all: 2.x casts a complex number to bool as numpy does, re != 0 or im != 0 (c10's maybe_bool); 1.13's cast keeps
# the real part only (any(tensor([1j])) is False there): the 2.x answers, computed as x != 0
case("any", [ZEROS], lambda x: (x[0] != 0).any(1))
case("all", [ZEROS], lambda x: (x[0] != 0).all(0))
case("any keepdim complex64", [ZEROS.to(C64)], lambda x: (x[0] != 0).any(0, keepdim=True))

# ------------------------------------------------------------------ refusals (messages of 1.13's kernels)
Z = [cseq((4,), C64)]
Z2 = [cseq((2, 3), C64)]
case("sort", Z, lambda x: x[0].sort()[0])
case("argsort", Z, lambda x: x[0].argsort())
case("topk", Z, lambda x: x[0].topk(2)[0])
case("max", Z, lambda x: x[0].max())
case("max dim", Z2, lambda x: x[0].max(1)[0])
case("min", Z, lambda x: x[0].min())
case("min dim", Z2, lambda x: x[0].min(1)[0])
case("amax", Z, lambda x: x[0].amax())
case("amin", Z, lambda x: x[0].amin())
case("argmax", Z, lambda x: x[0].argmax())
case("argmin", Z, lambda x: x[0].argmin())
case("maximum", [Z[0], Z[0]], lambda x: torch.maximum(x[0], x[1]))
case("minimum", [Z[0], Z[0]], lambda x: torch.minimum(x[0], x[1]))
case("max other", [Z[0], Z[0]], lambda x: torch.max(x[0], x[1]))
case("min other", [Z[0], Z[0]], lambda x: torch.min(x[0], x[1]))
case("clamp", Z, lambda x: x[0].clamp(0, 1))
case("clamp_", Z, lambda x: x[0].detach().clamp_(0, 1))
case("relu", Z, lambda x: x[0].relu())
case("lt", [Z[0], Z[0]], lambda x: x[0] < x[1])
case("gt", Z, lambda x: x[0] > 0)
case("le", [Z[0], Z[0]], lambda x: x[0] <= x[1])
case("ge", Z, lambda x: x[0] >= 0)
case("floor", Z, lambda x: x[0].floor())
case("ceil", Z, lambda x: x[0].ceil())
case("trunc", Z, lambda x: x[0].trunc())
case("round", Z, lambda x: x[0].round())
case("sign", Z, lambda x: x[0].sign())
case("sort complex128", [cseq((3,))], lambda x: x[0].sort()[0])
case("cummax", Z, lambda x: x[0].cummax(0)[0])
case("cummin", Z, lambda x: x[0].cummin(0)[0])
case("kthvalue", Z, lambda x: x[0].kthvalue(1)[0])
case("median", Z, lambda x: x[0].median())
case("msort", Z, lambda x: x[0].msort())
case("clamp_min", Z, lambda x: x[0].clamp_min(0.5))
case("clip", Z, lambda x: x[0].clip(0, 1))
case("hardtanh", Z, lambda x: torch.nn.functional.hardtanh(x[0]))
case("leaky_relu", Z, lambda x: torch.nn.functional.leaky_relu(x[0]))
case("frac", Z, lambda x: x[0].frac())
case("fix", Z, lambda x: x[0].fix())
case("floor_", Z, lambda x: x[0].detach().floor_())
case("remainder", Z, lambda x: x[0].remainder(2.0))
case("fmod", Z, lambda x: x[0].fmod(2.0))
case("floor_divide", Z, lambda x: x[0].floor_divide(2.0))
case("fmax", [Z[0], Z[0]], lambda x: torch.fmax(x[0], x[1]))
case("heaviside", [Z[0], Z[0]], lambda x: torch.heaviside(x[0], x[1]))
case("signbit", Z, lambda x: x[0].signbit())
# nan_to_num: 2.x replaces each part as a real tensor's (1.13 refuses complex): computed so, its gradient
# derivatives.yaml's grad * isfinite(self) (zero where either part is not finite)


def nan_to_num_2x(z, **kw):
    finite = z.isfinite()
    value = torch.complex(z.real.detach().nan_to_num(**kw), z.imag.detach().nan_to_num(**kw))
    return value + torch.where(finite, z - z.detach(), torch.zeros_like(z))  # the value; the gradient grad * isfinite(z)


NAN_TO_NUM = [torch.tensor([complex(float("nan"), 1), complex(2, float("inf")), complex(-float("inf"), float("nan")),
                            1 - 1j], dtype=C128)]
case("nan_to_num", NAN_TO_NUM, lambda x: nan_to_num_2x(x[0]))
case("nan_to_num values complex64", [NAN_TO_NUM[0].to(C64)], lambda x: nan_to_num_2x(x[0], nan=0.5, posinf=9.0, neginf=-7.0))
case("aminmax", Z, lambda x: torch.aminmax(x[0])[0])
case("histc", Z, lambda x: x[0].histc())
case("mode", Z, lambda x: x[0].mode()[0])
case("nanmedian", Z, lambda x: x[0].nanmedian())
# logcumsumexp: 1.13 refuses complex inputs, 2.x computes them (../complexlogcumsumexp/make_expected.py emulates it)
case("unique", Z, lambda x: x[0].unique())
case("searchsorted", [Z[0], Z[0]], lambda x: torch.searchsorted(x[0], x[1]))
case("bucketize", [Z[0], Z[0]], lambda x: torch.bucketize(x[0], x[1]))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    for name, inputs, fn in CASES:
        f.write("=== %s\n" % name)
        for line in run_case(name, inputs, fn, node_2x=NODES_2X):
            f.write((("fn " + FN_2X[name]) if name in FN_2X and line.startswith("fn ") else line) + "\n")

STRINGS = []


def s(key, value):
    STRINGS.append((key, value))


A = cseq((2, 3))
s("equal same", str(torch.equal(A, A.clone())))
s("equal imag differs", str(torch.equal(A, A + 0.5j)))
s("equal real", str(torch.equal(torch.tensor([1 + 0j]), torch.tensor([1.0]))))
s("allclose", str(torch.allclose(CLOSE_A[:2], CLOSE_B[:2], rtol=0.1)))
s("allclose not", str(torch.allclose(CLOSE_A, CLOSE_B)))
s("allclose equal_nan", str(torch.allclose(CLOSE_A[2:3], CLOSE_B[2:3], equal_nan=True)))
s("any all-zero", str(bool((torch.zeros(3, dtype=C64) != 0).any())))
s("any imag only", str(bool((torch.tensor([0j, 1e-30j]) != 0).any())))  # 2.x (1.13: False)
s("all", str(bool((ZEROS[0, 1:] != 0).all())))
s("all with zero", str(bool((ZEROS[0] != 0).all())))
with open(os.path.join(HERE, "strings.txt"), "w") as f:
    for k, v in STRINGS:
        f.write("%s\t%s\n" % (k, v.replace("\n", "\\n")))
print(len(CASES), "cases,", len(STRINGS), "strings")
