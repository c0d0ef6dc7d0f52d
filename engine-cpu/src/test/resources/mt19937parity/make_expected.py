# Expected values for RandomMt19937ParityTest.java: what PyTorch's CPU generator (MT19937, torch.manual_seed(s)) gives
# everywhere a seed reaches -- modules' initial weights, nn.init functions, the ops that draw, and torch.utils.data's
# samplers -- which Ember's Generator.Algorithm.MT19937 reproduces.
#   run: cd engine-cpu/src/test/resources/mt19937parity && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU, Debian's build: capability AVX2, no MKL; reproducible: every case seeds first.)
# Where 1.13 differs from 2.x the case follows 2.x and says how:
#   - nn.init.*(..., generator=g) is 2.x API (2.1+); 1.13 has no generator argument, so those cases call the tensor
#     method the 2.x functions call (uniform_/normal_ with generator=g) on the same bounds.
#   - trunc_normal_ in 1.13 and 2.x: uniform_(2l-1, 2u-1), erfinv_, mul_(std*sqrt(2)), add_(mean), clamp_(a, b) in place.
#   - the serial normal (normal_distribution<double>: fewer than 16 values, strided tensors, log_normal_, the samplers of
#     gamma and friends) takes log1p(-u2) in 2.x, log(1 - u2) in 1.13; they differ in the last bit for about 3% of the
#     draws. Most cases here draw none of those; the ones that do (init_*_selu) are computed by serial_normal_2x.
#   - 2.x's exponential_ on CPU is -1 / lambda * log1p(-u), 1.13's -1 / lambda * log(1 - u): the same number (1 - u is
#     exact for a 53-bit u) but where the two libm functions round differently; Ember follows 2.x, and the
#     exponential-based cases here (multinomial without replacement, gumbel_softmax, Exponential.rsample) draw no u where
#     they differ.
# Float32 normal fills of 16 or more values are compared with a few ulps of tolerance in the test (AVX2's avx_mathfun);
# so are the cases computed through a QR factorization (orthogonal_), which LAPACK and Ember round differently.
#
# Format: "=== name", then "dtype shape", then one value a line (floats as float.hex, integers as integers).
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.ao.nn.qat  # noqa: F401
from torch.utils.data import (DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              random_split)


def emit(name, t):
    t = torch.as_tensor(t).detach()
    print("=== " + name)
    print(str(t.dtype).replace("torch.", "") + " " + ",".join(str(s) for s in t.shape))
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        for v in flat.double().tolist():
            print(float(v).hex())
    else:
        for v in flat.long().tolist():
            print(v)


def seeded(seed, name, fn):
    torch.manual_seed(seed)
    emit(name, fn())


def module_case(name, seed, make, after=None):
    """The state_dict right after construction (and `after`, a forward that draws nothing), then one more draw: the
    generator's position after the module, so a module that draws too many or too few numbers is caught too."""
    torch.manual_seed(seed)
    m = make()
    if after is not None:
        after(m)
    for k, v in m.state_dict().items():
        if v.dtype.is_floating_point and k.split(".")[-1] not in ("scale", "zero_point", "min_val", "max_val",
                                                                  "observer_enabled", "fake_quant_enabled", "eps",
                                                                  "running_mean", "running_var", "num_batches_tracked"):
            emit(name + ":" + k, v)
    emit(name + ":next", torch.rand(2, dtype=torch.float64))


