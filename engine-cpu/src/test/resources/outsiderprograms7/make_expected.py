"""Expected values for OutsiderPrograms7Test (session 31's outsider pass, round 7): NLP, tabular, probabilistic, RL and
scientific programs as people write them from reference code, run here in float64 (the default type) from PyTorch's
initial weights and fixed data, which are saved beside the losses, gradients of named parameters after the first
backward, parameters after the last step and outputs, so that Ember runs the same steps from the same numbers:
  bert.*   a BERT-style masked LM: word/position/segment embeddings, LayerNorm, an additive padding mask
           ((1 - mask) * finfo.min, as Hugging Face writes it), one post-norm encoder layer, the MLM head whose decoder
           weight is tied to the word embedding, 15% masking with the 80/10/10 rule drawn from a seeded generator (the
           masked ids and labels are saved: Ember's generator differs), cross entropy with ignore_index=-100, gradient
           accumulation over two micro-batches, clip_grad_norm_, AdamW with a linear warmup/decay LambdaLR;
           sentence-transformers' mean pooling with the attention mask and F.normalize;
           T5's relative position buckets (integer ops, log-bucketing, torch.where) feeding an Embedding bias; ALiBi
           slopes for a head count that is not a power of two, added to causal scores
  crf.*    a linear-chain CRF for NER as pytorch-crf writes it (forward algorithm by logsumexp, the gold path score,
           masks, Viterbi by max and backtracking), emissions from Embedding + bidirectional LSTM + Linear, Adam;
           an HMM forward algorithm in log space (log_softmax parameters, gather of emissions, masked lengths)
  rec.*    a factorization machine (field offsets, BCEWithLogits with weight and pos_weight), EmbeddingBag in every
           mode (sum with per_sample_weights, mean with padding_idx, max, include_last_offset), word2vec skip-gram with
           negative sampling (bmm, logsigmoid), DCN-v2 cross layers with a deep tower, sparsemax written with sort,
           cumsum, gather and clamp, the pinball loss over quantiles, PoissonNLLLoss and GaussianNLLLoss with their
           options
  prob.*   Gaussian process regression (RBF kernel via cdist, cholesky, cholesky_solve, logdet from the diagonal, the
           hyperparameters through softplus and Adam; the predictive mean and variance via solve_triangular),
           Bayes-by-backprop (Normal reparameterization with saved noise, kl_divergence of Normals), a mixture density
           network by MixtureSameFamily and by logsumexp
  rl.*     DQN (gather of Q(s,a), a target network by load_state_dict, max over next actions, terminal masks,
           smooth_l1, clip_grad_norm_, Polyak updates), a SAC actor and temperature (tanh-squashed Normal with saved
           noise, both log-prob corrections, log_alpha), GAE by a backwards loop, REINFORCE with Categorical
  seq.*    a WaveNet/TCN (causal dilated Conv1d by F.pad, gated tanh*sigmoid, residual and skip 1x1 convs), a
           bidirectional GRU over pad_sequence + pack_padded_sequence(enforce_sorted=False), a DeepONet (einsum of
           branch and trunk), a Fourier-feature MLP (a fixed buffer B)

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs7.pt (a dict of tensors).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence
from torch.distributions import Normal, Categorical, MixtureSameFamily, kl_divergence

torch.set_default_dtype(torch.float64)
torch.manual_seed(7)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None, after=None):
    """steps optimizer steps of forward() -> (output, loss), as OutsiderPrograms5's generator."""
    save_state(prefix + "init.", model)
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward()
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0.", model)
        if after is not None:
            after()
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. BERT --------------------------------------------------------------------------------------------------------------
V, D, H, MAXPOS, FF = 13, 8, 2, 10, 16
PAD, CLS, SEP, MASK = 0, 1, 2, 3


class BertEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(V, D, padding_idx=PAD)
        self.position_embeddings = nn.Embedding(MAXPOS, D)
        self.token_type_embeddings = nn.Embedding(2, D)
        self.LayerNorm = nn.LayerNorm(D, eps=1e-12)

    def forward(self, ids, types):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        e = self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(types)
        return self.LayerNorm(e)


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(D, D)
        self.key = nn.Linear(D, D)
        self.value = nn.Linear(D, D)
        self.attn_out = nn.Linear(D, D)
        self.attn_norm = nn.LayerNorm(D, eps=1e-12)
        self.intermediate = nn.Linear(D, FF)
        self.output = nn.Linear(FF, D)
        self.out_norm = nn.LayerNorm(D, eps=1e-12)

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, H, D // H).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D // H)
        scores = scores + ext_mask
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size()[:-2] + (D,))
        x = self.attn_norm(self.attn_out(ctx) + x)
        return self.out_norm(self.output(F.gelu(self.intermediate(x))) + x)


class BertMLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.layer = BertLayer()
        self.transform = nn.Linear(D, D)
        self.transform_norm = nn.LayerNorm(D, eps=1e-12)
        self.decoder = nn.Linear(D, V)
        self.decoder.weight = self.embeddings.word_embeddings.weight  # tied

    def encode(self, ids, types, mask):
        dt = self.embeddings.word_embeddings.weight.dtype  # Hugging Face: the model's dtype
        ext = (1.0 - mask[:, None, None, :].to(dt)) * torch.finfo(dt).min
        return self.layer(self.embeddings(ids, types), ext)

    def forward(self, ids, types, mask):
        h = self.encode(ids, types, mask)
        return self.decoder(self.transform_norm(F.gelu(self.transform(h))))


def mask_tokens(ids, special, gen):
    labels = ids.clone()
    prob = torch.full(labels.shape, 0.15)
    prob.masked_fill_(special, 0.0)
    masked = torch.bernoulli(prob, generator=gen).bool()
    labels[~masked] = -100
    replaced = torch.bernoulli(torch.full(labels.shape, 0.8), generator=gen).bool() & masked
    ids = ids.clone()
    ids[replaced] = MASK
    rnd = torch.bernoulli(torch.full(labels.shape, 0.5), generator=gen).bool() & masked & ~replaced
    words = torch.randint(V, labels.shape, generator=gen)
    ids[rnd] = words[rnd]
    return ids, labels


