"""Expected values for OutsiderPrograms14Test (session 39's outsider pass, round 14): inference as people deploy it.
Each model is built here with random weights standing in for trained ones, saved with torch.save(model.state_dict())
(the file the Java test loads into the same architecture written with Ember), and run for inference in eval mode under
torch.no_grad() (or torch.inference_mode()). Written files:
  seq2seq.pt     encoder Embedding + LSTM(2 layers, bidirectional, batch_first), bridge Linear, decoder Embedding +
                 LSTMCell stepped by hand with general (Luong) attention over the encoder outputs, output Linear
  charlm.pt      Embedding + GRU(2 layers, batch_first) + Linear: a character language model
  textcls.pt     EmbeddingBag(mean) + Linear-ReLU-Linear
  textcls_q.pt   the same model converted: the EmbeddingBag with float_qparams_weight_only_qconfig (prepare, convert),
                 then quantize_dynamic of its Linears (qint8)
  tfcls.pt       Embedding + positional Embedding + TransformerEncoder(2 layers, batch_first) with a key padding mask,
                 pooled by nn.MultiheadAttention (a learned query, need_weights) + Linear
  forecaster.pt  LSTM(3 -> 16, 2 layers, proj_size 8, batch_first) + Linear(8, 3)
  programs14.pt  inputs and outputs, by program:
    s2s.*   greedy decoding of 12 tokens at batch 1 (tokens, the chosen tokens' log-probabilities; float32 and float64),
            beam search of width 4 at batch 4 for 12 steps (the final beams' tokens and scores, best first); both
            again with the translator quantize_dynamic makes of it (LSTM, LSTMCell, Linears; s2s.qgreedy.*, s2s.qbeam.*)
    lm.*    sampling 200 characters (temperature 0.8, top-k 5) from a fixed seed, one character a call with h carried:
            the sampled characters and the logits of every step; the logits of the whole sequence in one call (float32
            and float64)
    cls.*   the float and the quantized classifier's logits for 7 bags (one empty)
    tf.*    the classifier's logits and the pooling attention's weights (averaged, and per head) at batch 1 and batch 8
            (lengths 3..12)
    fc.*    a 20-step history then a 24-step autoregressive rollout at batch 1, 3 and 9 (h, c carried across calls):
            the predictions and the final h, c; float32 and float64
Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py
"""
import copy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pin_cpu_kernels  # noqa: E402,F401
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(14)
torch.set_num_threads(1)
out = {}


def save(model, name):
    torch.save(model.state_dict(), os.path.join(HERE, name))


# 1. seq2seq translator ----------------------------------------------------------------------------------------------
SRC_V, TGT_V, EMB, ENC_H, STEPS, BEAM, BOS = 20, 16, 8, 8, 12, 4, 1


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(SRC_V, EMB)
        self.encoder = nn.LSTM(EMB, ENC_H, num_layers=2, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * ENC_H, 2 * ENC_H)
        self.tgt_emb = nn.Embedding(TGT_V, EMB)
        self.cell = nn.LSTMCell(EMB + 2 * ENC_H, 2 * ENC_H)
        self.attn = nn.Linear(2 * ENC_H, 2 * ENC_H, bias=False)
        self.out = nn.Linear(4 * ENC_H, TGT_V)

    def encode(self, src):
        enc, (h, c) = self.encoder(self.src_emb(src))
        h0 = torch.tanh(self.bridge(torch.cat([h[-2], h[-1]], 1)))
        return enc, h0, torch.zeros_like(h0)

    def step(self, tok, h, c, ctx, enc):
        h, c = self.cell(torch.cat([self.tgt_emb(tok), ctx], 1), (h, c))
        score = torch.bmm(enc, self.attn(h).unsqueeze(2)).squeeze(2)
        ctx = torch.bmm(torch.softmax(score, 1).unsqueeze(1), enc).squeeze(1)
        return F.log_softmax(self.out(torch.cat([h, ctx], 1)), 1), h, c, ctx


def greedy(m, src):
    enc, h, c = m.encode(src)
    ctx = torch.zeros(src.size(0), 2 * ENC_H, dtype=enc.dtype)
    tok = torch.full((src.size(0),), BOS, dtype=torch.long)
    toks, scores = [], []
    for _ in range(STEPS):
        logp, h, c, ctx = m.step(tok, h, c, ctx, enc)
        s, tok = logp.max(1)
        toks.append(tok)
        scores.append(s)
    return torch.stack(toks, 1), torch.stack(scores, 1)