# ------------------------------------------------------------------ 1. modules
module_case("conv1d", 100, lambda: nn.Conv1d(2, 4, 3))
module_case("conv1d_groups", 101, lambda: nn.Conv1d(4, 6, 3, groups=2, bias=False))
module_case("conv3d", 102, lambda: nn.Conv3d(2, 3, 2))
module_case("convt1d", 103, lambda: nn.ConvTranspose1d(2, 3, 3))
module_case("convt2d", 104, lambda: nn.ConvTranspose2d(2, 3, 3))
module_case("convt2d_groups", 105, lambda: nn.ConvTranspose2d(4, 6, 3, groups=2))
module_case("convt3d", 106, lambda: nn.ConvTranspose3d(2, 3, 2))
module_case("bilinear", 107, lambda: nn.Bilinear(3, 4, 2))
module_case("bilinear_nobias", 108, lambda: nn.Bilinear(3, 4, 2, bias=False))
module_case("lstm", 109, lambda: nn.LSTM(3, 4))
module_case("lstm_2l_bidir", 110, lambda: nn.LSTM(3, 4, 2, bidirectional=True))
module_case("lstm_proj", 111, lambda: nn.LSTM(3, 5, proj_size=2))
module_case("lstm_proj_bidir_2l", 112, lambda: nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2))
module_case("lstm_nobias", 113, lambda: nn.LSTM(3, 4, bias=False))
module_case("gru", 114, lambda: nn.GRU(3, 4))
module_case("gru_2l_bidir", 115, lambda: nn.GRU(3, 4, 2, bidirectional=True))
module_case("rnn", 116, lambda: nn.RNN(3, 4))
module_case("rnn_relu_2l_bidir", 117, lambda: nn.RNN(3, 4, 2, nonlinearity="relu", bidirectional=True))
module_case("lstmcell", 118, lambda: nn.LSTMCell(3, 4))
module_case("grucell", 119, lambda: nn.GRUCell(3, 4))
module_case("rnncell", 120, lambda: nn.RNNCell(3, 4))
module_case("rnncell_nobias", 121, lambda: nn.RNNCell(3, 4, bias=False))
module_case("mha", 122, lambda: nn.MultiheadAttention(4, 2))
module_case("mha_kdim", 123, lambda: nn.MultiheadAttention(4, 2, kdim=3, vdim=5))
module_case("mha_bias_kv", 124, lambda: nn.MultiheadAttention(4, 2, add_bias_kv=True))
module_case("mha_nobias", 125, lambda: nn.MultiheadAttention(4, 2, bias=False))
module_case("tel", 126, lambda: nn.TransformerEncoderLayer(4, 2, 8))
module_case("tdl", 127, lambda: nn.TransformerDecoderLayer(4, 2, 8))
module_case("encoder", 128, lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2))
module_case("transformer", 129, lambda: nn.Transformer(4, 2, 1, 1, 8))
module_case("prelu", 130, lambda: nn.PReLU(3))
module_case("embedding_bag", 131, lambda: nn.EmbeddingBag(6, 3))
module_case("embedding_pad", 132, lambda: nn.Embedding(6, 3, padding_idx=1))
module_case("lazy_linear", 133, lambda: nn.LazyLinear(3), lambda m: m(torch.ones(2, 4)))
module_case("lazy_conv2d", 134, lambda: nn.LazyConv2d(3, 2), lambda m: m(torch.ones(1, 2, 4, 4)))
module_case("lazy_convt1d", 135, lambda: nn.LazyConvTranspose1d(3, 2), lambda m: m(torch.ones(1, 2, 4)))
module_case("linear_nobias", 136, lambda: nn.Linear(5, 3, bias=False))
_qat = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
module_case("qat_linear", 137, lambda: torch.ao.nn.qat.Linear(4, 3, qconfig=_qat))
module_case("qat_conv2d", 138, lambda: torch.ao.nn.qat.Conv2d(2, 3, 2, qconfig=_qat))
module_case("adaptive_log_softmax", 140, lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 8]))
module_case("lstm_batch_first_hidden8", 141, lambda: nn.LSTM(5, 8, batch_first=True))

# ------------------------------------------------------------------ 2. nn.init
E = lambda *s: torch.empty(*s)
D = lambda *s: torch.empty(*s, dtype=torch.float64)
seeded(200, "init_uniform", lambda: init.uniform_(E(5, 7), -0.5, 0.7))
seeded(201, "init_uniform_default", lambda: init.uniform_(D(5)))
seeded(202, "init_normal_f64", lambda: init.normal_(D(5, 7), 0.3, 2.0))
seeded(203, "init_normal_f32_small", lambda: init.normal_(E(3, 4), 0.3, 2.0))
seeded(204, "init_normal_f32", lambda: init.normal_(E(5, 7), 0.3, 2.0))
seeded(205, "init_trunc_normal", lambda: init.trunc_normal_(E(6, 5)))
seeded(206, "init_trunc_normal_std", lambda: init.trunc_normal_(E(6, 5), std=0.02))
seeded(207, "init_trunc_normal_f64", lambda: init.trunc_normal_(D(6, 5), 1.0, 2.0, -1.0, 3.0))
seeded(208, "init_xavier_uniform", lambda: init.xavier_uniform_(E(4, 6)))
seeded(209, "init_xavier_uniform_gain", lambda: init.xavier_uniform_(E(3, 2, 3), gain=2.0))
seeded(210, "init_xavier_normal_f64", lambda: init.xavier_normal_(D(4, 6)))
seeded(211, "init_xavier_normal_small", lambda: init.xavier_normal_(E(3, 3)))
seeded(212, "init_kaiming_uniform", lambda: init.kaiming_uniform_(E(4, 6)))
seeded(213, "init_kaiming_uniform_fanout_relu", lambda: init.kaiming_uniform_(E(4, 3, 2), mode="fan_out", nonlinearity="relu"))
seeded(214, "init_kaiming_uniform_a", lambda: init.kaiming_uniform_(E(5, 3), a=0.1))
seeded(215, "init_kaiming_normal_f64", lambda: init.kaiming_normal_(D(4, 6), mode="fan_out", nonlinearity="relu"))
seeded(216, "init_kaiming_normal_small", lambda: init.kaiming_normal_(E(2, 5)))
seeded(217, "init_orthogonal_wide", lambda: init.orthogonal_(D(3, 5)))
seeded(218, "init_orthogonal_tall", lambda: init.orthogonal_(D(5, 3), gain=2.0))
seeded(219, "init_orthogonal_f32", lambda: init.orthogonal_(E(4, 2, 2)))
seeded(220, "init_sparse", lambda: init.sparse_(D(6, 5), 0.3))
seeded(221, "init_sparse_std", lambda: init.sparse_(D(4, 3), 0.5, std=1.5))
seeded(222, "init_eye_then_rand", lambda: (init.eye_(E(2, 3)), torch.rand(3))[1])
seeded(223, "init_dirac_then_rand", lambda: (init.dirac_(E(2, 2, 3)), torch.rand(3))[1])