gen = torch.Generator().manual_seed(3)
lengths = [[7, 5, 3], [6, 7, 4]]
micro = []
for mb in range(2):
    ids = torch.full((3, 7), PAD, dtype=torch.long)
    types = torch.zeros(3, 7, dtype=torch.long)
    for i, n in enumerate(lengths[mb]):
        ids[i, 0] = CLS
        ids[i, 1:n - 1] = torch.randint(4, V, (n - 2,), generator=gen)
        ids[i, n - 1] = SEP
        types[i, (n + 1) // 2:n] = 1
    mask = (ids != PAD).long()
    special = (ids == PAD) | (ids == CLS) | (ids == SEP)
    mids, labels = mask_tokens(ids, special, gen)
    if (labels != -100).sum() == 0:
        labels[0, 2] = ids[0, 2]
    out[f"bert.ids{mb}"] = mids
    out[f"bert.types{mb}"] = types
    out[f"bert.mask{mb}"] = mask
    out[f"bert.labels{mb}"] = labels
    micro.append((mids, types, mask, labels))

bert = BertMLM()
save_state("bert.init.", bert)
WARMUP, TOTAL = 2, 5
opt = torch.optim.AdamW(bert.parameters(), lr=0.01, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: s / max(1, WARMUP) if s < WARMUP else max(0.0, (TOTAL - s) / max(1, TOTAL - WARMUP)))
losses, norms, lrs = [], [], []
for step in range(4):
    opt.zero_grad()
    total = 0.0
    for mids, types, mask, labels in micro:
        logits = bert(mids, types, mask)
        loss = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100) / len(micro)
        loss.backward()
        total += loss.item()
        if step == 0 and len(losses) == 0 and mids is micro[0][0]:
            out["bert.logits0"] = logits.detach().clone()
    if step == 0:
        save_grads("bert.grad0.", bert)
    norms.append(torch.nn.utils.clip_grad_norm_(bert.parameters(), 1.0).item())
    opt.step()
    lrs.append(sched.get_last_lr()[0])
    sched.step()
    losses.append(total)
out["bert.loss"] = torch.tensor(losses)
out["bert.norm"] = torch.tensor(norms)
out["bert.lr"] = torch.tensor(lrs)
save_params("bert.final.", bert)

# sentence-transformers' mean pooling over the trained encoder
with torch.no_grad():
    mids, types, mask, _ = micro[0]
    tok = bert.encode(mids, types, mask)
    m = mask.unsqueeze(-1).expand(tok.size()).double()
    pooled = torch.sum(tok * m, 1) / torch.clamp(m.sum(1), min=1e-9)
    out["bert.pooled"] = F.normalize(pooled, p=2, dim=1)


# T5 relative position buckets (Hugging Face's _relative_position_bucket)
def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    relative_position_if_large = max_exact + (
        torch.log(relative_position.float() / max_exact)
        / math.log(max_distance / max_exact)
        * (num_buckets - max_exact)
    ).to(torch.long)
    relative_position_if_large = torch.min(
        relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
    relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
    return relative_buckets


ctx_pos = torch.arange(0, 40, 5, dtype=torch.long)[:, None]
mem_pos = torch.arange(40, dtype=torch.long)[None, :]
rel = mem_pos - ctx_pos
out["t5.bucket_bi"] = relative_position_bucket(rel, True, 16, 32)
out["t5.bucket_uni"] = relative_position_bucket(rel, False, 16, 32)
t5_bias = nn.Embedding(16, 3)
out["t5.bias_weight"] = t5_bias.weight.detach().clone()
values = t5_bias(out["t5.bucket_bi"]).permute([2, 0, 1]).unsqueeze(0)
out["t5.values"] = values.detach().clone()
t5_scores = torch.randn(1, 3, 8, 40)
out["t5.scores"] = t5_scores
t5_probs = F.softmax(t5_scores + values, dim=-1)
(t5_probs * torch.arange(40.0)).sum().backward()
out["t5.bias_grad"] = t5_bias.weight.grad.clone()


# ALiBi (Press et al.'s get_slopes, for 6 heads: the closest power of two and every other slope of the next)
def get_slopes(n):
    def get_slopes_power_of_2(n):
        start = (2 ** (-2 ** -(math.log2(n) - 3)))
        ratio = start
        return [start * ratio ** i for i in range(n)]

    if math.log2(n).is_integer():
        return get_slopes_power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return get_slopes_power_of_2(closest) + get_slopes(2 * closest)[0::2][:n - closest]


slopes = torch.tensor(get_slopes(6))
out["alibi.slopes"] = slopes
T = 5
pos = torch.arange(T)
alibi = slopes[:, None, None] * (pos[None, None, :] - pos[None, :, None])  # (heads, i, j): -slope * (i - j)
causal = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
al_scores = torch.randn(2, 6, T, T, requires_grad=True)
out["alibi.scores"] = al_scores.detach().clone()
al_v = torch.randn(2, 6, T, 4)
out["alibi.v"] = al_v
al_out = torch.softmax(al_scores + alibi + causal, dim=-1) @ al_v
out["alibi.out"] = al_out.detach().clone()
al_out.pow(2).sum().backward()
out["alibi.scores_grad"] = al_scores.grad.clone()


# 2. CRF and HMM -------------------------------------------------------------------------------------------------------
class CRF(nn.Module):
    """pytorch-crf's CRF (batch_first=True, reduction='mean' there is sum/batch: here 'token_mean' is not used)."""

    def __init__(self, num_tags):
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))

    def forward(self, emissions, tags, mask):
        emissions, tags, mask = emissions.transpose(0, 1), tags.transpose(0, 1), mask.transpose(0, 1)
        numerator = self._compute_score(emissions, tags, mask)
        denominator = self._compute_normalizer(emissions, mask)
        llh = numerator - denominator
        return llh.sum() / mask.float().sum()  # token_mean

    def _compute_score(self, emissions, tags, mask):
        seq_length, batch_size = tags.shape
        mask = mask.type_as(emissions)
        score = self.start_transitions[tags[0]]
        score += emissions[0, torch.arange(batch_size), tags[0]]
        for i in range(1, seq_length):
            score += self.transitions[tags[i - 1], tags[i]] * mask[i]
            score += emissions[i, torch.arange(batch_size), tags[i]] * mask[i]
        seq_ends = mask.long().sum(dim=0) - 1
        last_tags = tags[seq_ends, torch.arange(batch_size)]
        score += self.end_transitions[last_tags]
        return score

    def _compute_normalizer(self, emissions, mask):
        seq_length = emissions.size(0)
        score = self.start_transitions + emissions[0]
        for i in range(1, seq_length):
            broadcast_score = score.unsqueeze(2)
            broadcast_emissions = emissions[i].unsqueeze(1)
            next_score = broadcast_score + self.transitions + broadcast_emissions
            next_score = torch.logsumexp(next_score, dim=1)
            score = torch.where(mask[i].unsqueeze(1), next_score, score)
        score += self.end_transitions
        return torch.logsumexp(score, dim=1)

    def decode(self, emissions, mask):
        emissions, mask = emissions.transpose(0, 1), mask.transpose(0, 1)
        seq_length, batch_size = mask.shape
        score = self.start_transitions + emissions[0]
        history = []
        for i in range(1, seq_length):
            next_score = score.unsqueeze(2) + self.transitions + emissions[i].unsqueeze(1)
            next_score, indices = next_score.max(dim=1)
            score = torch.where(mask[i].unsqueeze(1), next_score, score)
            history.append(indices)
        score += self.end_transitions
        seq_ends = mask.long().sum(dim=0) - 1
        best_tags_list = []
        for idx in range(batch_size):
            _, best_last_tag = score[idx].max(dim=0)
            best_tags = [best_last_tag.item()]
            for hist in reversed(history[:seq_ends[idx]]):
                best_last_tag = hist[idx][best_tags[-1]]
                best_tags.append(best_last_tag.item())
            best_tags.reverse()
            best_tags_list.append(best_tags + [-1] * (seq_length - len(best_tags)))
        return torch.tensor(best_tags_list), score


