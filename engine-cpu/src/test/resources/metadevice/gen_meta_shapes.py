"""Expected shapes, strides and types of ops on the meta device, for MetaDeviceTest.

Run: cd engine-cpu/src/test/resources/metadevice && /usr/bin/python3 gen_meta_shapes.py
Writes meta_shapes.txt: one line per result, "name|shape|stride|dtype" (shape and stride comma-separated), and
meta_print.txt: how meta tensors print, records separated by a line "----".
PyTorch 1.13's meta kernels give the same metadata as its CPU kernels for every op here; where 1.13 differs from
2.x it is noted (2.x is followed). No randomness reaches the output (meta tensors have no values).
"""
import torch
import torch.nn.functional as F

M = "meta"
out = []
# results 1.13 cannot compute on meta (no meta convolution_backward; 2.x has one): their metadata from the CPU, which
# 2.x's meta kernels reproduce
ON_CPU = {"grad_conv.0", "grad_conv.1", "max_pool3d", "multinomial", "multi_margin", "multilabel_margin"}


def rec(name, t):
    if isinstance(t, (tuple, list)):
        for i, x in enumerate(t):
            rec(name + "." + str(i), x)
        return
    assert t.device.type == "meta" or name in ON_CPU, name
    out.append("%s|%s|%s|%s" % (name, ",".join(map(str, t.shape)), ",".join(map(str, t.stride())),
                                str(t.dtype).replace("torch.", "")))


def e(*shape, dtype=torch.float32):
    return torch.empty(*shape, device=M, dtype=dtype)