def with_gen(fn):
    g = torch.Generator().manual_seed(77)
    torch.manual_seed(5)  # the default generator is not touched
    return torch.cat([fn(g).reshape(-1), torch.rand(2)])


# 2.x's init functions pass generator= to the tensor method; 1.13 has no such argument, so these call it directly
emit("init_uniform_gen", with_gen(lambda g: E(3, 4).uniform_(-0.5, 0.7, generator=g)))
emit("init_normal_gen", with_gen(lambda g: D(3, 4).normal_(0.3, 2.0, generator=g)))
b = math.sqrt(3.0) * 1.0 * math.sqrt(2.0 / (4 + 6))
emit("init_xavier_uniform_gen", with_gen(lambda g: E(4, 6).uniform_(-b, b, generator=g)))
b2 = math.sqrt(3.0) * (math.sqrt(2.0 / (1 + 0.0 ** 2)) / math.sqrt(6))
emit("init_kaiming_uniform_gen", with_gen(lambda g: E(4, 6).uniform_(-b2, b2, generator=g)))

# ------------------------------------------------------------------ 3. ops that draw
seeded(300, "rand_like", lambda: torch.rand_like(torch.ones(3, 4)))
seeded(301, "randn_like_f64", lambda: torch.randn_like(torch.ones(2, 3, dtype=torch.float64)))
seeded(302, "randint_like", lambda: torch.randint_like(torch.zeros(5), 3, 10))
seeded(303, "normal_tensor_tensor", lambda: torch.normal(torch.arange(6, dtype=torch.float64), torch.linspace(0.5, 2, 6, dtype=torch.float64)))
seeded(304, "normal_tensor_float", lambda: torch.normal(torch.arange(5, dtype=torch.float64), 2.0))
seeded(305, "normal_float_tensor", lambda: torch.normal(1.0, torch.linspace(0.5, 2, 5, dtype=torch.float64)))
seeded(306, "normal_tensor_tensor_f32_16", lambda: torch.normal(torch.arange(20.), torch.ones(20)))
P = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]])
seeded(307, "multinomial_replacement", lambda: torch.multinomial(P, 6, replacement=True))
seeded(308, "multinomial_no_replacement", lambda: torch.multinomial(P, 3))
seeded(309, "multinomial_1d_one", lambda: torch.multinomial(torch.tensor([1.0, 2.0, 3.0, 4.0]), 1))
seeded(310, "multinomial_f64_replacement", lambda: torch.multinomial(torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), 10, True))
seeded(311, "geometric_f64", lambda: D(10).geometric_(0.3))
seeded(312, "geometric_f32", lambda: E(10).geometric_(0.3))
seeded(313, "cauchy_f64", lambda: D(10).cauchy_(1.0, 2.0))
seeded(314, "cauchy_f32", lambda: E(10).cauchy_())
seeded(315, "log_normal_f64", lambda: D(20).log_normal_(1.0, 0.5))
seeded(316, "log_normal_f32", lambda: E(7).log_normal_())
seeded(317, "random_int64", lambda: torch.empty(5, dtype=torch.int64).random_())
seeded(318, "random_int32", lambda: torch.empty(5, dtype=torch.int32).random_())
seeded(319, "random_f32", lambda: E(5).random_())
seeded(320, "random_f64", lambda: D(5).random_())
seeded(321, "random_uint8", lambda: torch.empty(5, dtype=torch.uint8).random_())
seeded(322, "random_bool", lambda: torch.empty(8, dtype=torch.bool).random_())
X = torch.tensor([[-1.0, 2.0, -3.0, 0.5], [0.0, -0.25, 4.0, -2.0]])
seeded(323, "rrelu_train", lambda: F.rrelu(X, training=True))
seeded(324, "rrelu_train_f64", lambda: F.rrelu(X.double(), 0.1, 0.4, training=True))
seeded(325, "alpha_dropout", lambda: F.alpha_dropout(torch.arange(12.).reshape(3, 4), 0.4, training=True))
seeded(326, "feature_alpha_dropout", lambda: F.feature_alpha_dropout(torch.arange(24.).reshape(2, 3, 4), 0.5, training=True))
seeded(327, "dropout1d", lambda: F.dropout1d(torch.ones(2, 3, 4), 0.5, training=True))
seeded(328, "dropout2d", lambda: F.dropout2d(torch.ones(2, 3, 2, 2), 0.5, training=True))
seeded(329, "dropout3d", lambda: F.dropout3d(torch.ones(2, 3, 2, 1, 2), 0.5, training=True))
seeded(330, "dropout_module_f64", lambda: nn.Dropout(0.3)(torch.ones(4, 5, dtype=torch.float64)))
seeded(331, "gumbel_softmax", lambda: F.gumbel_softmax(torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), tau=0.5))
seeded(332, "gumbel_softmax_hard", lambda: F.gumbel_softmax(torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), hard=True))
seeded(333, "rrelu_module_train", lambda: nn.RReLU()(X))
seeded(334, "alpha_dropout_module", lambda: nn.AlphaDropout(0.2)(torch.ones(2, 5)))
D_ = torch.distributions
seeded(340, "dist_normal_sample", lambda: D_.Normal(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)).sample((3,)))
seeded(341, "dist_normal_rsample", lambda: D_.Normal(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)).rsample((3,)))
seeded(342, "dist_uniform_rsample", lambda: D_.Uniform(torch.tensor([0.0, -1.0]), torch.tensor([1.0, 3.0])).rsample((3,)))
seeded(343, "dist_bernoulli_sample", lambda: D_.Bernoulli(torch.tensor([0.2, 0.7, 0.5])).sample((4,)))
seeded(344, "dist_categorical_sample", lambda: D_.Categorical(torch.tensor([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])).sample((5,)))
seeded(345, "dist_exponential_rsample", lambda: D_.Exponential(torch.tensor([0.5, 2.0])).rsample((3,)))
seeded(346, "dist_normal_scalar_rsample", lambda: D_.Normal(0.5, 2.0).rsample((4,)))