def beam_search(m, src):
    b = src.size(0)
    enc, h, c = m.encode(src)
    enc = enc.repeat_interleave(BEAM, 0)
    h = h.repeat_interleave(BEAM, 0)
    c = c.repeat_interleave(BEAM, 0)
    ctx = torch.zeros(b * BEAM, 2 * ENC_H)
    tok = torch.full((b * BEAM,), BOS, dtype=torch.long)
    score = torch.tensor([0.0] + [float('-inf')] * (BEAM - 1)).repeat(b)
    hist = torch.zeros(b * BEAM, 0, dtype=torch.long)
    for _ in range(STEPS):
        logp, h, c, ctx = m.step(tok, h, c, ctx, enc)
        total = (score.unsqueeze(1) + logp).view(b, BEAM * TGT_V)
        best, idx = total.topk(BEAM, 1)
        rows = (torch.arange(b).unsqueeze(1) * BEAM + idx // TGT_V).view(-1)
        tok = (idx % TGT_V).view(-1)
        h, c, ctx, hist = h[rows], c[rows], ctx[rows], hist[rows]
        hist = torch.cat([hist, tok.unsqueeze(1)], 1)
        score = best.view(-1)
    return hist.view(b, BEAM, STEPS), score.view(b, BEAM)


s2s = Seq2Seq().eval()
save(s2s, "seq2seq.pt")
src1 = torch.randint(2, SRC_V, (1, 7))
src4 = torch.randint(2, SRC_V, (4, 9))
out['s2s.src1'] = src1
out['s2s.src4'] = src4
with torch.no_grad():
    t, s = greedy(s2s, src1)
    out['s2s.greedy.tokens'], out['s2s.greedy.scores'] = t, s
    t, s = greedy(s2s.double(), src1)
    out['s2s.greedy64.tokens'], out['s2s.greedy64.scores'] = t, s
    s2s.float()
    t, s = beam_search(s2s, src4)
    out['s2s.beam.tokens'], out['s2s.beam.scores'] = t, s

# 2. GRU character language model ------------------------------------------------------------------------------------
CHARS, LM_STEPS, TEMP, TOPK = 30, 200, 0.8, 5


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(CHARS, 16)
        self.gru = nn.GRU(16, 32, num_layers=2, batch_first=True)
        self.head = nn.Linear(32, CHARS)

    def forward(self, x, h=None):
        y, h = self.gru(self.emb(x), h)
        return self.head(y), h


lm = CharLM().eval()
save(lm, "charlm.pt")
with torch.inference_mode():
    g = torch.Generator().manual_seed(1234)
    x = torch.tensor([[3]])
    h = None
    chars, logits = [3], []
    for _ in range(LM_STEPS):
        lg, h = lm(x, h)
        lg = lg[0, -1]
        logits.append(lg)
        v, i = (lg / TEMP).topk(TOPK)
        nxt = i[torch.multinomial(torch.softmax(v, 0), 1, generator=g)]
        chars.append(int(nxt))
        x = nxt.view(1, 1)
    out['lm.chars'] = torch.tensor(chars)
    out['lm.logits'] = torch.stack(logits)
    out['lm.whole'] = lm(torch.tensor([chars[:-1]]))[0][0]
    out['lm.whole64'] = lm.double()(torch.tensor([chars[:-1]]))[0][0]
    lm.float()

# 3. text classifier, float and quantized ----------------------------------------------------------------------------


class TextCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(50, 16, mode='mean')
        self.fc1 = nn.Linear(16, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, text, offsets):
        return self.fc2(torch.relu(self.fc1(self.bag(text, offsets))))


cls = TextCls().eval()
save(cls, "textcls.pt")
lengths = [5, 1, 9, 0, 3, 12, 4]
text = torch.randint(0, 50, (sum(lengths),))
offsets = torch.tensor([0] + lengths[:-1]).cumsum(0)
out['cls.text'], out['cls.offsets'] = text, offsets
with torch.no_grad():
    out['cls.float'] = cls(text, offsets)
cls.bag.qconfig = tq.float_qparams_weight_only_qconfig
tq.prepare(cls, inplace=True)
tq.convert(cls, inplace=True)
tq.quantize_dynamic(cls, {nn.Linear}, dtype=torch.qint8, inplace=True)
save(cls, "textcls_q.pt")
with torch.no_grad():
    out['cls.quant'] = cls(text, offsets)

# 4. transformer encoder sentence classifier -------------------------------------------------------------------------


class TfCls(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(40, 16, padding_idx=0)
        self.pos = nn.Embedding(12, 16)
        # enable_nested_tensor left at its default (True), as deployed: under no_grad in eval PyTorch takes its fast path
        # (a nested tensor of the unpadded rows, fused kernels); the pooling masks the padded positions, whose rows the
        # fast path leaves at 0 and the general path computes (README), so the classifier's outputs do not depend on it
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, 0.1, batch_first=True), 2)
        self.query = nn.Parameter(torch.randn(1, 1, 16))
        self.pool = nn.MultiheadAttention(16, 2, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, tokens, pad, average=True):
        x = self.emb(tokens) + self.pos(torch.arange(tokens.size(1)))
        h = self.encoder(x, src_key_padding_mask=pad)
        p, w = self.pool(self.query.expand(tokens.size(0), 1, 16), h, h, key_padding_mask=pad, need_weights=True,
                         average_attn_weights=average)
        return self.head(p.squeeze(1)), w


