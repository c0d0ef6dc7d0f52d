# Writes expected.txt for IndexingTest: values, shapes, types, grad_fn names, gradients and error messages of the
# indexing ops (index_select, gather, scatter/scatter_add/scatter_reduce, index_add/copy/fill, take, take_along_dim,
# advanced indexing and index_put, masked_fill/select/scatter, nonzero/where/argwhere, repeat_interleave).
# Run: /usr/bin/python3 make_expected.py > expected.txt (PyTorch 1.13 on this machine).
#
# Each case prints "=== key" and then either "error <ExceptionType> <message>" or lines "name value": value (the result
# as nested lists), shape, dtype, grad_fn, and grad<i> for every floating input (all of them require grad): the
# gradient of sum(out * g), g = 1, 2, 3, ... in row-major order of out (or backward_error when PyTorch's backward fails).
#
# PyTorch 2.x facts that differ from 1.13 are written by hand below (manual(...)), each with its source. Messages that
# are the same in 1.13 and 2.0 are taken from 1.13; later 2.x releases reworded a few of them (gather/scatter's
# "Expected dtype int32/int64 for index" since int32 indices exist, "to be no larger than self", masked_select's
# "expected BoolTensor for mask"), which Ember, without int32 or uint8 tensors, does not follow.
import torch

torch.set_printoptions(precision=10)


def A(*shape):
    """float32 0, 1, 2, ... in the shape."""
    n = 1
    for s in shape:
        n *= s
    return torch.arange(float(n)).reshape(shape)


def D(*shape):
    """float64 (1, 2, 3, ...) / 4 in the shape."""
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n, dtype=torch.float64) + 1) / 4).reshape(shape)


def L(v):
    return torch.tensor(v, dtype=torch.long)


def B(v):
    return torch.tensor(v, dtype=torch.bool)


def T(v):
    return torch.tensor(v, dtype=torch.float32)


def T64(v):
    return torch.tensor(v, dtype=torch.float64)


def emit_tensor(prefix, out):
    print(prefix + "value", repr(out.tolist()))
    print(prefix + "shape", list(out.shape))
    print(prefix + "dtype", str(out.dtype).replace("torch.", ""))