# ------------------------------------------------------------------ 4. data
seeded(400, "random_split", lambda: torch.tensor(sum((list(s.indices) for s in random_split(range(10), [4, 6])), [])))


def split_gen():
    g = torch.Generator().manual_seed(42)
    a, b = random_split(range(10), [3, 7], generator=g)
    return torch.tensor(list(a.indices) + list(b.indices))


seeded(401, "random_split_gen", split_gen)
seeded(402, "random_split_fractions", lambda: torch.tensor(sum((list(s.indices) for s in random_split(range(10), [0.3, 0.7])), [])))
seeded(403, "random_sampler", lambda: torch.tensor(list(RandomSampler(range(10))) + list(RandomSampler(range(10)))))
seeded(404, "random_sampler_gen", lambda: torch.tensor(list(RandomSampler(range(10), generator=torch.Generator().manual_seed(3)))))
seeded(405, "random_sampler_replacement", lambda: torch.tensor(list(RandomSampler(range(10), replacement=True, num_samples=40))))
seeded(406, "random_sampler_num_samples", lambda: torch.tensor(list(RandomSampler(range(4), num_samples=10))))
seeded(407, "subset_random_sampler", lambda: torch.tensor(list(SubsetRandomSampler([3, 5, 7, 9, 11]))))
seeded(408, "weighted_sampler", lambda: torch.tensor(list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 8))))
seeded(409, "weighted_sampler_no_replacement", lambda: torch.tensor(list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 3, replacement=False))))


def loader_epochs():
    ds = TensorDataset(torch.arange(10))
    dl = DataLoader(ds, batch_size=4, shuffle=True)
    out = []
    for _ in range(2):
        for (x,) in dl:
            out += x.tolist()
    out += [int(torch.randint(0, 1000, (1,)))]  # where the generator stands after the two epochs
    return torch.tensor(out)


seeded(410, "dataloader_shuffle", loader_epochs)


def loader_gen():
    ds = TensorDataset(torch.arange(10))
    dl = DataLoader(ds, batch_size=3, shuffle=True, generator=torch.Generator().manual_seed(9))
    out = []
    for (x,) in dl:
        out += x.tolist()
    out += [int(torch.randint(0, 1000, (1,)))]  # the default generator untouched
    return torch.tensor(out)


seeded(411, "dataloader_shuffle_gen", loader_gen)