tf = TfCls().eval()
save(tf, "tfcls.pt")
for b, lens in ((1, [9]), (8, [3, 12, 7, 5, 12, 9, 4, 10])):
    tokens = torch.randint(1, 40, (b, max(lens)))
    pad = torch.arange(max(lens)).unsqueeze(0) >= torch.tensor(lens).unsqueeze(1)
    tokens[pad] = 0
    with torch.no_grad():
        logits, w = tf(tokens, pad)
        out[f'tf.b{b}.headweights'] = tf(tokens, pad, average=False)[1]
    out[f'tf.b{b}.tokens'], out[f'tf.b{b}.pad'] = tokens, pad
    out[f'tf.b{b}.logits'], out[f'tf.b{b}.weights'] = logits, w

# 5. LSTM forecaster with proj_size ----------------------------------------------------------------------------------


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 16, num_layers=2, batch_first=True, proj_size=8)
        self.head = nn.Linear(8, 3)

    def forward(self, x, hc=None):
        y, hc = self.lstm(x, hc)
        return self.head(y), hc


fc = Forecaster().eval()
save(fc, "forecaster.pt")
for b in (1, 3, 9):
    t = torch.arange(20, dtype=torch.float64).view(1, 20, 1)
    k = torch.arange(b, dtype=torch.float64).view(b, 1, 1)
    ch = torch.arange(3, dtype=torch.float64).view(1, 1, 3)
    hist = (torch.sin(0.3 * t * (1 + 0.1 * k) + ch) * (1 + 0.2 * ch)).float()
    out[f'fc.b{b}.history'] = hist
    for dt, suffix in ((torch.float32, ''), (torch.float64, '64')):
        m = fc.to(dt)
        with torch.inference_mode():
            y, hc = m(hist.to(dt))
            nxt = y[:, -1:]
            preds = [nxt]
            for _ in range(23):
                nxt, hc = m(nxt, hc)
                preds.append(nxt)
        out[f'fc.b{b}.preds{suffix}'] = torch.cat(preds, 1)
        out[f'fc.b{b}.h{suffix}'], out[f'fc.b{b}.c{suffix}'] = hc
    fc.float()

# 1b. the translator as deployed on a CPU, last (quantize_dynamic draws from the generator): its LSTM, LSTMCell and
# Linears dynamically quantized (qint8) after the float state dict is loaded, as PyTorch's dynamic quantization tutorial
# deploys; a quantized LSTM's own state dict holds torchbind objects (torch.ScriptObject) that torch.load(weights_only=
# True) refuses, and Ember with it (QuantizedRnnStateDictTest), so it is not the file a deployment ships
s2s_q = tq.quantize_dynamic(copy.deepcopy(s2s), {nn.LSTM, nn.LSTMCell, nn.Linear}, dtype=torch.qint8)
with torch.no_grad():
    t, s = greedy(s2s_q, src1)
    out['s2s.qgreedy.tokens'], out['s2s.qgreedy.scores'] = t, s
    t, s = beam_search(s2s_q, src4)
    out['s2s.qbeam.tokens'], out['s2s.qbeam.scores'] = t, s

torch.save({k: v.clone() for k, v in out.items()}, os.path.join(HERE, "programs14.pt"))