NTAGS, CV, CE, CH, CT = 5, 12, 6, 4, 7


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(CV, CE, padding_idx=0)
        self.lstm = nn.LSTM(CE, CH, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * CH, NTAGS)
        self.crf = CRF(NTAGS)

    def emissions(self, words):
        return self.proj(self.lstm(self.emb(words))[0])


crf_lengths = [7, 4, 6, 2]
words = torch.zeros(4, CT, dtype=torch.long)
tags = torch.zeros(4, CT, dtype=torch.long)
for i, n in enumerate(crf_lengths):
    words[i, :n] = torch.randint(1, CV, (n,))
    tags[i, :n] = torch.randint(0, NTAGS, (n,))
crf_mask = words != 0
out["crf.words"], out["crf.tags"], out["crf.mask"] = words, tags, crf_mask
tagger = Tagger()
train("crf.", tagger, torch.optim.Adam(tagger.parameters(), lr=0.05), 4,
      lambda: (None, -tagger.crf(tagger.emissions(words), tags, crf_mask)))
with torch.no_grad():
    best, vscore = tagger.crf.decode(tagger.emissions(words), crf_mask)
out["crf.best"], out["crf.vscore"] = best, vscore


# HMM forward algorithm in log space
class HMM(nn.Module):
    def __init__(self, states, symbols):
        super().__init__()
        self.start = nn.Parameter(torch.randn(states))
        self.trans = nn.Parameter(torch.randn(states, states))
        self.emit = nn.Parameter(torch.randn(states, symbols))

    def forward(self, obs, lengths):
        log_pi = F.log_softmax(self.start, -1)
        log_a = F.log_softmax(self.trans, -1)
        log_b = F.log_softmax(self.emit, -1)
        b, t = obs.shape
        em = log_b.t()[obs]  # (b, t, states)
        alpha = log_pi + em[:, 0]
        for i in range(1, t):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + log_a.unsqueeze(0), dim=1) + em[:, i]
            alpha = torch.where((i < lengths).unsqueeze(1), nxt, alpha)
        return torch.logsumexp(alpha, dim=1)


hmm = HMM(3, 4)
obs = torch.randint(0, 4, (3, 6))
hmm_len = torch.tensor([6, 3, 5])
out["hmm.obs"], out["hmm.lengths"] = obs, hmm_len
train("hmm.", hmm, torch.optim.SGD(hmm.parameters(), lr=0.1, momentum=0.9), 3,
      lambda: (lambda ll: (ll, -ll.sum() / hmm_len.sum()))(hmm(obs, hmm_len)),
      first=lambda y: out.__setitem__("hmm.loglik0", y.detach().clone()))


# 3. Recommenders / tabular --------------------------------------------------------------------------------------------
FIELDS = [4, 3, 5]


class FM(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0, 4, 7]), persistent=False)
        self.linear = nn.Embedding(sum(FIELDS), 1)
        self.bias = nn.Parameter(torch.zeros(1))
        self.v = nn.Embedding(sum(FIELDS), k)

    def forward(self, x):
        x = x + self.offsets.unsqueeze(0)
        lin = self.linear(x).sum(1).squeeze(1) + self.bias
        e = self.v(x)
        inter = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1)
        return lin + inter


fm = FM()
fx = torch.stack([torch.randint(0, n, (6,)) for n in FIELDS], 1)
fy = torch.tensor([1., 0., 0., 1., 0., 0.])
fw = torch.tensor([1.0, 0.5, 2.0, 1.0, 1.5, 0.25])
out["fm.x"], out["fm.y"], out["fm.w"] = fx, fy, fw
train("fm.", fm, torch.optim.Adagrad(fm.parameters(), lr=0.1), 3,
      lambda: (lambda z: (z, F.binary_cross_entropy_with_logits(z, fy, weight=fw, pos_weight=torch.tensor([3.0]))))(fm(fx)))

# multi-label BCE with a weight per class and pos_weight per class, reduction sum
ml_logits = torch.randn(4, 3, requires_grad=True)
ml_t = torch.tensor([[1., 0., 1.], [0., 0., 1.], [1., 1., 0.], [0., 1., 0.]])
out["ml.logits"], out["ml.t"] = ml_logits.detach().clone(), ml_t
crit = nn.BCEWithLogitsLoss(weight=torch.tensor([1.0, 2.0, 0.5]), pos_weight=torch.tensor([0.5, 4.0, 1.5]),
                            reduction="sum")
mlv = crit(ml_logits, ml_t)
mlv.backward()
out["ml.loss"], out["ml.grad"] = mlv.detach(), ml_logits.grad.clone()