# ------------------------------------------------------------------ 5. more modules, init with generators, ops, data
module_case("decoder", 500, lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 2))
module_case("tel_norm_first_batch_first", 501, lambda: nn.TransformerEncoderLayer(6, 3, 5, norm_first=True, batch_first=True))
module_case("transformer_2_2", 502, lambda: nn.Transformer(4, 2, 2, 2, 6))
module_case("mha_batch_first_kdim", 503, lambda: nn.MultiheadAttention(6, 3, kdim=4, vdim=4, batch_first=True))
module_case("lstm_proj_nobias", 504, lambda: nn.LSTM(3, 5, proj_size=3, bias=False))
module_case("grucell_nobias", 505, lambda: nn.GRUCell(3, 4, bias=False))
module_case("lstmcell_nobias", 506, lambda: nn.LSTMCell(3, 4, bias=False))
module_case("conv2d_circular", 507, lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"))
module_case("conv3d_groups", 508, lambda: nn.Conv3d(4, 2, (1, 2, 2), groups=2))
module_case("convt3d_groups", 509, lambda: nn.ConvTranspose3d(4, 6, 2, groups=2, bias=False))
module_case("lazy_conv3d", 510, lambda: nn.LazyConv3d(2, 2), lambda m: m(torch.ones(1, 3, 3, 3, 3)))
module_case("lazy_convt2d", 511, lambda: nn.LazyConvTranspose2d(2, 2), lambda m: m(torch.ones(1, 3, 3, 3)))
module_case("lazy_linear_nobias", 512, lambda: nn.LazyLinear(2, bias=False), lambda m: m(torch.ones(3, 5)))
module_case("qat_conv1d", 513, lambda: torch.ao.nn.qat.Conv1d(2, 3, 2, qconfig=_qat))
module_case("qat_conv3d", 514, lambda: torch.ao.nn.qat.Conv3d(2, 3, 2, qconfig=_qat))
module_case("bilinear_big", 515, lambda: nn.Bilinear(5, 3, 4))
module_case("rnn_2l_dropout", 516, lambda: nn.RNN(3, 4, 2, dropout=0.5))


def gen_then_default(fn):
    """fn(g) with g = torch.Generator().manual_seed(77) after torch.manual_seed(5), then two default draws."""
    g = torch.Generator().manual_seed(77)
    torch.manual_seed(5)
    return torch.cat([fn(g).reshape(-1).double(), torch.rand(2, dtype=torch.float64)])


# 2.x's nn.init(generator=) on the tensor methods it calls (1.13 lacks the argument); 2.x's sparse_ draws its normal
# values from the generator but each column's randperm from the default generator (torch.randperm(rows), no generator)
def sparse_gen(g):
    t = D(5, 3).normal_(0, 0.01, generator=g)
    for c in range(3):
        t[torch.randperm(5)[:2], c] = 0
    return t


emit("init_sparse_gen", gen_then_default(sparse_gen))


def orthogonal_gen(g, rows, cols, gain):
    """2.x's orthogonal_(t, gain, generator=g), step for step (1.13's draws its normal matrix from the default one)."""
    flat = D(rows, cols).normal_(0, 1, generator=g)
    if rows < cols:
        flat.t_()
    q, r = torch.linalg.qr(flat)
    q *= torch.diag(r, 0).sign()
    if rows < cols:
        q.t_()
    return q * gain


emit("init_orthogonal_gen", gen_then_default(lambda g: orthogonal_gen(g, 3, 4, 1.5)))
emit("init_trunc_normal_gen", gen_then_default(lambda g: D(4, 3).uniform_(2 * 0.5 * (1 + math.erf(-2 / math.sqrt(2))) - 1,
                                                                        2 * 0.5 * (1 + math.erf(2 / math.sqrt(2))) - 1,
                                                                        generator=g).erfinv_().mul_(math.sqrt(2.)).clamp_(-2, 2)))
emit("init_kaiming_normal_gen", gen_then_default(lambda g: D(4, 6).normal_(0, math.sqrt(2.0) / math.sqrt(6), generator=g)))
emit("init_xavier_normal_gen", gen_then_default(lambda g: D(4, 6).normal_(0, 1.0 * math.sqrt(2.0 / (4 + 6)), generator=g)))

# ops
seeded(520, "randint_like_i32", lambda: torch.randint_like(torch.zeros(6, dtype=torch.int32), 100))
seeded(521, "randn_like_f32_small", lambda: torch.randn_like(torch.ones(3, 2)))
seeded(522, "rand_like_transposed", lambda: torch.rand_like(torch.ones(3, 4).t()))
seeded(523, "multinomial_gen", lambda: torch.multinomial(P, 2, generator=torch.Generator().manual_seed(4)))
seeded(524, "multinomial_f64_no_replacement_2d", lambda: torch.multinomial(P.double(), 4))
seeded(525, "bernoulli_p_tensor_gen", lambda: torch.bernoulli(torch.linspace(0, 1, 7), generator=torch.Generator().manual_seed(8)))
seeded(526, "rrelu_inplace", lambda: F.rrelu_(X.clone(), 0.2, 0.5, training=True))
seeded(527, "fractional_max_pool2d", lambda: F.fractional_max_pool2d(torch.arange(50.).reshape(2, 1, 5, 5), 2, output_size=3))
seeded(528, "random_int16", lambda: torch.empty(5, dtype=torch.int16).random_())
seeded(529, "random_int8", lambda: torch.empty(5, dtype=torch.int8).random_())
seeded(530, "random_f16", lambda: torch.empty(5, dtype=torch.float16).random_())
seeded(531, "random_bf16", lambda: torch.empty(5, dtype=torch.bfloat16).random_())
seeded(532, "random_gen", lambda: torch.empty(4, dtype=torch.int64).random_(generator=torch.Generator().manual_seed(6)))
seeded(533, "log_normal_strided", lambda: D(3, 4).t().log_normal_(0.5, 0.3))
seeded(534, "dropout_train_mlp", lambda: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 2))(torch.ones(3, 4)))