def case(key, fn, *inputs):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    print("===", key)
    try:
        out = fn(*ins)
    except Exception as e:
        print("error", type(e).__name__, str(e).split("\n")[0])
        return
    if isinstance(out, (tuple, list)):
        print("count", len(out))
        for k, o in enumerate(out):
            emit_tensor("%d." % k, o)
        return
    emit_tensor("", out)
    print("grad_fn", type(out.grad_fn).__name__ if out.grad_fn is not None else "None")
    if out.requires_grad:
        g = torch.arange(1, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
        try:
            out.backward(g)
        except Exception as e:
            print("backward_error", type(e).__name__, str(e).split("\n")[0])
            return
        for i, t in enumerate(ins):
            if t.requires_grad:
                print("grad%d" % i, repr(t.grad.tolist()) if t.grad is not None else "None")


def manual(key, line):
    print("===", key)
    print(line)


def inplace(op):
    """An in-place op on a non-leaf copy of the first input, returning it."""
    def f(x, *rest):
        y = x * 1 if x.is_floating_point() else x.clone()
        op(y, *rest)
        return y
    return f


# ---------------------------------------------------------------------------------------------------- index_select
case("is_dim0", lambda x: x.index_select(0, L([2, 0, 2])), A(3, 4))
case("is_dim1", lambda x: x.index_select(1, L([3, 1])), A(3, 4))
case("is_dim_neg", lambda x: x.index_select(-1, L([0, 0, 2])), A(2, 3))
case("is_3d_mid", lambda x: x.index_select(1, L([2, 1])), D(2, 3, 2))
case("is_noncontig", lambda x: x.t().index_select(0, L([1, 3])), A(3, 4))
case("is_index_strided", lambda x: x.index_select(0, L([2, 9, 0, 9, 1])[::2]), A(3, 2))
case("is_1d", lambda x: x.index_select(0, L([4, 0, 4])), D(5))
case("is_0d", lambda x: x.index_select(0, L([0])), T(3.5))
case("is_0d_index0d", lambda x: x.index_select(0, L(0)), T(3.5))
case("is_empty_index", lambda x: x.index_select(0, L([])), A(3, 4))
case("is_empty_self", lambda x: x.index_select(1, L([1, 0])), A(0, 3))
case("is_long", lambda x: x.index_select(0, L([1, 1])), L([[1, 2], [3, 4]]))
case("is_bool", lambda x: x.index_select(1, L([1, 0])), B([[True, False], [False, False]]))
case("is_expanded", lambda x: x.expand(3, 4).index_select(0, L([2, 0])), A(4))
case("is_oob", lambda x: x.index_select(0, L([0, 3])), A(3, 4))
case("is_neg_index", lambda x: x.index_select(0, L([-1])), A(3, 4))
case("is_oob_dim1", lambda x: x.index_select(1, L([9])), A(3, 4))
case("is_oob_1d", lambda x: x.index_select(0, L([5])), A(4))
case("is_index_2d", lambda x: x.index_select(0, L([[0]])), A(3, 4))
case("is_index_float", lambda x: x.index_select(0, T([0])), A(3, 4))
case("is_dim_oob", lambda x: x.index_select(2, L([0])), A(3, 4))
case("is_empty_axis", lambda x: x.index_select(0, L([0])), A(0, 3))
# PyTorch 2.x (aten/src/ATen/native/TensorAdvancedIndexing.cpp, index_select_out_cpu_: "Index to scalar can have only 1
# value"); 1.13 wrote past its 0-dim result instead
manual("is_0d_two", "error RuntimeError index_select(): Index to scalar can have only 1 value, got 2 value(s)")

# ---------------------------------------------------------------------------------------------------- gather
case("g_dim0", lambda x: x.gather(0, L([[2, 0, 1], [0, 0, 2]])), A(3, 3))
case("g_dim1", lambda x: x.gather(1, L([[2, 2], [0, 1], [1, 0]])), D(3, 3))
case("g_smaller", lambda x: x.gather(1, L([[3], [0]])), A(3, 4))
case("g_3d", lambda x: x.gather(2, L([[[1, 0]], [[0, 0]]])), A(2, 3, 2))
case("g_noncontig", lambda x: x.t().gather(0, L([[1, 0, 2], [2, 2, 0]])), D(3, 3))
case("g_index_expanded", lambda x: x.gather(1, L([[1], [0], [1]]).expand(3, 4)), D(3, 2))
case("g_empty", lambda x: x.gather(1, torch.zeros(0, 2, dtype=torch.long)), A(3, 4))
case("g_empty_float_index", lambda x: x.gather(1, torch.zeros(0)), A(3, 4))
case("g_0d", lambda x: x.gather(0, L(0)), T(2.5))
case("g_0d_1d", lambda x: x.gather(0, L([0, 0])), T(2.5))
case("g_long", lambda x: x.gather(0, L([[1, 0]])), L([[1, 2], [3, 4]]))
case("g_bool", lambda x: x.gather(1, L([[1, 1, 0]])), B([[True, False]]))
case("g_float_index", lambda x: x.gather(0, T([[0]])), A(3, 3))
case("g_dims", lambda x: x.gather(0, L([0])), A(3, 3))
case("g_size", lambda x: x.gather(0, L([[0, 1, 1, 1]])), A(3, 3))
case("g_oob", lambda x: x.gather(1, L([[0], [3], [0]])), A(3, 3))
case("g_neg", lambda x: x.gather(0, L([[-1]])), A(3, 3))

# ---------------------------------------------------------------------------------------------------- scatter
case("s_src_dim0", lambda x, s: x.scatter(0, L([[2, 0, 1], [1, 2, 0]]), s), A(3, 3), D(2, 3).float())
case("s_src_dim1", lambda x, s: x.scatter(1, L([[2], [0]]), s), D(2, 3), D(3, 3))
case("s_src_bigger", lambda x, s: x.scatter(0, L([[1, 0]]), s), A(2, 3), A(3, 4) + 100)
case("s_dup_last", lambda x, s: x.scatter(0, L([1, 1, 1]), s), A(3), T([7, 8, 9]))
case("s_value", lambda x: x.scatter(1, L([[0, 2], [1, 1]]), 9.5), D(2, 3))
case("s_value_long", lambda x: x.scatter(0, L([[1, 0]]), 7.9), L([[1, 2], [3, 4]]))
case("s_value_bool", lambda x: x.scatter(0, L([0, 2]), 1.0), B([False, False, True]))
case("s_noncontig", lambda x, s: x.t().scatter(0, L([[0, 1, 0]]), s.t()), D(3, 2), D(4, 1))
case("s_empty", lambda x, s: x.scatter(0, torch.zeros(0, 3, dtype=torch.long), s), D(2, 3), D(2, 3))
case("s_0d", lambda x, s: x.scatter(0, L(0), s), T(1.5), T(4.5))
case("s_inplace", inplace(lambda y, s: y.scatter_(0, L([[1, 0]]), s)), D(2, 2), D(1, 2))
case("s_inplace_value", inplace(lambda y: y.scatter_(1, L([[1], [0]]), -1.0)), D(2, 2))
case("s_dtype", lambda x, s: x.scatter(0, L([[0]]), s), A(2, 3), D(1, 1))
case("s_index_dtype", lambda x: x.scatter(0, T([[0]]), 1.0), A(2, 3))
case("s_dims", lambda x: x.scatter(0, L([0]), 1.0), A(2, 3))
case("s_size_src", lambda x, s: x.scatter(0, L([[0, 1, 1]]), s), A(2, 3), A(2, 2))
case("s_size_self", lambda x: x.scatter(0, L([[0, 1, 1, 1]]), 1.0), A(2, 3))
case("s_src_dims", lambda x, s: x.scatter(0, L([[0]]), s), A(2, 3), A(1))
case("s_oob", lambda x: x.scatter(1, L([[0, 3]]), 1.0), A(2, 3))
case("s_oob_neg", lambda x, s: x.scatter(0, L([[-1]]), s), A(2, 3), A(1, 1))

case("sa_dup", lambda x, s: x.scatter_add(0, L([[1, 0], [1, 1], [0, 1]]), s), D(2, 2), D(3, 2))
case("sa_dim1", lambda x, s: x.scatter_add(1, L([[0, 0, 2, 0]]), s), A(2, 3), A(1, 4))
case("sa_long", lambda x, s: x.scatter_add(0, L([0, 0, 1]), s), L([10, 20]), L([1, 2, 4]))
case("sa_bool", lambda x, s: x.scatter_add(0, L([1, 1]), s), B([True, False, False]), B([True, False]))
case("sa_inplace", inplace(lambda y, s: y.scatter_add_(1, L([[1, 1]]), s)), D(2, 2), D(1, 2))
case("sa_dtype", lambda x, s: x.scatter_add(0, L([[0]]), s), A(2, 3), D(1, 1))

# ---------------------------------------------------------------------------------------------------- scatter_reduce
idx_r = L([[0, 1], [0, 1], [2, 0], [0, 0]])
for red in ["sum", "prod", "mean", "amax", "amin"]:
    for inc in [True, False]:
        tag = red + ("_self" if inc else "_noself")
        case("sr_" + tag, lambda x, s, red=red, inc=inc: x.scatter_reduce(0, idx_r, s, red, include_self=inc),
             T64([[1.5, -2.0], [3.0, 0.5], [-1.0, 4.0]]), T64([[2.0, 1.0], [0.5, -3.0], [4.0, 2.0], [-1.0, 1.0]]))
        case("sr_long_" + tag, lambda x, s, red=red, inc=inc: x.scatter_reduce(0, L([1, 1, 0, 1]), s, red, include_self=inc),
             L([5, -7, 9]), L([-2, 4, 3, 9]))
# ties share the gradient of amax/amin evenly (self and src alike)
case("sr_amax_ties", lambda x, s: x.scatter_reduce(0, L([0, 0, 1, 0]), s, "amax"), T64([3.0, 1.0]), T64([3.0, 2.0, 1.0, 3.0]))
case("sr_amin_ties_noself", lambda x, s: x.scatter_reduce(0, L([0, 0, 0, 1]), s, "amin", include_self=False),
     T64([3.0, 1.0]), T64([-1.0, 2.0, -1.0, 5.0]))
case("sr_amax_nan", lambda x, s: x.scatter_reduce(0, L([0, 0, 1]), s, "amax"), T64([1.0, 2.0]),
     T64([float("nan"), 3.0, 1.0]))
# products with zeros: one zero in a group, two zeros, a zero in self
case("sr_prod_zeros", lambda x, s: x.scatter_reduce(0, L([0, 0, 1, 1, 2, 2]), s, "prod"),
     T64([2.0, 3.0, 0.0]), T64([0.0, 5.0, 0.0, 0.0, 4.0, 0.5]))
case("sr_prod_zeros_noself", lambda x, s: x.scatter_reduce(0, L([0, 0, 1, 1]), s, "prod", include_self=False),
     T64([2.0, 3.0]), T64([0.0, 5.0, 1.5, 2.0]))
case("sr_2d_dim1", lambda x, s: x.scatter_reduce(1, L([[0, 0, 2], [1, 1, 1]]), s, "mean"), D(2, 3), D(2, 3))
case("sr_bool_sum", lambda x, s: x.scatter_reduce(0, L([1, 1, 2]), s, "sum"), B([True, False, False]), B([False, True, False]))
case("sr_bool_prod", lambda x, s: x.scatter_reduce(0, L([0, 0, 2]), s, "prod"), B([True, False, True]), B([True, False, True]))
case("sr_bool_amin_noself", lambda x, s: x.scatter_reduce(0, L([0, 1]), s, "amin", include_self=False), B([False, False]),
     B([True, False]))
case("sr_bool_mean", lambda x, s: x.scatter_reduce(0, L([0]), s, "mean"), B([True]), B([True]))
case("sr_bad_reduce", lambda x, s: x.scatter_reduce(0, L([0]), s, "max"), A(2), A(1))
case("sr_inplace", inplace(lambda y, s: y.scatter_reduce_(0, L([1, 1, 0]), s, "amax", include_self=False)), D(2), D(3))
case("sr_empty", lambda x, s: x.scatter_reduce(0, L([]), s, "mean", include_self=False), D(3), D(0))

# ---------------------------------------------------------------------------------------------------- index_add/copy/fill
case("ia_dim0", lambda x, s: x.index_add(0, L([2, 0, 2]), s), D(3, 2), D(3, 2))
case("ia_dim1_alpha", lambda x, s: x.index_add(1, L([1, 0]), s, alpha=-2.0), D(2, 3), D(2, 2))
case("ia_long_alpha", lambda x, s: x.index_add(0, L([0, 0]), s, alpha=3), L([1, 2]), L([5, 7]))
case("ia_0d", lambda x, s: x.index_add(0, L([0]), s), T(1.5), T(2.0))
case("ia_1d", lambda x, s: x.index_add(0, L([3, 3, 1]), s), D(4), D(3))
case("ia_noncontig", lambda x, s: x.t().index_add(0, L([1]), s.t()), D(3, 2), D(3, 1))
case("ia_empty", lambda x, s: x.index_add(0, L([]), s), D(2, 2), D(0, 2))
case("ia_inplace", inplace(lambda y, s: y.index_add_(0, L([1, 1]), s, alpha=0.5)), D(2, 2), D(2, 2))
case("ia_oob", lambda x, s: x.index_add(0, L([3]), s), A(3, 2), A(1, 2))
case("ia_neg", lambda x, s: x.index_add(0, L([-1]), s), A(3, 2), A(1, 2))
case("ia_index_2d", lambda x, s: x.index_add(0, L([[0]]), s), A(3, 2), A(1, 2))
case("ia_index_float", lambda x, s: x.index_add(0, T([0]), s), A(3, 2), A(1, 2))
case("ia_dtype", lambda x, s: x.index_add(0, L([0]), s), A(3, 2), D(1, 2))
case("ia_numel", lambda x, s: x.index_add(0, L([0]), s), A(3, 2), A(2, 2))
case("ia_dim", lambda x, s: x.index_add(1, L([0]), s), A(3, 2), A(3))
case("ia_alpha_float_long", lambda x, s: x.index_add(0, L([0]), s, alpha=0.5), L([1, 2]), L([1]))
# PyTorch 2.x (TensorAdvancedIndexing.cpp, index_func_meta_impl): source's slices must equal self's; 1.13 broadcast them
manual("ia_slices", "error RuntimeError source tensor shape must match self tensor shape, excluding the specified "
       "dimension. Got self.shape = [3, 4] source.shape = [1, 1]")

case("ic_dim0", lambda x, s: x.index_copy(0, L([2, 0]), s), D(3, 2), D(2, 2) + 10)
case("ic_dim1", lambda x, s: x.index_copy(1, L([1]), s), A(2, 3), A(2, 1) - 5)
case("ic_0d_source", lambda x, s: x.index_copy(0, L([1]), s), D(3), T64(9.0))
case("ic_inplace", inplace(lambda y, s: y.index_copy_(0, L([0]), s)), D(2, 2), D(1, 2))
case("ic_slices", lambda x, s: x.index_copy(0, L([0]), s), A(2, 3), A(1, 4))
case("ic_slices_3d", lambda x, s: x.index_copy(1, L([0]), s), A(2, 3, 4), A(3, 1, 6))
case("ic_dims", lambda x, s: x.index_copy(0, L([0]), s), A(2, 3), A(3))
case("ic_scalar_source", lambda x, s: x.index_copy(0, L([0, 1]), s), A(2, 3), T(1.0))
case("ic_numel", lambda x, s: x.index_copy(0, L([0, 1]), s), A(2, 3), A(1, 3))
case("ic_index_2d", lambda x, s: x.index_copy(0, L([[0]]), s), A(2, 3), A(1, 3))
case("ic_index_float", lambda x, s: x.index_copy(0, T([0]), s), A(2, 3), A(1, 3))
case("ic_dtype", lambda x, s: x.index_copy(0, L([0]), s), A(2, 3), D(1, 3))
case("ic_oob", lambda x, s: x.index_copy(0, L([-1]), s), A(2, 3), A(1, 3))

case("if_dim0", lambda x: x.index_fill(0, L([2, 0]), -1.5), D(3, 2))
case("if_neg", lambda x: x.index_fill(1, L([-1]), 7.0), D(2, 3))
case("if_tensor", lambda x, v: x.index_fill(1, L([0, 2, 0]), v), D(2, 3), T64(4.0))
case("if_long", lambda x: x.index_fill(0, L([1]), 2.9), L([[1, 2], [3, 4]]))
case("if_0d", lambda x: x.index_fill(0, L(-1), 8.0), T(3.0))
case("if_inplace", inplace(lambda y: y.index_fill_(0, L([1]), 0.0)), D(2, 2))
case("if_inplace_tensor", inplace(lambda y, v: y.index_fill_(0, L([0]), v)), D(2, 2), T64(-2.0))
case("if_oob", lambda x: x.index_fill(0, L([-4]), 1.0), A(3, 2))
case("if_index_float", lambda x: x.index_fill(0, T([0]), 1.0), A(3, 2))
case("if_index_2d", lambda x: x.index_fill(0, L([[0]]), 1.0), A(3, 2))
case("if_value_1d", lambda x, v: x.index_fill(0, L([0]), v), A(3, 2), T([1.0]))

# ---------------------------------------------------------------------------------------------------- take, take_along_dim
case("tk_basic", lambda x: x.take(L([[5, 0], [-1, 2]])), D(2, 3))
case("tk_noncontig", lambda x: x.t().take(L([1, 1, 4])), D(2, 3))
case("tk_0d_index", lambda x: x.take(L(3)), A(4))
case("tk_empty", lambda x: x.take(L([])), A(0))
case("tk_oob", lambda x: x.take(L([6])), A(2, 3))
case("tk_oob_neg", lambda x: x.take(L([-7])), A(2, 3))
case("tk_float_index", lambda x: x.take(T([0])), A(2, 3))
case("tk_empty_self", lambda x: x.take(L([0])), A(0))
case("tad_dim", lambda x: x.take_along_dim(L([[0], [2]]), 1), D(2, 3))
case("tad_broadcast", lambda x: x.take_along_dim(L([[0, 1]]), 0), D(3, 2))
case("tad_broadcast_self", lambda x: x.take_along_dim(L([[1], [0]]).expand(2, 2), 1), D(1, 3))
case("tad_flat", lambda x: x.take_along_dim(L([5, 0])), D(2, 3))
case("tad_flat_noncontig", lambda x: x.t().take_along_dim(L([1])), A(2, 3))
case("tad_dims", lambda x: x.take_along_dim(L([0]), 0), A(2, 3))
case("tad_dtype", lambda x: x.take_along_dim(T([[0.0]]), 0), A(2, 3))
case("tad_shape", lambda x: x.take_along_dim(L([[0, 1]]), 0), A(2, 3))

# ---------------------------------------------------------------------------------------------------- x[...]
x234 = lambda: D(2, 3, 4)
m23 = B([[True, False, True], [True, True, False]])
case("ix_int_list", lambda x: x[L([1, 0, 1])], x234())
case("ix_2d_index", lambda x: x[L([[1], [0]])], x234())
case("ix_neg", lambda x: x[:, L([-1, 0])], x234())
case("ix_two_adjacent", lambda x: x[:, L([[0], [2]]), L([1, 3])], x234())
case("ix_two_separated", lambda x: x[L([[0, 1]]), :, L([[1], [2]])], x234())
case("ix_int_between", lambda x: x[L([1, 0]), 1, L([2, 3])], x234())
case("ix_int_before", lambda x: x[1, :, L([0, 3, 3])], x234())
case("ix_int_after", lambda x: x[:, L([0, 2]), 1], x234())
case("ix_none", lambda x: x[None, L([1]), None, L([0, 2])], x234())
case("ix_none_after", lambda x: x[:, L([1]), :, None], x234())
case("ix_ellipsis", lambda x: x[..., L([3, 0])], x234())
case("ix_ellipsis_mid", lambda x: x[L([1]), ..., L([0, 1])], x234())
case("ix_slice_step", lambda x: x[1:, ::2, L([0])], x234())
case("ix_mask1", lambda x: x[B([False, True])], x234())
case("ix_mask2", lambda x: x[m23], x234())
case("ix_mask_slice_before", lambda x: x[:, B([True, False, True])], x234())
case("ixe_mask_dim", lambda x: x[:, B([True, False, True, True])], x234())
case("ix_mask_all", lambda x: x[B([[True, False, True, False], [True, True, True, True], [False] * 4])[None].expand(2, 3, 4)],
     x234())
case("ix_mask_none", lambda x: x[torch.zeros(2, 3, dtype=torch.bool)], x234())
case("ix_mask_and_index", lambda x: x[B([True, True]), L([2, 0])], x234())
case("ix_bool0d_true", lambda x: x[B(True)], x234())
case("ix_bool0d_false", lambda x: x[B(False)], x234())
case("ix_int0d", lambda x: x[L(1)], x234())
case("ix_int0d_tuple", lambda x: x[:, L(-1)], x234())
case("ix_empty_index", lambda x: x[L([])], x234())
case("ix_empty_index_mid", lambda x: x[:, L([])], x234())
case("ix_noncontig", lambda x: x.transpose(0, 2)[L([3, 0]), L([2, 2])], x234())
case("ix_expanded", lambda x: x.expand(3, 4)[L([0, 2]), L([1, 1])], D(4))
case("ix_long", lambda x: x[L([0, 0]), L([1, 0])], L([[1, 2], [3, 4]]))
case("ix_bool_self", lambda x: x[B([True, False])], B([[True, False], [False, True]]))
case("ix_1d_dup_grad", lambda x: x[L([2, 2, 0, 2])], D(3))
case("ix_empty_result_oob", lambda x: x[:, L([5])], A(0, 3))
case("ix_scalar_self_mask", lambda x: x[B(True)], T(2.5))
# PyTorch 2.x (aten/src/ATen/TensorIndexing.h, recordTensorIndex: a mask advances the dimension by mask.dim()): x[m, 0]
# indexes dims 0-1 with the mask and selects 0 in dim 2, as NumPy; 1.13 advanced one dimension and failed. The same
# values as x[:, :, 0][m] and x[:, :, 1:3][m].
case("ix_mask2_int_after", lambda x: x[:, :, 0][m23], x234())
case("ix_mask2_slice_after", lambda x: x[:, :, 1:3][m23], x234())
# basic indexing: views with their nodes
case("bx_int", lambda x: x[1], x234())
case("bx_neg_int", lambda x: x[-1, -2], x234())
case("bx_slice", lambda x: x[1:], x234())
case("bx_full_slice", lambda x: x[:], x234())
case("bx_tuple_full", lambda x: x[:, 1], x234())
case("bx_all_full", lambda x: x[:, :], x234())
case("bx_explicit_full", lambda x: x[0:2, 0:3], x234())
case("ix_explicit_full_slice", lambda x: x[0:2, L([1])], x234())
case("bx_ellipsis", lambda x: x[...], x234())
case("bx_ellipsis_int", lambda x: x[..., 2], x234())
case("bx_two_ellipsis", lambda x: x[1, ..., ...], x234())
case("bx_none", lambda x: x[None], x234())
case("bx_none_mid", lambda x: x[0, None, :, None], x234())
case("bx_steps", lambda x: x[::2, 1:3, -3::2], x234())
case("bx_clamped", lambda x: x[5:7], x234())
case("bx_neg_slice", lambda x: x[:, -2:], x234())
case("bx_empty_tuple", lambda x: x[()], x234())
case("bx_0d_none", lambda x: x[None], T(3.0))
case("bx_0d_ellipsis", lambda x: x[...], T(3.0))
# errors
case("ixe_too_many", lambda x: x[1, 1, 1, 1], x234())
case("ixe_too_many_mask", lambda x: x[m23, m23], x234())
case("ixe_int_oob", lambda x: x[2], x234())
case("ixe_int_oob_tuple", lambda x: x[0, -4], x234())
case("ixe_int_oob_after_none", lambda x: x[None, 0, 5], x234())
case("ixe_0d_int", lambda x: x[0], T(3.0))
case("ixe_0d_int1", lambda x: x[1], T(3.0))
case("ixe_step0", lambda x: x[::0], x234())
case("ixe_step_neg", lambda x: x[::-1], x234())
case("ixe_step_neg_tuple", lambda x: x[:, ::-2], x234())
case("ixe_tensor_oob", lambda x: x[L([0, 2])], x234())
case("ixe_tensor_oob_neg", lambda x: x[L([-3])], x234())
case("ixe_tensor_oob_dim", lambda x: x[:, L([5])], x234())
case("ixe_tensor_oob_second", lambda x: x[L([0, 1]), L([7, 0])], x234())
case("ixe_broadcast", lambda x: x[L([0, 1]), L([0, 1, 2])], x234())
case("ixe_mask_shape", lambda x: x[B([True, False, True])], x234())
case("ixe_mask_shape_2d", lambda x: x[:, B([[True, False, True, False]])], x234())
case("ixe_size0", lambda x: x[:, L([0])], A(3, 0))
case("ixe_float", lambda x: x[T([0.0])], x234())
# PyTorch 2.x (aten/src/ATen/native/IndexingUtils.h, checkIndexTensorTypes) names int too; 1.13 said "long, byte or bool"
manual("ixe_float_2x", "error IndexError tensors used as indices must be long, int, byte or bool tensors")


# ---------------------------------------------------------------------------------------------------- x[...] = v
def put(*index, values=None, accumulate=False):
    def f(x, *v):
        y = x * 1 if x.is_floating_point() else x.clone()
        val = v[0] if v else values
        if accumulate:
            y.index_put_(tuple(index), val if isinstance(val, torch.Tensor) else torch.tensor(val, dtype=y.dtype),
                         accumulate=True)
        else:
            y[tuple(index)] = val
        return y
    return f


case("ip_index", put(L([2, 0])), D(3, 2), D(2, 2) + 10)
case("ip_broadcast", put(L([2, 0])), D(3, 2), T64([7.0, 8.0]))
case("ip_scalar", put(L([1]), values=-1.0), D(3, 2))
case("ip_mask_scalar", put(B([[True, False], [False, True], [True, True]]), values=5.0), D(3, 2))
case("ip_mask_values", put(B([True, False, True])), D(3), T64([9.0, 8.0]))
case("ip_mask_rows", put(B([True, False, True])), D(3, 2), T64([[1.0, 2.0], [3.0, 4.0]]))
case("ip_slice_index", put(slice(None), L([1])), D(2, 3), T64([[7.0], [8.0]]))
case("ip_separated", put(L([0, 1]), slice(None), L([2, 0])), D(2, 3, 4), T64([[1.0, 2.0, 3.0]]))
case("ip_int_index", put(1, L([0, 2])), D(2, 3), T64(4.0))
case("ip_accumulate_dup", put(L([0, 2, 0, 0]), accumulate=True), D(3), T64([1.0, 2.0, 3.0, 4.0]))
case("ip_accumulate_rows", put(L([1, 1]), accumulate=True), D(3, 2), T64([[1.0, 1.0], [2.0, 3.0]]))
case("ip_accumulate_2d", put(L([[0, 1], [1, 1]]), L([[1, 0], [0, 0]]), accumulate=True), D(2, 2), T64(1.5))
case("ip_dup_last", put(L([1, 1, 1])), D(3), T64([4.0, 5.0, 6.0]))
case("ip_long", put(L([0, 0]), L([1, 0])), L([[1, 2], [3, 4]]), L([7, 8]))
case("ip_bool", put(L([1])), B([False, False]), B([True]))
case("ip_empty", put(L([])), D(3), T64([]))
case("ip_empty_mask", put(B([False, False, False]), values=1.0), D(3))
case("ip_view_mask", lambda x, v: (lambda y: (y[1:].__setitem__(B([[True, False], [False, True]]), v), y)[1])(x * 1),
     D(3, 2), T64([5.0, 6.0]))
case("ip_value_shape", put(L([0, 1])), D(3, 2), T64([1.0, 2.0, 3.0]))
case("ip_value_dtype", put(L([0])), A(3), D(1))
case("ip_oob", put(L([3])), D(3), T64([1.0]))
case("ip_out_of_place", lambda x, v: x.index_put((L([1, 0]),), v), D(2, 2), T64([3.0, 4.0]))
# Python's index_put takes only tensors; Ember's Index.all() stands for PyTorch's None (C++ index_put's undefined
# tensor), which indexes dimension 0 as the broadcast arange(2)[:, None] does here
case("ip_out_of_place_none", lambda x, v: x.index_put((torch.arange(2)[:, None], L([2, 0])), v), D(2, 3),
     T64([[1.0], [2.0]]))
case("ip_out_of_place_acc", lambda x, v: x.index_put((L([1, 1]), L([0, 0])), v, accumulate=True), D(2, 2), T64(2.0))

# ---------------------------------------------------------------------------------------------------- masked ops
case("mf_scalar", lambda x: x.masked_fill(B([True, False, True]), -2.5), D(2, 3))
case("mf_tensor", lambda x, v: x.masked_fill(B([[True], [False]]), v), D(2, 3), T64(4.0))
case("mf_broadcast_self", lambda x: x.masked_fill(B([[True, False], [False, False], [True, True]]), 1.0), D(2))
case("mf_long", lambda x: x.masked_fill(B([True, False]), 2.7), L([5, 6]))
case("mf_bool", lambda x: x.masked_fill(B([True, False]), 0.0), B([True, True]))
case("mf_noncontig", lambda x: x.t().masked_fill(B([True, False]), 0.0), D(2, 2))
case("mf_inplace", inplace(lambda y: y.masked_fill_(B([False, True]), 3.0)), D(2, 2))
case("mf_inplace_tensor", inplace(lambda y, v: y.masked_fill_(B([[True, False]]), v)), D(2, 2), T64(-1.0))
case("mf_value_dim", lambda x: x.masked_fill(B([True, False, True]), T([2.0])), A(2, 3))
case("mf_broadcast", lambda x: x.masked_fill(B([True, False]), 2.0), A(2, 3))
case("mf_inplace_shape", lambda x: x.clone().masked_fill_(B([[True, False, True], [True, True, True]]), 2.0), A(3))
case("mf_overflow", lambda x: x.masked_fill(B([True, False, True]), 1e40), A(3))
case("mf_nan_long", lambda x: x.masked_fill(B([True, False, True]), float("nan")), L([1, 2, 3]))
# PyTorch 2.x (TensorAdvancedIndexing.cpp, masked_fill_impl_cpu): a mask must be bool; 1.13 read a float mask's bytes
manual("mf_float_mask", "error RuntimeError masked_fill_ only supports boolean masks, but got mask with dtype float")

case("ms_basic", lambda x: x.masked_select(B([[True, False, True], [False, False, True]])), D(2, 3))
case("ms_broadcast_mask", lambda x: x.masked_select(B([False, True, True])), D(2, 3))
case("ms_broadcast_self", lambda x: x.masked_select(B([[True, False], [True, True]])), D(2))
case("ms_none", lambda x: x.masked_select(torch.zeros(2, 3, dtype=torch.bool)), D(2, 3))
# PyTorch 2.x's masked_scatter_ (masked_select's backward) writes in logical order (TensorAdvancedIndexing.cpp,
# masked_scatter__cpu: enforce_linear_iteration, "order of indexing matters"); 1.13 wrote in memory order, so its gradient
# for a transposed input came out permuted. The same values and gradient through a contiguous copy:
case("ms_noncontig", lambda x: x.t().contiguous().masked_select(B([[True, False], [False, True], [True, True]])), D(2, 3))
case("ms_long", lambda x: x.masked_select(B([True, False])), L([[1, 2], [3, 4]]))
case("ms_float_mask", lambda x: x.masked_select(T([1.0, 0.0, 1.0])), A(2, 3))
case("ms_broadcast_error", lambda x: x.masked_select(B([True, False])), A(2, 3))

case("msc_basic", lambda x, s: x.masked_scatter(B([[True, False, True], [False, True, False]]), s), D(2, 3), D(5) + 10)
case("msc_broadcast_mask", lambda x, s: x.masked_scatter(B([False, True, True]), s), D(2, 3), D(2, 2) + 10)
case("msc_broadcast_self", lambda x, s: x.masked_scatter(B([[True, False], [True, True]]), s), D(2), D(3) + 10)
case("msc_none", lambda x, s: x.masked_scatter(torch.zeros(3, dtype=torch.bool), s), D(3), D(2))
case("msc_inplace", inplace(lambda y, s: y.masked_scatter_(B([True, False, True]), s)), D(3), D(4) + 5)
case("msc_too_few", lambda x, s: x.masked_scatter(B([True, True, True]), s), A(3), A(2))
case("msc_dtype", lambda x, s: x.masked_scatter(B([True, True, True]), s), A(3), D(3))
case("msc_broadcast_error", lambda x, s: x.masked_scatter(B([True, False]), s), A(2, 3), A(6))
case("msc_inplace_shape", lambda x, s: x.clone().masked_scatter_(torch.ones(2, 3, dtype=torch.bool), s), A(3), A(6))
# PyTorch 2.x (aten/src/ATen/native/cpu/IndexKernel.cpp, masked_scatter_kernel): a mask must be bool; 1.13 read bytes
manual("msc_float_mask", "error RuntimeError masked_scatter_ only supports boolean masks, but got mask with dtype Float")

# ---------------------------------------------------------------------------------------------------- nonzero, where, argwhere
case("nz_2d", lambda x: x.nonzero(), T([[0.0, 1.5, -0.0], [float("nan"), 0.0, 2.0]]))
case("nz_1d", lambda x: x.nonzero(), L([0, 3, 0, -1]))
case("nz_bool_3d", lambda x: x.nonzero(), B([[[True, False], [False, True]], [[False, False], [True, True]]]))
case("nz_0d_true", lambda x: x.nonzero(), T(2.0))
case("nz_0d_false", lambda x: x.nonzero(), T(0.0))
case("nz_empty", lambda x: x.nonzero(), A(0, 3))
case("nz_none", lambda x: x.nonzero(), torch.zeros(2, 2))
case("nz_noncontig", lambda x: x.t().nonzero(), T([[1.0, 0.0, 3.0], [0.0, 5.0, 6.0]]))
case("nz_tuple", lambda x: x.nonzero(as_tuple=True), T([[1.0, 0.0, 3.0], [0.0, 5.0, 6.0]]))
case("nz_tuple_0d", lambda x: x.nonzero(as_tuple=True), T(2.0))
case("nz_tuple_0d_false", lambda x: x.nonzero(as_tuple=True), T(0.0))
case("wh_cond", lambda x: torch.where(x), B([[False, True], [True, True]]))
case("aw_basic", lambda x: torch.argwhere(x), L([[0, 7], [7, 0]]))

# ---------------------------------------------------------------------------------------------------- repeat_interleave
case("ri_flat", lambda x: x.repeat_interleave(L([1, 0, 2, 1, 0, 3])), D(2, 3))
case("ri_dim0", lambda x: x.repeat_interleave(L([2, 1]), dim=0), D(2, 3))
case("ri_dim_neg", lambda x: x.repeat_interleave(L([0, 2, 1]), dim=-1), D(2, 3))
case("ri_scalar_repeats", lambda x: x.repeat_interleave(L(2), dim=1), D(2, 3))
case("ri_one_repeat", lambda x: x.repeat_interleave(L([3])), D(2))
case("ri_output_size", lambda x: x.repeat_interleave(L([2, 1]), dim=0, output_size=3), D(2, 2))
case("ri_empty", lambda x: x.repeat_interleave(L([]), dim=0), A(0, 3))
case("ri_empty_scalar", lambda x: x.repeat_interleave(L(2), dim=0), A(0, 3))
case("ri_0d", lambda x: x.repeat_interleave(L([2])), T(3.0))
case("ri_repeats_2d", lambda x: x.repeat_interleave(L([[1]])), A(2))
case("ri_repeats_float", lambda x: x.repeat_interleave(T([1.0, 2.0]), dim=0), A(2, 3))
case("ri_negative", lambda x: x.repeat_interleave(L([1, -2]), dim=0), A(2, 3))
case("ri_output_size_wrong", lambda x: x.repeat_interleave(L([3, 1]), dim=0, output_size=3), A(2, 3))
case("ri_negative_output_size", lambda x: x.repeat_interleave(L([3, -2]), dim=0, output_size=1), A(2, 3))
case("ri_dim_oob", lambda x: x.repeat_interleave(L([2, 1]), dim=2), A(2, 3))
# PyTorch 2.x (aten/src/ATen/native/Repeat.cpp, repeat_interleave_symint) names both sizes; 1.13 did not
manual("ri_size", "error RuntimeError repeats must have the same size as input along dim, but got repeats.size(0) = 3 "
       "and input.size(0) = 2")