# EmbeddingBag in every mode
eb_in = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0, 0, 7])
eb_off = torch.tensor([0, 3, 3, 6, 9])
eb_psw = torch.rand(11)
out["eb.input"], out["eb.offsets"], out["eb.psw"] = eb_in, eb_off, eb_psw
for name, kw, args in [("sum_psw", dict(mode="sum"), dict(per_sample_weights=eb_psw)),
                       ("mean_pad", dict(mode="mean", padding_idx=0), {}),
                       ("max", dict(mode="max"), dict(offsets=torch.tensor([0, 3, 5, 9]))),
                       ("sum_last", dict(mode="sum", include_last_offset=True), dict(offsets=torch.tensor([0, 3, 3, 6, 11]))),
                       ("mean_2d", dict(mode="mean", padding_idx=2), None)]:
    bag = nn.EmbeddingBag(10, 3, **kw)
    out[f"eb.{name}.weight"] = bag.weight.detach().clone()
    if args is None:
        o = bag(eb_in[:9].view(3, 3))
    else:
        # the max case has no empty bag; include_last_offset's last offset is the input's length
        args = dict(args)
        o = bag(eb_in, args.pop("offsets", eb_off), **args)
    g = torch.randn(o.shape)
    out[f"eb.{name}.g"] = g
    out[f"eb.{name}.out"] = o.detach().clone()
    (o * g).sum().backward()
    out[f"eb.{name}.grad"] = bag.weight.grad.clone()

# from_pretrained: the table used as given (the padding row keeps its values and stays out of the bags)
pre = torch.randn(10, 3)
out["eb.pre.table"] = pre.clone()
bag = nn.EmbeddingBag.from_pretrained(pre.clone(), freeze=False, mode="mean", padding_idx=4)
o = bag(eb_in, eb_off)
out["eb.pre.out"] = o.detach().clone()
(o * out["eb.mean_pad.g"]).sum().backward()
out["eb.pre.grad"] = bag.weight.grad.clone()
out["eb.pre.frozen_out"] = nn.EmbeddingBag.from_pretrained(pre.clone(), mode="max")(eb_in, torch.tensor([0, 3, 5, 9]))

# word2vec skip-gram with negative sampling
class SkipGram(nn.Module):
    def __init__(self, vocab=15, dim=4):
        super().__init__()
        self.in_embed = nn.Embedding(vocab, dim)
        self.out_embed = nn.Embedding(vocab, dim)

    def forward(self, center, context, negatives):
        c = self.in_embed(center)  # (b, d)
        pos = self.out_embed(context)  # (b, d)
        neg = self.out_embed(negatives)  # (b, k, d)
        pos_loss = F.logsigmoid((c * pos).sum(1))
        neg_loss = F.logsigmoid(-torch.bmm(neg, c.unsqueeze(2)).squeeze(2)).sum(1)
        return -(pos_loss + neg_loss).mean()


sg = SkipGram()
sg_c, sg_o, sg_n = torch.randint(0, 15, (6,)), torch.randint(0, 15, (6,)), torch.randint(0, 15, (6, 4))
out["sg.center"], out["sg.context"], out["sg.neg"] = sg_c, sg_o, sg_n
train("sg.", sg, torch.optim.SGD(sg.parameters(), lr=0.5), 3, lambda: (None, sg(sg_c, sg_o, sg_n)))


# DCN-v2 cross network with a deep tower
class DCN(nn.Module):
    def __init__(self, d=5, layers=2):
        super().__init__()
        self.cross = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.deep = nn.Sequential(nn.Linear(d, 6), nn.ReLU(), nn.Linear(6, 4), nn.ReLU())
        self.head = nn.Linear(d + 4, 1)

    def forward(self, x0):
        x = x0
        for layer in self.cross:
            x = x0 * layer(x) + x
        return self.head(torch.cat([x, self.deep(x0)], dim=1)).squeeze(1)


dcn = DCN()
dx, dy = torch.randn(8, 5), torch.randn(8)
out["dcn.x"], out["dcn.y"] = dx, dy
train("dcn.", dcn, torch.optim.Adam(dcn.parameters(), lr=0.01), 3, lambda: (None, F.mse_loss(dcn(dx), dy)))


# sparsemax (TabNet's), written with sort, cumsum, gather, clamp
def sparsemax(z, dim=-1):
    z_sorted, _ = torch.sort(z, dim=dim, descending=True)
    cssv = z_sorted.cumsum(dim) - 1
    k = torch.arange(1, z.size(dim) + 1, dtype=z.dtype)
    shape = [1] * z.dim()
    shape[dim] = -1
    k = k.view(shape)
    support = k * z_sorted > cssv
    support_size = support.sum(dim=dim, keepdim=True)
    tau = cssv.gather(dim, support_size - 1) / support_size.to(z.dtype)
    return torch.clamp(z - tau, min=0)


sp_z = torch.randn(4, 6, requires_grad=True) * 1.0
sp_z = sp_z.detach().requires_grad_()
out["sp.z"] = sp_z.detach().clone()
sp = sparsemax(sp_z)
out["sp.out"] = sp.detach().clone()
sp_g = torch.randn(4, 6)
out["sp.g"] = sp_g
(sp * sp_g).sum().backward()
out["sp.grad"] = sp_z.grad.clone()

# pinball loss over quantiles
q_pred = torch.randn(7, 3, requires_grad=True)
q_y = torch.randn(7, 1)
qs = torch.tensor([0.1, 0.5, 0.9])
out["pin.pred"], out["pin.y"] = q_pred.detach().clone(), q_y
err = q_y - q_pred
pin = torch.max(qs * err, (qs - 1) * err).mean()
pin.backward()
out["pin.loss"], out["pin.grad"] = pin.detach(), q_pred.grad.clone()

# Poisson and Gaussian NLL with their options
lam = torch.rand(5, 2, requires_grad=True)
cnt = torch.tensor([[0., 1.], [3., 0.], [2., 5.], [1., 1.], [0., 7.]])
out["pois.rate"], out["pois.target"] = lam.detach().clone(), cnt
for name, kw in [("log_full", dict(log_input=True, full=True)), ("rate_full", dict(log_input=False, full=True)),
                 ("rate_eps_sum", dict(log_input=False, eps=0.5, reduction="sum")), ("log_none", dict(reduction="none"))]:
    lam.grad = None
    v = nn.PoissonNLLLoss(**kw)(lam, cnt)
    v.sum().backward()
    out[f"pois.{name}"], out[f"pois.{name}.grad"] = v.detach().clone(), lam.grad.clone()