x = e(2, 3)
# creation
rec("empty", torch.empty(2, 3, device=M))
rec("zeros_i64", torch.zeros(2, 3, dtype=torch.int64, device=M))
rec("ones_f64", torch.ones(4, dtype=torch.float64, device=M))
rec("full", torch.full((2, 2), 7.0, device=M))
rec("randn", torch.randn(3, 4, device=M))
rec("rand_like", torch.rand_like(x))
rec("arange_int", torch.arange(5, device=M))
rec("arange_float", torch.arange(0, 1, 0.25, device=M))
rec("zeros_like", torch.zeros_like(x))
rec("new_full", x.new_full((4,), 2.0))
rec("new_zeros_i32", x.new_zeros((2, 2), dtype=torch.int32))
rec("to_meta", torch.ones(2, 3).to(M))
rec("to_meta_t", torch.ones(2, 3).t().to(M))
rec("to_meta_i16", torch.ones(3, dtype=torch.int16).to(M))
# shape ops and views
rec("t", x.t())
rec("view", x.view(3, 2))
rec("permute", e(2, 3, 4).permute(2, 0, 1))
rec("unsqueeze", x.unsqueeze(1))
rec("slice", x[:, 1:])
rec("select", x[1])
rec("expand", e(3, 1).expand(3, 4))
rec("reshape_t", x.t().reshape(6))
rec("contiguous_t", x.t().contiguous())
rec("flatten", e(2, 3, 4).flatten(1))
rec("squeeze", e(2, 1, 3).squeeze())
rec("chunk", e(4, 6).chunk(3, 1))
rec("transpose", e(2, 3, 4).transpose(0, 2))
rec("cat", torch.cat([x, e(1, 3)]))
rec("stack", torch.stack([x, x], 1))
# elementwise: broadcasting and type promotion
rec("add_bcast", x + e(3))
rec("mul_promote", x * e(3, dtype=torch.float64))
rec("int_plus_float", e(2, 3, dtype=torch.int64) + 1.5)
rec("int_div", e(2, 3, dtype=torch.int64) / e(2, 3, dtype=torch.int64))
rec("gt", x > 0)
rec("add_t", x.t() + e(3, 2))
rec("where", torch.where(x > 0, x, e(1, 3, dtype=torch.float64)))
rec("exp", x.exp())
rec("clamp", x.clamp(min=0))
rec("inplace_add", x.clone().add_(1))
# reductions and normalizations
rec("sum", x.sum())
rec("sum_dim", e(2, 3, 4).sum(1, keepdim=True))
rec("mean_dim", e(2, 3, 4).mean((0, 2)))
rec("sum_int", e(2, 3, dtype=torch.int32).sum(0))
rec("max_dim", e(2, 3).max(1))
rec("argmax", e(2, 3).argmax(0))
rec("softmax", F.softmax(e(2, 3, 4), -1))
rec("log_softmax", F.log_softmax(e(2, 3), 0))
rec("layer_norm", F.layer_norm(e(2, 3, 4), (4,), e(4), e(4)))
rec("group_norm", F.group_norm(e(2, 4, 5), 2, e(4), e(4)))
rec("batch_norm_eval", F.batch_norm(e(2, 3, 5), e(3), e(3), e(3), e(3), training=False))
# products, convolution, pooling, embedding, attention
rec("mm", e(2, 3) @ e(3, 4))
rec("bmm", torch.bmm(e(5, 2, 3), e(5, 3, 4)))
rec("matmul_bcast", e(5, 2, 3) @ e(3, 4))
rec("matvec", e(2, 3) @ e(3))
rec("linear", F.linear(e(4, 3), e(5, 3), e(5)))
rec("linear_3d", F.linear(e(2, 4, 3), e(5, 3)))
rec("conv2d", F.conv2d(e(1, 3, 8, 8), e(4, 3, 3, 3), e(4), stride=2, padding=1))
rec("conv1d", F.conv1d(e(2, 3, 10), e(4, 3, 3)))
rec("max_pool2d", F.max_pool2d(e(1, 2, 6, 6), 2))
rec("avg_pool2d", F.avg_pool2d(e(1, 2, 6, 6), 3, 2))
rec("embedding", F.embedding(e(2, 4, dtype=torch.int64), e(10, 5)))
rec("gelu", F.gelu(x))
rec("cross_entropy", F.cross_entropy(e(4, 5), e(4, dtype=torch.int64)))
rec("mse", F.mse_loss(x, e(2, 3)))
rec("max_pool3d", F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2))  # 1.13 has no meta max_pool3d (2.x has)
rec("adaptive_max_pool3d", F.adaptive_max_pool3d(e(1, 2, 4, 4, 4), 2))
rec("adaptive_max_pool2d", F.adaptive_max_pool2d(e(1, 2, 5, 5), 2, return_indices=True))
rec("bce", F.binary_cross_entropy(e(2, 3), e(2, 3)))
rec("multinomial", torch.multinomial(torch.ones(3, 5), 2))  # 1.13 has no meta multinomial (2.x has)
rec("randperm", torch.randperm(6, device=M))
rec("dropout", F.dropout(e(2, 3), 0.5))
rec("cumprod", e(2, 3).cumprod(1))
rec("bernoulli", e(2, 3).bernoulli())
rec("bernoulli_p", e(2, 3).bernoulli_(e(2, 3)))
rec("normal_tt", torch.normal(e(2, 3), e(3)))
rec("normal_td", torch.normal(e(2, 3), 1.0))
rec("var_mean", torch.var_mean(e(2, 3, 4), 1))
rec("std_mean", torch.std_mean(e(2, 3, 4)))
rec("fmod_int", torch.fmod(e(2, 3, dtype=torch.int64), e(3, dtype=torch.int64)))
rec("remainder_int", e(2, 3, dtype=torch.int64) % e(2, 3, dtype=torch.int64))
# 1.13 has no meta multi_margin_loss / multilabel_margin_loss (2.x has): the CPU's metadata
rec("multi_margin", F.multi_margin_loss(torch.zeros(4, 5), torch.zeros(4, dtype=torch.int64)))
rec("multilabel_margin", F.multilabel_margin_loss(torch.zeros(4, 5), torch.zeros(4, 5, dtype=torch.int64)))
# scaled dot product attention: 2.x's F.scaled_dot_product_attention (1.13 has none) returns
# q.shape[:-1] + v.shape[-1:], contiguous: written here by that rule from a (1.13) matmul-softmax-matmul on meta
q, k, v = e(2, 3, 5, 4), e(2, 3, 6, 4), e(2, 3, 6, 7)
rec("sdpa", torch.softmax(q @ k.transpose(-2, -1), -1) @ v)
# autograd on meta: gradients of the right shapes, strides and types
xi = e(4, 3).requires_grad_()
w = e(5, 3).requires_grad_()
b = e(5).requires_grad_()
F.linear(xi, w, b).relu().sum().backward()
rec("grad_linear", [xi.grad, w.grad, b.grad])
ci = torch.zeros(1, 3, 8, 8).requires_grad_()
cw = torch.zeros(4, 3, 3, 3).requires_grad_()
F.conv2d(ci, cw, stride=2, padding=1).sum().backward()
rec("grad_conv", [ci.grad, cw.grad])
li = e(2, 3, 4).requires_grad_()
lw = e(4).requires_grad_()
F.layer_norm(li, (4,), lw).pow(2).mean().backward()
rec("grad_layer_norm", [li.grad, lw.grad])
pi = e(2, 3).requires_grad_()
pi.cumprod(1).sum().backward()
rec("grad_cumprod", pi.grad)
qi = e(2, 3).requires_grad_()
qi.prod(1).sum().backward()
rec("grad_prod", qi.grad)

with open("meta_shapes.txt", "w") as f:
    f.write("\n".join(out) + "\n")
print(len(out), "results")

# how meta tensors print (1.13 prints them as 2.x's _str_intern does: size always, dtype unless the default, no
# values): one printout per record, records separated by a line "----"
prints = [
    torch.empty(2, 3, device=M),
    torch.arange(5, device=M),
    torch.empty((), device=M),
    torch.empty(0, 3, device=M),
    torch.empty(4, dtype=torch.float64, device=M),
    torch.empty(2, 2, dtype=torch.bool, device=M),
    torch.nn.Parameter(torch.empty(2, 3, device=M)),
    torch.empty(2, device=M, requires_grad=True) * 2,
]
with open("meta_print.txt", "w") as f:
    f.write("\n----\n".join(repr(p) for p in prints) + "\n")