# distributions
seeded(540, "dist_laplace_rsample", lambda: D_.Laplace(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.5])).rsample((3,)))
seeded(541, "dist_cauchy_rsample", lambda: D_.Cauchy(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 0.5], dtype=torch.float64)).rsample((3,)))
seeded(542, "dist_geometric_sample", lambda: D_.Geometric(torch.tensor([0.3, 0.7])).sample((4,)))
seeded(543, "dist_lognormal_rsample", lambda: D_.LogNormal(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 0.5], dtype=torch.float64)).rsample((3,)))
seeded(544, "dist_gamma_rsample", lambda: D_.Gamma(torch.tensor([0.5, 2.0, 5.0], dtype=torch.float64), torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)).rsample((2,)))
seeded(545, "dist_poisson_sample", lambda: D_.Poisson(torch.tensor([0.5, 4.0, 20.0], dtype=torch.float64)).sample((2,)))
seeded(546, "dist_halfnormal_rsample", lambda: D_.HalfNormal(torch.tensor([1.0, 2.0], dtype=torch.float64)).rsample((3,)))
seeded(547, "dist_gumbel_rsample", lambda: D_.Gumbel(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)).rsample((3,)))
seeded(548, "dist_relaxed_bernoulli_rsample", lambda: D_.RelaxedBernoulli(torch.tensor(0.5, dtype=torch.float64), probs=torch.tensor([0.2, 0.7], dtype=torch.float64)).rsample((3,)))
seeded(549, "dist_one_hot_categorical_sample", lambda: D_.OneHotCategorical(torch.tensor([0.1, 0.6, 0.3])).sample((4,)))
seeded(550, "dist_continuous_bernoulli_rsample", lambda: D_.ContinuousBernoulli(torch.tensor([0.2, 0.7], dtype=torch.float64)).rsample((3,)))
seeded(551, "dist_studentt_rsample", lambda: D_.StudentT(torch.tensor([3.0, 10.0], dtype=torch.float64)).rsample((2,)))
seeded(552, "dist_dirichlet_sample", lambda: D_.Dirichlet(torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)).sample((2,)))
seeded(553, "dist_beta_sample", lambda: D_.Beta(torch.tensor([0.5, 2.0], dtype=torch.float64), torch.tensor([1.5, 3.0], dtype=torch.float64)).sample((2,)))
seeded(554, "dist_binomial_sample", lambda: D_.Binomial(torch.tensor([5.0, 20.0], dtype=torch.float64), torch.tensor([0.3, 0.6], dtype=torch.float64)).sample((3,)))
seeded(555, "dist_mvn_rsample", lambda: D_.MultivariateNormal(torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)).rsample((3,)))
seeded(556, "dist_normal_sample_gen", lambda: D_.Normal(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)).sample((2,)))

# data
seeded(560, "random_sampler_replacement_gen", lambda: torch.tensor(list(RandomSampler(range(7), replacement=True, num_samples=5, generator=torch.Generator().manual_seed(2)))))
seeded(561, "subset_random_sampler_gen", lambda: torch.tensor(list(SubsetRandomSampler([3, 5, 7, 9], generator=torch.Generator().manual_seed(2)))))
seeded(562, "weighted_sampler_gen", lambda: torch.tensor(list(WeightedRandomSampler([0.1, 0.9, 0.4], 6, generator=torch.Generator().manual_seed(2)))))


def loader_no_shuffle():
    # a loader without shuffling still draws its workers' base seed each epoch
    dl = DataLoader(TensorDataset(torch.arange(4)), batch_size=2)
    for _ in range(2):
        for _b in dl:
            pass
    return torch.rand(2, dtype=torch.float64)


seeded(563, "dataloader_no_shuffle_next", loader_no_shuffle)

# ------------------------------------------------------------------ 6. QAT embeddings, modules that draw in forward
_emb_qat = torch.ao.quantization.default_embedding_qat_qconfig
module_case("qat_embedding", 600, lambda: torch.ao.nn.qat.Embedding(6, 3, qconfig=_emb_qat))
module_case("qat_embedding_bag", 601, lambda: torch.ao.nn.qat.EmbeddingBag(6, 3, mode="sum", qconfig=_emb_qat))
seeded(602, "fractional_max_pool2d_module", lambda: nn.FractionalMaxPool2d(2, output_ratio=0.5)(torch.arange(72.).reshape(2, 1, 6, 6)))
seeded(603, "fractional_max_pool3d_module", lambda: nn.FractionalMaxPool3d(2, output_size=2)(torch.arange(128.).reshape(1, 2, 4, 4, 4)))
seeded(604, "dropout2d_module", lambda: nn.Dropout2d(0.5)(torch.ones(2, 3, 2, 2)))
seeded(605, "feature_alpha_dropout_module", lambda: nn.FeatureAlphaDropout(0.3)(torch.arange(24.).reshape(2, 3, 4)))
SEQ = torch.linspace(-1, 1, 30, dtype=torch.float64).reshape(5, 2, 3)


def lstm_train():
    m = nn.LSTM(3, 4, 2, dropout=0.5).double()  # .double() draws nothing
    out, (h, c) = m(SEQ)
    return torch.cat([out.reshape(-1), h.reshape(-1), c.reshape(-1)])


def gru_train():
    m = nn.GRU(3, 4, 3, dropout=0.4, bidirectional=True).double()
    out, h = m(SEQ)
    return torch.cat([out.reshape(-1), h.reshape(-1)])


def mha_train():
    m = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    q = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(3, 2, 4)
    out, w = m(q, q, q)  # need_weights=True: the math path, softmax then dropout
    return torch.cat([out.reshape(-1), w.reshape(-1)])


seeded(606, "lstm_train_dropout", lstm_train)
seeded(607, "gru_train_dropout_bidir", gru_train)
seeded(608, "mha_train_dropout_weights", mha_train)