mu = torch.randn(5, 2, requires_grad=True)
tgt = torch.randn(5, 2)
var_full = torch.tensor([[0.5, 1e-4], [2.0, 0.3], [1e-9, 1.0], [0.7, 0.7], [3.0, 0.1]], requires_grad=True)
var_row = torch.tensor([0.5, 2.0, 1e-5, 0.8, 1.5], requires_grad=True)
var_col = torch.tensor([[0.5], [2.0], [0.2], [0.8], [1.5]], requires_grad=True)
out["gnll.mu"], out["gnll.target"] = mu.detach().clone(), tgt
out["gnll.var_full"], out["gnll.var_row"], out["gnll.var_col"] = (
    var_full.detach().clone(), var_row.detach().clone(), var_col.detach().clone())
for name, var, kw in [("full", var_full, dict(full=True)), ("eps", var_full, dict(eps=1e-3, reduction="sum")),
                      ("row", var_row, dict(reduction="none")), ("col", var_col, dict(full=True))]:
    mu.grad = None
    var.grad = None
    v = nn.GaussianNLLLoss(**kw)(mu, tgt, var)
    v.sum().backward()
    out[f"gnll.{name}"], out[f"gnll.{name}.gmu"], out[f"gnll.{name}.gvar"] = (
        v.detach().clone(), mu.grad.clone(), var.grad.clone())


# 4. Probabilistic -----------------------------------------------------------------------------------------------------
class GP(nn.Module):
    def __init__(self):
        super().__init__()
        self.raw_lengthscale = nn.Parameter(torch.tensor([0.3, -0.2]))
        self.raw_variance = nn.Parameter(torch.tensor(0.5))
        self.raw_noise = nn.Parameter(torch.tensor(-2.0))

    def kernel(self, a, b):
        ls = F.softplus(self.raw_lengthscale)
        d = torch.cdist(a / ls, b / ls)
        return F.softplus(self.raw_variance) * torch.exp(-0.5 * d.pow(2))

    def forward(self, x, y):
        n = x.shape[0]
        k = self.kernel(x, x) + (F.softplus(self.raw_noise) + 1e-6) * torch.eye(n)
        L = torch.linalg.cholesky(k)
        alpha = torch.cholesky_solve(y.unsqueeze(1), L)
        lml = -0.5 * (y.unsqueeze(1) * alpha).sum() - torch.log(torch.diagonal(L)).sum() - 0.5 * n * math.log(2 * math.pi)
        return L, alpha, lml

    def predict(self, x, y, xs):
        L, alpha, _ = self.forward(x, y)
        ks = self.kernel(xs, x)
        mean = ks @ alpha
        v = torch.linalg.solve_triangular(L, ks.t(), upper=False)
        var = F.softplus(self.raw_variance) - v.pow(2).sum(0)
        return mean.squeeze(1), var


gp = GP()
gx = torch.rand(8, 2) * 4
gy = torch.sin(gx[:, 0]) + 0.5 * torch.cos(gx[:, 1]) + 0.05 * torch.randn(8)
gxs = torch.rand(5, 2) * 4
gxs[0] = gx[3]  # a test point on a training point: cdist's zero distance
out["gp.x"], out["gp.y"], out["gp.xs"] = gx, gy, gxs
train("gp.", gp, torch.optim.Adam(gp.parameters(), lr=0.1), 5, lambda: (lambda r: (r[2], -r[2]))(gp(gx, gy)),
      first=lambda y: out.__setitem__("gp.lml0", y.detach().clone()))
pm, pv = gp.predict(gx, gy, gxs)
out["gp.mean"], out["gp.var"] = pm.detach().clone(), pv.detach().clone()
(pm.sum() + pv.sum()).backward()  # gradients of the prediction (after train's last step, grads were zeroed? no: reset)
gp.zero_grad()
pm, pv = gp.predict(gx, gy, gxs)
(pm.sum() + pv.sum()).backward()
save_grads("gp.pgrad.", gp)


class BayesLinear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.w_mu = nn.Parameter(torch.randn(o, i) * 0.1)
        self.w_rho = nn.Parameter(torch.full((o, i), -3.0))
        self.b_mu = nn.Parameter(torch.zeros(o))
        self.b_rho = nn.Parameter(torch.full((o,), -3.0))

    def forward(self, x, eps_w, eps_b):
        w_sigma = torch.log1p(torch.exp(self.w_rho))
        b_sigma = torch.log1p(torch.exp(self.b_rho))
        w = self.w_mu + w_sigma * eps_w
        b = self.b_mu + b_sigma * eps_b
        kl = kl_divergence(Normal(self.w_mu, w_sigma), Normal(0.0, 1.0)).sum() + \
            kl_divergence(Normal(self.b_mu, b_sigma), Normal(0.0, 1.0)).sum()
        return F.linear(x, w, b), kl


class BNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = BayesLinear(2, 6)
        self.l2 = BayesLinear(6, 1)


bnn = BNN()
bx, by = torch.randn(10, 2), torch.randn(10, 1)
beps = [torch.randn(3, 6, 2), torch.randn(3, 6), torch.randn(3, 1, 6), torch.randn(3, 1)]
out["bnn.x"], out["bnn.y"] = bx, by
for i, e in enumerate(beps):
    out[f"bnn.eps{i}"] = e
bstep = [0]


def bnn_forward():
    s = bstep[0]
    bstep[0] += 1
    h, kl1 = bnn.l1(bx, beps[0][s], beps[1][s])
    o, kl2 = bnn.l2(F.relu(h), beps[2][s], beps[3][s])
    nll = -Normal(o, 0.5).log_prob(by).sum()
    return o, nll + (kl1 + kl2) / 10


train("bnn.", bnn, torch.optim.Adam(bnn.parameters(), lr=0.05), 3, bnn_forward)


class MDN(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(1, 8), nn.Tanh())
        self.pi = nn.Linear(8, k)
        self.mu = nn.Linear(8, k)
        self.log_sigma = nn.Linear(8, k)

    def forward(self, x):
        h = self.hidden(x)
        return self.pi(h), self.mu(h), self.log_sigma(h).exp()


mdn = MDN()
mx = torch.linspace(-1, 1, 9).unsqueeze(1)
my = torch.sin(3 * mx).squeeze(1) + 0.1 * torch.randn(9)
out["mdn.x"], out["mdn.y"] = mx, my


def mdn_loss():
    logits, mu, sigma = mdn(mx)
    mix = MixtureSameFamily(Categorical(logits=logits), Normal(mu, sigma))
    return mu, -mix.log_prob(my).mean()


