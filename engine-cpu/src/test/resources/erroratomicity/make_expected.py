"""Prints PyTorch's exception type and message for the bad inputs of ErrorAtomicityTest (run with PyTorch 1.13:
/usr/bin/python3 make_expected.py). The test hard-codes these messages; this script is how they were obtained."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune  # session 21, helper 2: the prune/ cases

cases = {}


def case(name):
    def deco(fn):
        cases[name] = fn
        return fn
    return deco


def f3():
    return torch.tensor([1., 2., 3.])


L = lambda *v: torch.tensor(v, dtype=torch.long)

C = {
    # in-place with bad second arguments
    "indexPut_/end": lambda: f3().index_put_((L(0, 1, 5),), torch.tensor([9., 9., 9.])),
    "indexPut_/middle": lambda: f3().index_put_((L(0, 5, 1),), torch.tensor([9., 9., 9.])),
    "indexPut_acc/end": lambda: f3().index_put_((L(0, 1, 5),), torch.tensor([9., 9., 9.]), accumulate=True),
    "indexPut_acc/middle": lambda: f3().index_put_((L(0, 5, 1),), torch.tensor([9., 9., 9.]), accumulate=True),
    "indexPut_/negative": lambda: f3().index_put_((L(0, 1, -4),), torch.tensor([9., 9., 9.])),
    "indexPut_acc/negative": lambda: f3().index_put_((L(0, 1, -4),), torch.tensor([9., 9., 9.]), accumulate=True),
    "indexPut_/valueShape": lambda: f3().index_put_((L(0, 1, 2),), torch.tensor([9., 9.])),
    "indexPut_/valueDtype": lambda: f3().index_put_((L(0, 1),), torch.tensor([9., 9.], dtype=torch.float64)),
    "indexPut_2d/second": lambda: torch.zeros(3, 3).index_put_((L(0, 1, 2), L(0, 1, 3)), torch.tensor(1.)),
    "indexPut_/mask": lambda: f3().index_put_((torch.tensor([True, False]),), torch.tensor(1.)),
    "scatter_/end": lambda: torch.zeros(3, 3).scatter_(1, L(0, 1, 5).view(1, 3), torch.ones(1, 3)),
    "scatter_/middle": lambda: torch.zeros(3, 3).scatter_(1, L(0, 5, 1).view(1, 3), torch.ones(1, 3)),
    "scatter_/negative": lambda: torch.zeros(3, 3).scatter_(1, L(0, 1, -1).view(1, 3), torch.ones(1, 3)),
    "scatter_value/middle": lambda: torch.zeros(3, 3).scatter_(0, L(0, 5, 1).view(1, 3), 7.0),
    "scatter_/indexDtype": lambda: torch.zeros(3, 3).scatter_(1, torch.tensor([[0., 1.]]), torch.ones(1, 2)),
    "scatter_/srcDtype": lambda: torch.zeros(3, 3).scatter_(1, L(0, 1).view(1, 2), torch.ones(1, 2, dtype=torch.float64)),
    "scatter_/indexTooBig": lambda: torch.zeros(3, 3).scatter_(1, torch.zeros(4, 3, dtype=torch.long), torch.ones(4, 3)),
    "scatter_/dim": lambda: torch.zeros(3, 3).scatter_(2, L(0, 1).view(1, 2), torch.ones(1, 2)),
    "scatter_/indexNdim": lambda: torch.zeros(3, 3).scatter_(1, L(0, 1), torch.ones(1, 2)),
    "scatterAdd_/end": lambda: torch.zeros(3, 3).scatter_add_(1, L(0, 1, 5).view(1, 3), torch.ones(1, 3)),
    "scatterAdd_/middle": lambda: torch.zeros(3, 3).scatter_add_(0, L(0, 5, 1).view(1, 3), torch.ones(1, 3)),
    "scatterAdd_/negative": lambda: torch.zeros(3, 3).scatter_add_(0, L(0, -1, 1).view(1, 3), torch.ones(1, 3)),
    "scatterReduce_/middle": lambda: torch.zeros(3, 3).scatter_reduce_(1, L(0, 5, 1).view(1, 3), torch.ones(1, 3), "amax"),
    "scatterReduce_/reduce": lambda: torch.zeros(3, 3).scatter_reduce_(1, L(0, 1).view(1, 2), torch.ones(1, 2), "avg"),
    "indexAdd_/end": lambda: torch.zeros(3, 2).index_add_(0, L(0, 1, 5), torch.ones(3, 2)),
    "indexAdd_/middle": lambda: torch.zeros(3, 2).index_add_(0, L(0, 5, 1), torch.ones(3, 2)),
    "indexAdd_/negative": lambda: torch.zeros(3, 2).index_add_(0, L(0, -1, 1), torch.ones(3, 2)),
    "indexAdd_/sourceShape": lambda: torch.zeros(3, 2).index_add_(0, L(0, 1), torch.ones(3, 2)),
    "indexAdd_/sourceDtype": lambda: torch.zeros(3, 2).index_add_(0, L(0, 1), torch.ones(2, 2, dtype=torch.float64)),
    "indexAdd_/dim": lambda: torch.zeros(3, 2).index_add_(2, L(0, 1), torch.ones(3, 2)),
    "indexCopy_/end": lambda: torch.zeros(3, 2).index_copy_(0, L(0, 1, 5), torch.ones(3, 2)),
    "indexCopy_/middle": lambda: torch.zeros(3, 2).index_copy_(0, L(0, 5, 1), torch.ones(3, 2)),
    "indexCopy_/negative": lambda: torch.zeros(3, 2).index_copy_(0, L(0, -1, 1), torch.ones(3, 2)),
    "indexCopy_/sourceShape": lambda: torch.zeros(3, 2).index_copy_(0, L(0, 1), torch.ones(3, 2)),
    "indexFill_/end": lambda: torch.zeros(3, 2).index_fill_(0, L(0, 1, 5), 7.0),
    "indexFill_/middle": lambda: torch.zeros(3, 2).index_fill_(0, L(0, 5, 1), 7.0),
    "indexFill_/negative": lambda: torch.zeros(3, 2).index_fill_(0, L(0, -4, 1), 7.0),
    "indexFill_/dim": lambda: torch.zeros(3, 2).index_fill_(3, L(0), 7.0),
    "indexFill_/valueTensor": lambda: torch.zeros(3, 2).index_fill_(0, L(0), torch.tensor([1., 2.])),
    "maskedScatter_/tooFewSource": lambda: f3().masked_scatter_(torch.tensor([True, True, True]), torch.tensor([9., 9.])),
    "maskedScatter_/maskDtype": lambda: f3().masked_scatter_(torch.tensor([1., 0., 1.]), torch.tensor([9., 9.])),
    "maskedScatter_/maskShape": lambda: f3().masked_scatter_(torch.tensor([True, True]), torch.tensor([9., 9.])),
    "maskedFill_/maskShape": lambda: f3().masked_fill_(torch.tensor([True, False]), 1.0),
    "maskedFill_/maskDtype": lambda: f3().masked_fill_(torch.tensor([1., 0., 1.]), 1.0),
    "maskedFill_/valueDim": lambda: f3().masked_fill_(torch.tensor([True, False, True]), torch.tensor([1., 2.])),
    "maskedFill_/broadcastsSelf": lambda: f3().masked_fill_(torch.tensor([[True, False, True], [True, True, True]]), 1.0),
    "add_/shape": lambda: torch.zeros(2, 3).add_(torch.ones(4)),
    "add_/broadcastsSelf": lambda: torch.zeros(3).add_(torch.ones(2, 3)),
    "add_/longFloat": lambda: torch.zeros(3, dtype=torch.long).add_(torch.ones(3)),
    "mul_/longFloat": lambda: torch.zeros(3, dtype=torch.long).mul_(torch.ones(3)),
    "sub_/boolTensor": lambda: torch.zeros(3, dtype=torch.bool).sub_(torch.ones(3, dtype=torch.bool)),
    "add_/boolFloat": lambda: torch.zeros(3, dtype=torch.bool).add_(torch.ones(3)),
    "div_/longLong": lambda: torch.ones(3, dtype=torch.long).div_(torch.ones(3, dtype=torch.long)),
    "clamp_/longFloat": lambda: torch.ones(3, dtype=torch.long).clamp_(0.5, 1.5),
    "copy_/shape": lambda: torch.zeros(3).copy_(torch.ones(4)),
    "copy_/broadcastsSelf": lambda: torch.zeros(3).copy_(torch.ones(2, 3)),
    "leaf/add_": lambda: torch.ones(3, requires_grad=True).add_(1.0),
    "leaf/copy_": lambda: torch.ones(3, requires_grad=True).copy_(torch.zeros(3)),
    "leaf/indexPut_": lambda: torch.ones(3, requires_grad=True).index_put_((L(0),), torch.tensor(1.)),
    "leaf/scatter_": lambda: torch.ones(3, requires_grad=True).scatter_(0, L(0), torch.ones(1)),
    "leaf/maskedFill_": lambda: torch.ones(3, requires_grad=True).masked_fill_(torch.tensor([True, False, True]), 0.),
    "leaf/zero_": lambda: torch.ones(3, requires_grad=True).zero_(),
    "leaf/clamp_": lambda: torch.ones(3, requires_grad=True).clamp_(0, 0.5),
    "leafView/mul_": lambda: torch.ones(3, requires_grad=True)[0:2].mul_(2.0),
    "leafView/fill_": lambda: torch.ones(2, 3, requires_grad=True).select(0, 1).fill_(2.0),
    "leafView/indexAdd_": lambda: torch.ones(3, 2, requires_grad=True).t().index_add_(0, L(0), torch.ones(1, 3)),
    "expanded/add_": lambda: torch.ones(3, 1).expand(3, 3).add_(1.0),
    "expanded/copy_": lambda: torch.ones(3, 1).expand(3, 3).copy_(torch.zeros(3, 3)),
    "expanded/indexPut_": lambda: torch.ones(3, 1).expand(3, 3).index_put_((L(0),), torch.tensor(1.)),
    "expanded/maskedFill_": lambda: torch.ones(3, 1).expand(3, 3).masked_fill_(torch.ones(3, 3, dtype=torch.bool), 0.),
    # out of place
    "gather/end": lambda: torch.zeros(2, 3).gather(1, L(0, 1, 5).view(1, 3)),
    "gather/negative": lambda: torch.zeros(2, 3).gather(1, L(0, -1).view(1, 2)),
    "gather/dim": lambda: torch.zeros(2, 3).gather(2, L(0).view(1, 1)),
    "gather/ndim": lambda: torch.zeros(2, 3).gather(1, L(0)),
    "indexSelect/end": lambda: torch.zeros(3, 2).index_select(0, L(0, 3)),
    "indexSelect/negative": lambda: torch.zeros(3, 2).index_select(0, L(-1)),
    "indexSelect/matrix": lambda: torch.zeros(3, 2).index_select(0, L(0, 1).view(1, 2)),
    "indexSelect/dim": lambda: torch.zeros(3, 2).index_select(2, L(0)),
    "take/end": lambda: torch.zeros(3, 4).take(L(0, 12)),
    "take/negative": lambda: torch.zeros(3, 4).take(L(-13)),
    "takeAlongDim/end": lambda: torch.zeros(3, 4).take_along_dim(L(0, 4).view(1, 2), 1),
    "embedding/end": lambda: F.embedding(L(0, 5), torch.zeros(5, 2)),
    "embedding/negative": lambda: F.embedding(L(0, -1), torch.zeros(5, 2)),
    "embedding/floatIndex": lambda: F.embedding(torch.tensor([0., 1.]), torch.zeros(5, 2)),
    "nllLoss/target": lambda: F.nll_loss(torch.zeros(2, 3), L(0, 3)),
    "nllLoss/negativeTarget": lambda: F.nll_loss(torch.zeros(2, 3), L(0, -2)),
    "crossEntropy/target": lambda: F.cross_entropy(torch.zeros(2, 3), L(1, 7)),
    "crossEntropy/batch": lambda: F.cross_entropy(torch.zeros(3, 3), L(1, 2)),
    "sum/dim": lambda: torch.zeros(2, 3).sum(2),
    "softmax/dim": lambda: torch.zeros(2, 3).softmax(-3),
    "transpose/dim": lambda: torch.zeros(2, 3).transpose(0, 5),
    "squeeze/dim": lambda: torch.zeros(2, 3).squeeze(2),
    "unsqueeze/dim": lambda: torch.zeros(2, 3).unsqueeze(4),
    "cat/dim": lambda: torch.cat([torch.zeros(2, 3), torch.zeros(2, 3)], 2),
    "stack/dim": lambda: torch.stack([torch.zeros(2, 3), torch.zeros(2, 3)], 4),
    "flip/dim": lambda: torch.zeros(2, 3).flip(2),
    "roll/dim": lambda: torch.zeros(2, 3).roll(1, 2),
    "cumsum/dim": lambda: torch.zeros(2, 3).cumsum(2),
    "sort/dim": lambda: torch.zeros(2, 3).sort(2),
    "topk/k": lambda: torch.zeros(2, 3).topk(4),
    "kthvalue/k": lambda: torch.zeros(2, 3).kthvalue(4),
    "narrow/dim": lambda: torch.zeros(2, 3).narrow(2, 0, 1),
    "select/dim": lambda: torch.zeros(2, 3).select(2, 0),
    "movedim/dim": lambda: torch.zeros(2, 3).movedim(0, 2),
    "argmax/dim": lambda: torch.zeros(2, 3).argmax(2),
    "logSoftmax/dim": lambda: torch.zeros(2, 3).log_softmax(2),
    "chunk/dim": lambda: torch.zeros(2, 3).chunk(2, 2),
    "split/dim": lambda: torch.zeros(2, 3).split(1, 2),
    "permute/count": lambda: torch.zeros(2, 3).permute(0),
    "permute/repeated": lambda: torch.zeros(2, 3).permute(0, 0),
    "diagonal/sameDims": lambda: torch.zeros(2, 3).diagonal(0, 1, 1),
    "unflatten/sizes": lambda: torch.zeros(2, 6).unflatten(1, (4, 2)),
    "view/shape": lambda: torch.zeros(2, 3).view(4, 2),
    "reshape/shape": lambda: torch.zeros(2, 3).reshape(5, -1),
    "cat/shapes": lambda: torch.cat([torch.zeros(2, 3), torch.zeros(2, 4)], 0),
    "cat/empty": lambda: torch.cat([], 0),
    "stack/shapes": lambda: torch.stack([torch.zeros(2, 3), torch.zeros(3, 2)], 0),
    "matmul/shapes": lambda: torch.zeros(2, 3).matmul(torch.zeros(2, 3)),
    "zeros/negative": lambda: torch.zeros(2, -1),
    "full/negative": lambda: torch.full((-2,), 1.0),
    "randn/negative": lambda: torch.randn(-3),
    "eye/negative": lambda: torch.eye(-1),
    "arange/zeroStep": lambda: torch.arange(0, 5, 0),
    "arange/wrongSign": lambda: torch.arange(0, 5, -1),
    "linspace/negative": lambda: torch.linspace(0, 1, -1),
    "randperm/negative": lambda: torch.randperm(-1),
    "randint/range": lambda: torch.randint(5, 5, (3,)),
    "expand/negative": lambda: torch.zeros(3).expand(-2, 3),
    "view/negative": lambda: torch.zeros(6).view(-2, 3),
    "repeat/negative": lambda: torch.zeros(3).repeat(-1),
    "repeat/fewer": lambda: torch.zeros(2, 3).repeat(2),
    "empty/huge": lambda: torch.empty(1 << 21, 1 << 21, 1 << 21),
    "multinomial/tooMany": lambda: torch.ones(3).multinomial(4, False),
    "multinomial/negative": lambda: torch.tensor([1., -1.]).multinomial(1, False),
    "bincount/negative": lambda: L(0, -1).bincount(),
    "bincount/minlength": lambda: L(0, 1).bincount(minlength=-1),
    # modules
    "Linear/in": lambda: nn.Linear(3, 4)(torch.zeros(2, 5)),
    "Conv2d/channels": lambda: nn.Conv2d(3, 4, 3)(torch.zeros(1, 2, 5, 5)),
    "Conv2d/rank": lambda: nn.Conv2d(3, 4, 3)(torch.zeros(1, 1, 3, 5, 5)),
    "Conv2d/small": lambda: nn.Conv2d(3, 4, 3)(torch.zeros(1, 3, 2, 2)),
    "ConvTranspose2d/outputSizeRange": lambda: nn.ConvTranspose2d(2, 3, 3, stride=(1, 2, 3))(torch.zeros(1, 2, 4, 4), [9, 9]),
    # PyTorch: IndexError tuple index out of range with output_size; Ember gives the convolution's message, printed here
    "ConvTranspose2d/strideEmpty": lambda: nn.ConvTranspose2d(2, 3, 3, stride=())(torch.zeros(1, 2, 4, 4)),
    "ConvTranspose2d/outputSizeLength": lambda: nn.ConvTranspose2d(2, 3, 3)(torch.zeros(2, 4, 4), [1, 2, 6, 6]),
    # the same: PyTorch's IndexError with output_size, the convolution's message without it
    "ConvTranspose3d/padding2": lambda: nn.ConvTranspose3d(2, 3, 3, padding=(1, 2))(torch.zeros(1, 2, 4, 4, 4)),
    "ConvTranspose1d/rank": lambda: nn.ConvTranspose1d(2, 3, 3, stride=2)(torch.zeros(4), [10]),
    "BatchNorm2d/channels": lambda: nn.BatchNorm2d(3)(torch.randn(2, 4, 3, 3)),
    "BatchNorm2d/rank": lambda: nn.BatchNorm2d(3)(torch.randn(2, 3, 3)),
    "BatchNorm1d/channels": lambda: nn.BatchNorm1d(3)(torch.randn(4, 5)),
    "LayerNorm/shape": lambda: nn.LayerNorm(4)(torch.zeros(2, 5)),
    "GroupNorm/channels": lambda: nn.GroupNorm(2, 4)(torch.zeros(2, 3, 4)),
    "Embedding/index": lambda: nn.Embedding(5, 3)(L(0, 5, 1)),
    "EmbeddingMaxNorm/index": lambda: nn.Embedding(5, 3, max_norm=0.1)(L(0, 5, 1)),
    "LSTM/inputSize": lambda: nn.LSTM(4, 5)(torch.zeros(3, 2, 6)),
    "LSTM/h0": lambda: nn.LSTM(4, 5)(torch.zeros(3, 2, 4), (torch.zeros(1, 3, 5), torch.zeros(1, 2, 5))),
    "GRU/inputSize": lambda: nn.GRU(4, 5)(torch.zeros(3, 2, 6)),
    "GRU/h0": lambda: nn.GRU(4, 5)(torch.zeros(3, 2, 4), torch.zeros(2, 2, 5)),
    "MHA/embed": lambda: nn.MultiheadAttention(8, 2)(torch.zeros(3, 1, 6), torch.zeros(3, 1, 6), torch.zeros(3, 1, 6)),
    "MHA/divisible": lambda: nn.MultiheadAttention(6, 4),
    "Dropout/p": lambda: nn.Dropout(1.5),
    # optimizers
    "SGD/lr": lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=-1.0),
    "SGD/momentum": lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=-1.0),
    "SGD/weightDecay": lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, weight_decay=-1.0),
    "SGD/nesterov": lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, nesterov=True),
    "SGD/empty": lambda: torch.optim.SGD([], lr=0.1),
    "SGD/nonLeaf": lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True) * 2], lr=0.1),
    "Adam/beta1": lambda: torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.1, betas=(1.0, 0.9)),
    "Adam/beta2": lambda: torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.1, betas=(0.9, -0.1)),
    "Adam/eps": lambda: torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.1, eps=-1.0),
    "AdamW/weightDecay": lambda: torch.optim.AdamW([torch.zeros(2, requires_grad=True)], lr=0.1, weight_decay=-1.0),
    "RMSprop/alpha": lambda: torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], lr=0.1, alpha=-1.0),
    "RMSprop/momentum": lambda: torch.optim.RMSprop([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=-1.0),
    "Adagrad/lrDecay": lambda: torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], lr=0.1, lr_decay=-1.0),
    "Adagrad/initAcc": lambda: torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], lr=0.1, initial_accumulator_value=-1.0),
    "Adamax/beta1": lambda: torch.optim.Adamax([torch.zeros(2, requires_grad=True)], lr=0.1, betas=(-0.5, 0.9)),
    "NAdam/momentumDecay": lambda: torch.optim.NAdam([torch.zeros(2, requires_grad=True)], lr=0.1, momentum_decay=-1.0),
    "RAdam/eps": lambda: torch.optim.RAdam([torch.zeros(2, requires_grad=True)], lr=0.1, eps=-1.0),
    "setGrad/shape": lambda: setattr(torch.zeros(2, requires_grad=True), "grad", torch.zeros(3)),
    "setGrad/dtype": lambda: setattr(torch.zeros(2, requires_grad=True), "grad", torch.zeros(2, dtype=torch.float64)),
    # backward
    "backward/nonScalar": lambda: (torch.ones(3, requires_grad=True) * 2).backward(),
    "backward/gradShape": lambda: (torch.ones(2, 3, requires_grad=True) * 2).backward(torch.ones(2)),
    "backward/noGrad": lambda: torch.ones(3).sum().backward(),
    "backward/gradDtype": lambda: (torch.ones(3, requires_grad=True) * 2).backward(torch.ones(3, dtype=torch.float64)),
}


def twice():
    a = torch.ones(3, requires_grad=True)
    y = (a * a).sum()
    y.backward()
    y.backward()


C["backward/twice"] = twice


def add_group():
    p = torch.zeros(2, requires_grad=True)
    o = torch.optim.SGD([p], lr=0.1)
    o.add_param_group({"params": [p]})


C["addParamGroup/duplicate"] = add_group


def lsd(strict, mutate, model=None):
    m = model or nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 4), nn.Linear(4, 2))
    s = {k: v.clone() for k, v in m.state_dict().items()}
    mutate(s)
    return m.load_state_dict(s, strict=strict)


C["loadStateDict/missing"] = lambda: lsd(True, lambda s: s.pop("1.bias"))
C["loadStateDict/unexpected"] = lambda: lsd(True, lambda s: s.update({"1.extra": torch.zeros(1)}))
C["loadStateDict/shapeMiddle"] = lambda: lsd(True, lambda s: s.update({"1.weight": torch.zeros(4, 5)}))
C["loadStateDict/shapeMiddleNonStrict"] = lambda: lsd(False, lambda s: s.update({"1.weight": torch.zeros(4, 5)}))
C["loadStateDict/bnBuffer"] = lambda: lsd(True, lambda s: s.update({"running_var": torch.ones(4)}), nn.BatchNorm2d(3))


# second batch (integer arithmetic, random in-place ops, sizes, overlaps, functional layers)
def s_(n): return torch.arange(1.,n+1)
def ov_copy(): x=s_(5); x[1:].copy_(x[:-1])
def ov_add(): x=s_(5); x[1:].add_(x[:-1])
def ov_idx(): x=s_(5); x.index_put_((L(0,1),), x[1:3])
def ov_mf(): x=s_(5); x[1:].mul_(x[:-1])
C.update({

"add_/intAlpha": lambda: torch.zeros(3,dtype=torch.long).add_(torch.ones(3,dtype=torch.long), alpha=1.5),
"bernoulli_/p": lambda: torch.zeros(3).bernoulli_(1.5),
"uniform_/range": lambda: torch.zeros(3).uniform_(2,1),
"normal_/std": lambda: torch.zeros(3).normal_(0,-1),
"exponential_/lambda": lambda: torch.zeros(3).exponential_(-1),
"floorDivide/zero": lambda: L(1,2).floor_divide(L(1,0)),
"remainder/zero": lambda: L(1,2).remainder(L(1,0)),
"fmod/zero": lambda: L(1,2).fmod(L(1,0)),
"div_floor/zero": lambda: L(1,2).div(L(1,0), rounding_mode='floor'),
"pow/negInt": lambda: L(2,3).pow(-1),
"expand/huge": lambda: torch.ones(1).expand(1<<21,1<<21,1<<21),
"view/wrap": lambda: torch.ones(4).view(4, 1073741825),
"unflatten/wrap": lambda: torch.zeros(0).unflatten(0,(65536,65536)),
"batchNorm/runningVar": lambda: F.batch_norm(torch.randn(2,3), torch.zeros(3), torch.ones(4), training=True),
"repeat/huge": lambda: torch.ones(1).repeat(1<<21,1<<21,1<<21),
"eye/huge": lambda: torch.eye(1<<31),
"arange/huge": lambda: torch.arange(0, 1e19),
"randperm/huge": lambda: torch.randperm(1<<62),
"embeddingRenorm/middle": lambda: torch.embedding_renorm_(torch.ones(5,3), L(0,5,1), 0.1, 2.0),
"maskedFill/expanded": lambda: torch.zeros(3).masked_fill_(torch.ones(2,3,dtype=torch.bool),1.),
"index_put/expandedSelf": lambda: torch.zeros(3,1).expand(3,3).index_put_((L(0,1),), torch.tensor(1.), accumulate=True),
"scatter_/expanded": lambda: torch.zeros(3,1).expand(3,3).scatter_(1, L(0,1,2).view(1,3), torch.ones(1,3)),
"copy_/selfOverlap": lambda: torch.zeros(3,1).expand(3,3).copy_(torch.ones(3,3)),
"clamp_/expanded": lambda: torch.zeros(3,1).expand(3,3).clamp_(0,1),
"pad/neg": lambda: F.pad(torch.zeros(2,3),(-2,-2)),
"nll/weightShape": lambda: F.nll_loss(torch.zeros(2,3), L(0,1), weight=torch.ones(4)),
"ce/reduction": lambda: F.cross_entropy(torch.zeros(2,3), L(0,1), reduction="avg"),
"mse/shape": lambda: F.mse_loss(torch.zeros(2,3), torch.zeros(3,2)),
"sdpa/shape": lambda: F.scaled_dot_product_attention(torch.zeros(1,2,4), torch.zeros(1,3,5), torch.zeros(1,3,5)) if hasattr(F,'scaled_dot_product_attention') else None,
"where/shape": lambda: torch.where(torch.tensor([True,False]), torch.zeros(3), torch.zeros(3)),
"bmm/batch": lambda: torch.zeros(2,2,3).bmm(torch.zeros(3,3,2)),
"chunk/zero": lambda: torch.zeros(4).chunk(0),
"split/zero": lambda: torch.zeros(4).split(0),



"overlap/copy_": ov_copy, "overlap/add_": ov_add, "overlap/mul_": ov_mf, "overlap/indexPut_": ov_idx,
"conv2d/stride0": lambda: F.conv2d(torch.zeros(1,1,4,4), torch.zeros(1,1,3,3), stride=0),
"conv2d/negPad": lambda: F.conv2d(torch.zeros(1,1,4,4), torch.zeros(1,1,3,3), padding=-1),
"conv2d/groups": lambda: F.conv2d(torch.zeros(1,2,4,4), torch.zeros(3,1,3,3), groups=2),
"maxPool/k0": lambda: F.max_pool2d(torch.zeros(1,1,4,4), 0),
"maxPool/pad": lambda: F.max_pool2d(torch.zeros(1,1,4,4), 2, padding=2),
"pixelShuffle": lambda: F.pixel_shuffle(torch.zeros(1,3,2,2), 2),
"repeatInterleave/neg": lambda: s_(3).repeat_interleave(L(1,-1,1)),
"histc/bins": lambda: s_(3).histc(0),
"histc/minmax": lambda: s_(3).histc(3, 2, 1),
"multinomial/zero": lambda: torch.zeros_(3).multinomial(1),
"cross/size": lambda: torch.zeros(2).cross(torch.zeros(2)),
"einsum/bad": lambda: torch.einsum("i1,i->", torch.zeros(2), torch.zeros(2)),
"embedding/pad": lambda: torch.nn.Embedding(5,3,padding_idx=7),
"indexAdd_/int32": lambda: torch.zeros(3,2).index_add_(0, torch.tensor([0,5,1],dtype=torch.int32), torch.ones(3,2)),
"indexPut/int32": lambda: torch.zeros_(3).index_put_((torch.tensor([0,5,1],dtype=torch.int32),), torch.ones_(3)),
"indexCopy/int32": lambda: torch.zeros(3,2).index_copy_(0, torch.tensor([0,5,1],dtype=torch.int32), torch.ones(3,2)),
"indexSelect/int32": lambda: torch.zeros(3,2).index_select(0, torch.tensor([0,5,1],dtype=torch.int32)),
"interp/size0": lambda: F.interpolate(torch.zeros(1,1,4,4), size=(0,2)),
# ---- torch.nn.utils.prune (session 21, helper 2) ----
"prune/amountTooLarge": lambda: torch.nn.utils.prune.l1_unstructured(nn.Linear(3, 2), "weight", 7),
"prune/secondTooLarge": lambda: torch.nn.utils.prune.l1_unstructured(
    torch.nn.utils.prune.l1_unstructured(nn.Linear(3, 2), "weight", 4), "weight", 3),
"prune/structured1d": lambda: torch.nn.utils.prune.ln_structured(nn.Linear(3, 2), "bias", 1, 2, 0),
})

for name, fn in C.items():
    try:
        r = fn()
        print(f"{name}\tOK\t{'' if r is None else type(r).__name__}")
    except Exception as e:
        print(f"{name}\t{type(e).__name__}\t{str(e)!r}")