class _Draws(torch.utils.data.Dataset):
    """Each item one uniform double from the process's generator: in a worker, torch.manual_seed(base_seed + id)'s."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return torch.rand(1, dtype=torch.float64)[0]


def worker_draws():
    dl = DataLoader(_Draws(), batch_size=2, num_workers=1)
    out = torch.cat([b for b in dl])
    return torch.cat([out, torch.rand(1, dtype=torch.float64)])  # the parent's generator after the base seed draw


seeded(609, "dataloader_worker_draws", worker_draws)

# ------------------------------------------------------------------ 7. utilities that draw: spectral norm, pruning
import torch.nn.utils.parametrizations as P_
import torch.nn.utils.prune as prune
module_case("spectral_norm_linear", 700, lambda: P_.spectral_norm(nn.Linear(5, 4)))
module_case("prune_random_unstructured", 701, lambda: prune.random_unstructured(nn.Linear(5, 4), "weight", amount=0.3))
module_case("prune_random_structured", 702, lambda: prune.random_structured(nn.Linear(5, 4), "weight", amount=0.5, dim=0))
module_case("prune_random_unstructured_count", 703, lambda: prune.random_unstructured(nn.Conv2d(2, 3, 2), "bias", amount=2))

# ------------------------------------------------------------------ 8. modules under torch.set_default_dtype(torch.float64)
torch.set_default_dtype(torch.float64)
module_case("f64_linear", 800, lambda: nn.Linear(5, 3))
module_case("f64_embedding", 801, lambda: nn.Embedding(6, 3))  # 18 normal doubles: the Box-Muller fill, bit for bit
module_case("f64_lstm", 802, lambda: nn.LSTM(3, 4, bidirectional=True))
module_case("f64_mha", 803, lambda: nn.MultiheadAttention(4, 2))
module_case("f64_conv2d", 804, lambda: nn.Conv2d(2, 3, 2))
module_case("f64_transformer_layer", 805, lambda: nn.TransformerEncoderLayer(4, 2, 6))
torch.set_default_dtype(torch.float32)


def sdpa_math_2x():
    """2.x's F.scaled_dot_product_attention on the CPU with dropout in training: the fused CPU kernel refuses dropout,
    so the math composition runs (_scaled_dot_product_attention_math): q and k scaled by sqrt(scale), softmax, then
    at::dropout(attn, p, train) -- a bernoulli_(1 - p) mask over the [N, H, L, S] probabilities -- and the values.
    1.13 has no F.scaled_dot_product_attention, so its steps are written out here."""
    q = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(1, 2, 3, 4)
    k = torch.linspace(1, -0.5, 32, dtype=torch.float64).reshape(1, 2, 4, 4)
    v = torch.linspace(0, 2, 32, dtype=torch.float64).reshape(1, 2, 4, 4)
    s = math.sqrt(1.0 / math.sqrt(4))
    attn = torch.softmax((q * s) @ (k * s).transpose(-2, -1), dim=-1)
    attn = F.dropout(attn, 0.4, training=True)
    return attn @ v


seeded(900, "sdpa_math_dropout", sdpa_math_2x)

# ------------------------------------------------------------------ 10. init gains that are not powers of two
seeded(1000, "init_xavier_uniform_tanh", lambda: init.xavier_uniform_(D(4, 6), gain=init.calculate_gain("tanh")))


def serial_normal_2x(shape, mean, std):
    """2.x's serial normal (fewer than 16 values, or strided): normal_distribution<double> per element, each pair's
    Box-Muller r = sqrt(-2 log1p(-u2)), theta = 2 pi u1 (r cos first, r sin cached for the next), then val * std + mean.
    1.13 took log(1 - u2), which differs in the last bit for about 3% of draws, so cases whose draws fall there are
    computed here from the same uniform doubles (torch.rand(float64) consumes the engine as the normal's uniforms do)."""
    n = math.prod(shape)
    u = torch.rand(n + n % 2, dtype=torch.float64).tolist()
    out = []
    for i in range(0, len(u), 2):
        r = math.sqrt(-2.0 * math.log1p(-u[i + 1]))
        theta = 2.0 * math.pi * u[i]
        out += [r * math.cos(theta), r * math.sin(theta)]
    assert mean == 0  # val * std + mean, fused or not, is val * std rounded
    return torch.tensor([v * std for v in out[:n]], dtype=torch.float64).reshape(shape)


# xavier_normal_ / kaiming_normal_ of 15 doubles with selu's gain, 2.x's serial normal (two of them differ from 1.13's)
seeded(1001, "init_xavier_normal_selu", lambda: serial_normal_2x((3, 5), 0.0, init.calculate_gain("selu") * math.sqrt(2.0 / float(5 + 3))))
seeded(1002, "init_kaiming_uniform_tanh", lambda: init.kaiming_uniform_(D(4, 6), nonlinearity="tanh"))
seeded(1003, "init_kaiming_uniform_leaky02_fanout", lambda: init.kaiming_uniform_(D(4, 3, 3), a=0.2, mode="fan_out"))
seeded(1004, "init_kaiming_normal_selu", lambda: serial_normal_2x((5, 3), 0.0, init.calculate_gain("selu") / math.sqrt(3)))
seeded(1005, "init_kaiming_uniform_sigmoid_f32", lambda: init.kaiming_uniform_(E(7, 3), nonlinearity="sigmoid"))
seeded(1006, "init_uniform_f16", lambda: init.uniform_(torch.empty(9, dtype=torch.float16), -0.3, 0.9))
seeded(1007, "init_normal_bf16", lambda: init.normal_(torch.empty(20, dtype=torch.bfloat16), 0.5, 1.5))

# ------------------------------------------------------------------ 11. more distributions (float64)
T64 = lambda *v: torch.tensor(v, dtype=torch.float64)
seeded(1100, "dist_relaxed_one_hot_rsample", lambda: D_.RelaxedOneHotCategorical(T64(0.7), probs=T64(0.2, 0.5, 0.3)).rsample((3,)))
seeded(1101, "dist_multinomial_sample", lambda: D_.Multinomial(7, probs=T64(0.2, 0.5, 0.3)).sample((4,)))
seeded(1102, "dist_negative_binomial_sample", lambda: D_.NegativeBinomial(T64(3.0, 7.5), probs=T64(0.4, 0.6)).sample((3,)))
seeded(1103, "dist_pareto_rsample", lambda: D_.Pareto(T64(1.0, 2.0), T64(1.5, 3.0)).rsample((3,)))
seeded(1104, "dist_weibull_rsample", lambda: D_.Weibull(T64(1.0, 2.0), T64(0.5, 3.0)).rsample((3,)))
seeded(1105, "dist_kumaraswamy_rsample", lambda: D_.Kumaraswamy(T64(0.5, 2.0), T64(1.5, 3.0)).rsample((3,)))
seeded(1106, "dist_von_mises_sample", lambda: D_.VonMises(T64(0.0, 1.0), T64(0.5, 4.0)).sample((3,)))
seeded(1107, "dist_low_rank_mvn_rsample", lambda: D_.LowRankMultivariateNormal(T64(0.0, 1.0, 2.0), torch.linspace(0.1, 0.6, 6, dtype=torch.float64).reshape(3, 2), T64(1.0, 0.5, 2.0)).rsample((2,)))
seeded(1108, "dist_half_cauchy_rsample", lambda: D_.HalfCauchy(T64(1.0, 2.0)).rsample((3,)))
seeded(1109, "dist_fisher_snedecor_rsample", lambda: D_.FisherSnedecor(T64(3.0, 6.0), T64(4.0, 9.0)).rsample((2,)))
seeded(1110, "dist_chi2_rsample", lambda: D_.Chi2(T64(1.5, 4.0)).rsample((3,)))
seeded(1111, "dist_logistic_normal_rsample", lambda: D_.LogisticNormal(T64(0.0, 1.0), T64(1.0, 0.5)).rsample((2,)))
# Wishart: 1.13 warns "Singular sample detected" for positive definite samples here and redraws, so it is left out
seeded(1113, "dist_lkj_cholesky_sample", lambda: D_.LKJCholesky(3, T64(1.5)).sample((2,)))
seeded(1114, "dist_categorical_logits_sample", lambda: D_.Categorical(logits=T64(0.1, -1.0, 2.0, 0.5)).sample((6,)))


def loader_of_seed():
    # Ember's DataLoader.of(inputs, targets, 3, shuffle, seed 21): a generator of that seed, two epochs
    dl = DataLoader(TensorDataset(torch.arange(8), torch.arange(8) * 10), batch_size=3, shuffle=True,
                    generator=torch.Generator().manual_seed(21))
    out = []
    for _ in range(2):
        for x, _y in dl:
            out += x.tolist()
    return torch.tensor(out + [int(torch.randint(0, 1000, (1,)))])


seeded(1200, "dataloader_of_seed", loader_of_seed)


def samplers_draw_at_first_index():
    # iter() draws nothing: the samplers' generator functions draw at their first next()
    its = [iter(RandomSampler(range(5))), iter(SubsetRandomSampler([2, 4, 6])), iter(WeightedRandomSampler([0.3, 0.7], 3))]
    a = torch.rand(2, dtype=torch.float64)
    idx = [float(i) for it in its for i in it]
    return torch.cat([a, torch.tensor(idx, dtype=torch.float64), torch.rand(1, dtype=torch.float64)])


def sampler_with_generator_two_epochs():
    # a shared generator: each exhausted epoch also draws RandomSampler's empty last randperm(n)[:0]
    g = torch.Generator().manual_seed(5)
    s = RandomSampler(range(6), generator=g)
    return torch.tensor(list(s) + list(s) + [int(torch.randint(0, 1000, (1,), generator=g))])


seeded(1201, "samplers_draw_at_first_index", samplers_draw_at_first_index)
seeded(1202, "sampler_with_generator_two_epochs", sampler_with_generator_two_epochs)


def loader_draws_at_first_batch():
    # iter(loader) draws the base seed; the sampler's seed and permutation come with the first batch
    it = iter(DataLoader(TensorDataset(torch.arange(6)), batch_size=4, shuffle=True))
    a = torch.rand(2, dtype=torch.float64)
    idx = [float(v) for (x,) in it for v in x.tolist()]
    return torch.cat([a, torch.tensor(idx, dtype=torch.float64), torch.rand(1, dtype=torch.float64)])


seeded(1203, "dataloader_draws_at_first_batch", loader_draws_at_first_batch)