train("mdn.", mdn, torch.optim.Adam(mdn.parameters(), lr=0.02), 3, mdn_loss)
logits, mu, sigma = mdn(mx)
manual = -torch.logsumexp(F.log_softmax(logits, -1) + Normal(mu, sigma).log_prob(my.unsqueeze(1)), dim=1).mean()
out["mdn.manual"] = manual.detach().clone()
mix = MixtureSameFamily(Categorical(logits=logits), Normal(mu, sigma))
out["mdn.mean"], out["mdn.variance"] = mix.mean.detach().clone(), mix.variance.detach().clone()
out["mdn.cdf"] = mix.cdf(my).detach().clone()


# 5. RL ----------------------------------------------------------------------------------------------------------------
def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))


q_net, target_net = mlp(4, 8, 3), mlp(4, 8, 3)
target_net.load_state_dict(q_net.state_dict())
S, A, R, S2 = torch.randn(3, 6, 4), torch.randint(0, 3, (3, 6)), torch.randn(3, 6), torch.randn(3, 6, 4)
DONE = torch.tensor([[0., 0., 1., 0., 0., 1.], [0., 1., 0., 0., 0., 0.], [1., 0., 0., 0., 1., 0.]])
out["dqn.s"], out["dqn.a"], out["dqn.r"], out["dqn.s2"], out["dqn.done"] = S, A, R, S2, DONE
dqn_opt = torch.optim.Adam(q_net.parameters(), lr=0.01)
save_state("dqn.init.", q_net)
dqn_losses, dqn_norms = [], []
for step in range(3):
    q = q_net(S[step]).gather(1, A[step].unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        nxt = target_net(S2[step]).max(1)[0]
        target = R[step] + 0.99 * nxt * (1 - DONE[step])
    loss = F.smooth_l1_loss(q, target)
    dqn_opt.zero_grad()
    loss.backward()
    if step == 0:
        save_grads("dqn.grad0.", q_net)
    dqn_norms.append(torch.nn.utils.clip_grad_norm_(q_net.parameters(), 0.5).item())
    dqn_opt.step()
    dqn_losses.append(loss.item())
    with torch.no_grad():
        for tp, p in zip(target_net.parameters(), q_net.parameters()):
            tp.data.copy_(0.1 * p.data + 0.9 * tp.data)
out["dqn.loss"], out["dqn.norm"] = torch.tensor(dqn_losses), torch.tensor(dqn_norms)
save_params("dqn.final.", q_net)
save_params("dqn.target.", target_net)


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.ReLU())
        self.mean = nn.Linear(8, 2)
        self.log_std = nn.Linear(8, 2)

    def forward(self, s, eps, softplus_form):
        h = self.net(s)
        mean, log_std = self.mean(h), torch.clamp(self.log_std(h), -20, 2)
        std = log_std.exp()
        normal = Normal(mean, std)
        x_t = mean + std * eps  # rsample with saved noise
        y_t = torch.tanh(x_t)
        action = y_t * 2.0 + 0.5
        if softplus_form:
            log_prob = normal.log_prob(x_t) - (2 * (math.log(2) - x_t - F.softplus(-2 * x_t))) - math.log(2.0)
        else:
            log_prob = normal.log_prob(x_t) - torch.log(2.0 * (1 - y_t.pow(2)) + 1e-6)
        return action, log_prob.sum(1, keepdim=True)


for form in (0, 1):
    actor = Actor()
    critic = mlp(5, 8, 1)
    log_alpha = torch.zeros(1, requires_grad=True)
    save_state(f"sac{form}.init.", actor)
    save_state(f"sac{form}.critic.", critic)
    a_opt = torch.optim.Adam(actor.parameters(), lr=0.01)
    al_opt = torch.optim.Adam([log_alpha], lr=0.05)
    ss, eps = torch.randn(3, 5, 3), torch.randn(3, 5, 2) * 1.5
    out[f"sac{form}.s"], out[f"sac{form}.eps"] = ss, eps
    a_l, al_l, alphas = [], [], []
    for step in range(3):
        action, log_prob = actor(ss[step], eps[step], form == 1)
        qv = critic(torch.cat([ss[step], action], 1))
        alpha = log_alpha.exp()
        actor_loss = (alpha.detach() * log_prob - qv).mean()
        a_opt.zero_grad()
        actor_loss.backward()
        if step == 0:
            save_grads(f"sac{form}.grad0.", actor)
            out[f"sac{form}.logprob0"] = log_prob.detach().clone()
        a_opt.step()
        alpha_loss = -(log_alpha * (log_prob + (-2.0)).detach()).mean()
        al_opt.zero_grad()
        alpha_loss.backward()
        al_opt.step()
        a_l.append(actor_loss.item())
        al_l.append(alpha_loss.item())
        alphas.append(log_alpha.item())
    out[f"sac{form}.loss"], out[f"sac{form}.alpha_loss"], out[f"sac{form}.log_alpha"] = (
        torch.tensor(a_l), torch.tensor(al_l), torch.tensor(alphas))
    save_params(f"sac{form}.final.", actor)

# GAE with a critic, and REINFORCE with Categorical
T_, N_ = 6, 3
policy, vf = mlp(4, 8, 3), mlp(4, 8, 1)
obs_ = torch.randn(T_ + 1, N_, 4)
acts = torch.randint(0, 3, (T_, N_))
rews = torch.randn(T_, N_)
dones = torch.zeros(T_, N_)
dones[2, 0] = 1
dones[4, 2] = 1
out["gae.obs"], out["gae.actions"], out["gae.rewards"], out["gae.dones"] = obs_, acts, rews, dones
save_state("gae.policy.", policy)
save_state("gae.vf.", vf)
values = vf(obs_).squeeze(-1)  # (T+1, N)
gamma, lam_ = 0.99, 0.95
with torch.no_grad():
    adv = torch.zeros(T_, N_)
    lastgaelam = 0
    for t in reversed(range(T_)):
        nextnonterminal = 1.0 - dones[t]
        delta = rews[t] + gamma * values[t + 1] * nextnonterminal - values[t]
        adv[t] = lastgaelam = delta + gamma * lam_ * nextnonterminal * lastgaelam
    returns = adv + values[:-1]
out["gae.adv"], out["gae.returns"] = adv, returns
v_loss = 0.5 * (values[:-1] - returns).pow(2).mean()
dist = Categorical(logits=policy(obs_[:-1]))
logp = dist.log_prob(acts)
# REINFORCE: discounted returns by a backwards loop, normalized
G = torch.zeros(T_, N_)
running = torch.zeros(N_)
for t in reversed(range(T_)):
    running = rews[t] + gamma * running * (1 - dones[t])
    G[t] = running
G = (G - G.mean()) / (G.std() + 1e-8)
out["gae.G"] = G
pg_loss = -(logp * G).mean() - 0.01 * dist.entropy().mean() - (logp * adv).mean()
(pg_loss + v_loss).backward()
out["gae.pg_loss"], out["gae.v_loss"] = pg_loss.detach(), v_loss.detach()
out["gae.entropy"] = dist.entropy().detach().clone()
save_grads("gae.pgrad.", policy)
save_grads("gae.vgrad.", vf)


# 6. Sequence / scientific ---------------------------------------------------------------------------------------------
class ResidualBlock(nn.Module):
    def __init__(self, ch, skip, dilation, last, k=2):
        super().__init__()
        self.pad = (k - 1) * dilation
        self.filter = nn.Conv1d(ch, ch, k, dilation=dilation)
        self.gate = nn.Conv1d(ch, ch, k, dilation=dilation)
        self.res = None if last else nn.Conv1d(ch, ch, 1)  # the last block's residual output is unused
        self.skip = nn.Conv1d(ch, skip, 1)

    def forward(self, x):
        xp = F.pad(x, (self.pad, 0))
        z = torch.tanh(self.filter(xp)) * torch.sigmoid(self.gate(xp))
        return (None if self.res is None else self.res(z) + x), self.skip(z)


class WaveNet(nn.Module):
    def __init__(self, classes=6, ch=4, skip=5):
        super().__init__()
        self.embed = nn.Conv1d(classes, ch, 1)
        self.blocks = nn.ModuleList([ResidualBlock(ch, skip, d, i == 4) for i, d in enumerate((1, 2, 4, 1, 2))])
        self.out1 = nn.Conv1d(skip, skip, 1)
        self.out2 = nn.Conv1d(skip, classes, 1)

    def forward(self, x):
        h = self.embed(F.one_hot(x, 6).transpose(1, 2).to(self.embed.weight.dtype))
        skips = 0
        for b in self.blocks:
            h, s = b(h)
            skips = skips + s
        return self.out2(F.relu(self.out1(F.relu(skips))))


wn = WaveNet()
wseq = torch.randint(0, 6, (2, 12))
out["wn.seq"] = wseq
train("wn.", wn, torch.optim.Adam(wn.parameters(), lr=0.01), 3,
      lambda: (lambda o: (o, F.cross_entropy(o[:, :, :-1], wseq[:, 1:])))(wn(wseq)),
      first=lambda y: out.__setitem__("wn.out0", y.detach().clone()))


class GruClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True, bidirectional=True, num_layers=2)
        self.fc = nn.Linear(8, 2)

    def forward(self, seqs):
        lengths = torch.tensor([len(s) for s in seqs])
        padded = pad_sequence(seqs, batch_first=True)
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        out_p, h_n = self.gru(packed)
        unpacked, lens = pad_packed_sequence(out_p, batch_first=True)
        return unpacked, self.fc(torch.cat([h_n[-2], h_n[-1]], dim=1))


gc = GruClassifier()
gseqs = [torch.randn(n, 3) for n in (3, 6, 2, 5)]
for i, s in enumerate(gseqs):
    out[f"gru.seq{i}"] = s
gyl = torch.tensor([0, 1, 1, 0])
out["gru.y"] = gyl
train("gru.", gc, torch.optim.RMSprop(gc.parameters(), lr=0.01), 3,
      lambda: (lambda r: (r[0], F.cross_entropy(r[1], gyl)))(gc(gseqs)),
      first=lambda y: out.__setitem__("gru.unpacked0", y.detach().clone()))


class DeepONet(nn.Module):
    def __init__(self, sensors=6, p=5):
        super().__init__()
        self.branch = nn.Sequential(nn.Linear(sensors, 8), nn.Tanh(), nn.Linear(8, p))
        self.trunk = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, p), nn.Tanh())
        self.b0 = nn.Parameter(torch.zeros(1))

    def forward(self, u, y):
        return torch.einsum("bi,ni->bn", self.branch(u), self.trunk(y)) + self.b0


don = DeepONet()
du = torch.randn(4, 6)
dyq = torch.linspace(0, 1, 7).unsqueeze(1)
dG = torch.cumsum(du, 1)[:, :1] * dyq.t() + torch.sin(dyq.t())
out["don.u"], out["don.y"], out["don.G"] = du, dyq, dG
train("don.", don, torch.optim.Adam(don.parameters(), lr=0.01), 3, lambda: (None, F.mse_loss(don(du, dyq), dG)))


class FourierMLP(nn.Module):
    def __init__(self, scale=3.0, m=4):
        super().__init__()
        self.register_buffer("B", torch.randn(2, m) * scale)
        self.net = nn.Sequential(nn.Linear(2 * m, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        proj = 2 * math.pi * x @ self.B
        return self.net(torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1))


ff = FourierMLP()
fxy = torch.rand(16, 2)
fval = torch.sin(6 * fxy[:, :1]) * torch.cos(4 * fxy[:, 1:])
out["ff.x"], out["ff.y"] = fxy, fval
save_state("ff.state.", ff)
train("ff.", ff, torch.optim.Adam(ff.parameters(), lr=0.01), 3, lambda: (None, F.mse_loss(ff(fxy), fval)))

# SAC's squashed Normal through torch.distributions (as pytorch_sac's SquashedNormal): TransformedDistribution over
# TanhTransform(cache_size=1) (and an AffineTransform to the action range, cache_size=1), the action made by the
# transforms from a saved pre-tanh sample, log_prob of it read from the caches; one pre-tanh value is far enough out
# that tanh rounds to 1 (25 in float64, 12 in float32), where the uncached atanh(1) = inf makes log_prob NaN
from torch.distributions import TransformedDistribution, TanhTransform, AffineTransform
for dname, dt, far in (("f64", torch.float64, 25.0), ("f32", torch.float32, 12.0)):
    mu = torch.tensor([[0.2, -0.5], [1.0, 0.3]], dtype=dt, requires_grad=True)
    log_std = torch.tensor([[-0.3, 0.1], [0.0, -1.0]], dtype=dt, requires_grad=True)
    eps = torch.tensor([[0.5, -1.2], [(far - 1.0), 0.8]], dtype=dt)
    out[f"squash.{dname}.eps"] = eps
    for cname, cache in (("cached", 1), ("uncached", 0)):
        mu.grad = None
        log_std.grad = None
        std = log_std.exp()
        x = mu + std * eps
        tanh_t = TanhTransform(cache_size=cache)
        affine_t = AffineTransform(0.5, 2.0, cache_size=cache)
        dist = TransformedDistribution(Normal(mu, std), [tanh_t, affine_t])
        action = affine_t(tanh_t(x))
        lp = dist.log_prob(action).sum(-1)
        out[f"squash.{dname}.{cname}.action"] = action.detach().clone()
        out[f"squash.{dname}.{cname}.logp"] = lp.detach().clone()
        if cache:
            (lp.sum() + action.sum()).backward()
            out[f"squash.{dname}.{cname}.gmu"] = mu.grad.clone()
            out[f"squash.{dname}.{cname}.glogstd"] = log_std.grad.clone()

# the first forward and backward of four programs again in float32 (what users run) from the same initial weights
def f32_first(prefix, model, init_prefix, forward):
    model.load_state_dict({k[len(init_prefix):]: v for k, v in out.items() if k.startswith(init_prefix)})
    model.float()
    y, loss = forward(model)
    loss.backward()
    out[prefix + "out"] = y.detach().clone()
    out[prefix + "loss"] = loss.detach().clone()
    save_grads(prefix + "grad.", model)


def bert_f32(m):
    total = 0
    for mids, types, mask, labels in micro:
        logits = m(mids, types, mask)
        total = total + F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100) / len(micro)
    return logits, total


f32_first("f32.bert.", BertMLM(), "bert.init.", bert_f32)
f32_first("f32.crf.", Tagger(), "crf.init.",
          lambda m: (lambda em: (em, -m.crf(em, tags, crf_mask)))(m.emissions(words)))
f32_first("f32.wn.", WaveNet(), "wn.init.",
          lambda m: (lambda o: (o, F.cross_entropy(o[:, :, :-1], wseq[:, 1:])))(m(wseq)))
f32_first("f32.gru.", GruClassifier(), "gru.init.",
          lambda m: (lambda r: (r[0], F.cross_entropy(r[1], gyl)))(m([s.float() for s in gseqs])))

# printouts the programs print and refusals they meet, one a line: name|text (newlines escaped as \\n); the
# EmbeddingBag index message is 1.13's and 2.x's (aten/src/ATen/native/EmbeddingBag.cpp)
texts = {}


def refusal(f):
    try:
        f()
    except Exception as ex:
        return str(ex).split("\n")[0]
    raise AssertionError("no refusal")


texts["packed_unsorted"] = repr(pack_sequence_ := nn.utils.rnn.pack_sequence(
    [torch.ones(2, 1), torch.ones(3, 1) * 2, torch.ones(1, 1) * 3], enforce_sorted=False))
texts["packed_sorted"] = repr(nn.utils.rnn.pack_sequence([torch.ones(3, 1) * 2, torch.ones(2, 1)], enforce_sorted=True))
pg = torch.ones(2, 1, requires_grad=True)
texts["packed_grad"] = repr(nn.utils.rnn.pack_sequence([pg * 2, torch.ones(1, 1)], enforce_sorted=False))
texts["viterbi_paths"] = repr(out["crf.best"])
texts["viterbi_scores"] = repr(out["crf.vscore"])
texts["float32_under_float64"] = repr(out["crf.vscore"].float())
texts["scalar"] = repr(torch.tensor(2.5))
texts["complex128"] = repr(torch.tensor([1 + 2j, 0.5j]))
texts["eb_oob"] = refusal(lambda: F.embedding_bag(torch.tensor([1, 10, 2]), torch.zeros(10, 3), torch.tensor([0, 2])))
texts["eb_negative"] = refusal(lambda: F.embedding_bag(torch.tensor([[1, 2], [-1, 2]]), torch.zeros(10, 3), mode="max"))
# load_state_dict's result, which fine-tuning scripts print: BERT with its tied decoder, from a checkpoint without the
# decoder entry (strict=False), then with an extra pooler entry
bert_sd = {k: v for k, v in bert.state_dict().items() if k != "decoder.weight"}
texts["load_missing"] = repr(bert.load_state_dict(bert_sd, strict=False))
bert_sd = dict(bert.state_dict())
bert_sd["pooler.dense.weight"] = torch.zeros(2)
texts["load_unexpected"] = repr(bert.load_state_dict(bert_sd, strict=False))
texts["load_all"] = repr(bert.load_state_dict(bert.state_dict()))
from torch.nn.modules.module import _IncompatibleKeys
texts["keys_quoted"] = repr(_IncompatibleKeys(["a'b", 'q"\'', "c\\d"], ["t\tab"]))
# aminmax's torch.return_types structseq and var_mean's, std_mean's tuples
qv = torch.tensor([[0.5, 2.0, -1.0], [3.0, 3.0, 0.25]])
texts["rt_aminmax"] = repr(torch.aminmax(qv))
texts["rt_var_mean"] = repr(torch.var_mean(qv, 1))
texts["rt_std_mean"] = repr(torch.std_mean(qv))
# recurrent layers' tuples: every weight 0.1, the input arange/10, under no_grad
with torch.no_grad():
    rin = torch.arange(12.).view(3, 2, 2) / 10
    gru_p, lstm_p = nn.GRU(2, 2), nn.LSTM(2, 2)
    for m in (gru_p, lstm_p):
        for w in m.parameters():
            w.fill_(0.1)
    texts["tuple_gru"] = repr(gru_p(rin))
    texts["tuple_lstm"] = repr(lstm_p(rin))
    packed_in = nn.utils.rnn.pack_padded_sequence(rin, torch.tensor([2, 3]), enforce_sorted=False)
    texts["tuple_lstm_packed"] = repr(lstm_p(packed_in))
    texts["tuple_padded"] = repr(nn.utils.rnn.pad_packed_sequence(gru_p(packed_in)[0]))
with open("texts7.txt", "w") as f:
    for k, v in texts.items():
        f.write(k + "|" + v.replace("\n", "\\n") + "\n")

torch.save(out, "programs7.pt")
print(len(out), "entries")
