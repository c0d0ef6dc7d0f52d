# Writes expected.txt for WeightTyingTest: a tiny GPT-like model whose token embedding and output head share one
# weight (nanoGPT's `self.transformer.wte.weight = self.lm_head.weight`), trained with AdamW and clip_grad_norm_.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 on this machine; Ember follows PyTorch 2.x:
# the AdamW single-tensor update is the same algorithm in 2.x, which writes exp_avg.lerp_ where 1.13 writes
# mul_/add_, a last-bit difference far under the test's tolerance; zero_grad's set_to_none is passed explicitly).
#
# Format: "=== case" then lines "name value": tensors as "dtype [shape] : values" (flattened), lists as Python reprs.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
import torch.nn.utils.parametrize as parametrize

torch.set_default_dtype(torch.float64)
STEPS = 5
V, D, T = 11, 6, 5


def tline(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(t.flatten().tolist()))


class Case:
    def __init__(self, name):
        self.name = name
        self.lines = []

    def put(self, k, v):
        self.lines.append("%s %s" % (k, v))

    def tensor(self, k, t):
        self.put(k, tline(t))

    def state(self, prefix, sd):
        self.put(prefix + "_keys", " ".join(prefix + "." + k for k in sd))
        for k, v in sd.items():
            self.tensor(prefix + "." + k, v)

    def emit(self):
        print("=== " + self.name)
        for l in self.lines:
            print(l)


class TinyGPT(nn.Module):
    # registration order emb, pos, ln, fc, head; the tie as nanoGPT writes it (the embedding takes the head's weight)
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.pos = nn.Embedding(T, D)
        self.ln = nn.LayerNorm(D)
        self.fc = nn.Linear(D, D)
        self.head = nn.Linear(D, V, bias=False)
        self.emb.weight = self.head.weight

    def forward(self, idx):
        x = self.emb(idx) + self.pos(torch.arange(idx.shape[1]))
        x = x + torch.tanh(self.fc(self.ln(x)))
        return self.head(x)


def train():
    c = Case("train")
    torch.manual_seed(3)
    m = TinyGPT()
    idx = torch.randint(0, V, (3, T))
    tgt = torch.randint(0, V, (3, T))
    c.put("named_parameters", " ".join(n for n, _ in m.named_parameters()))
    c.put("state_dict_keys", " ".join(m.state_dict().keys()))
    c.put("repr", repr(m).replace("\n", "|"))  # print(model): the tie changes nothing in it
    c.state("init", m.state_dict())
    c.tensor("idx", idx)
    c.tensor("tgt", tgt)
    opt = torch.optim.AdamW(m.parameters(), lr=0.05, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(m(idx).view(-1, V), tgt.view(-1))
        loss.backward()
        if s == 0:
            # the tied weight's gradient: the embedding's rows plus the head's
            c.tensor("grad0.tied", m.head.weight.grad)
        n = torch.nn.utils.clip_grad_norm_(m.parameters(), max_norm=0.5)
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.norm" % s, repr(n.item()))
        ps = [p for _, p in m.named_parameters()]
        c.put("step%d.psum" % s, repr([p.detach().sum().item() for p in ps]))
        c.put("step%d.psq" % s, repr([(p.detach() ** 2).sum().item() for p in ps]))
    c.state("final", m.state_dict())
    st = opt.state[m.head.weight]
    c.tensor("opt.tied.exp_avg", st["exp_avg"])
    c.tensor("opt.tied.exp_avg_sq", st["exp_avg_sq"])
    c.put("opt.state_count", repr(len(opt.state)))
    c.put("opt.params", repr(opt.state_dict()["param_groups"][0]["params"]))
    with torch.no_grad():
        c.tensor("final.logits", m(idx))
    c.emit()


def load_two_values():
    # a state dict whose two names of the tied weight hold different values: both are copied into the one tensor, in
    # the state dict's order, so the later name's value stays
    c = Case("load_two_values")
    torch.manual_seed(4)
    m = TinyGPT()
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    sd["emb.weight"] = torch.full((V, D), 1.0)
    sd["head.weight"] = torch.full((V, D), 2.0)
    m.load_state_dict(sd)
    c.tensor("tied", m.emb.weight)
    c.put("same", repr(m.emb.weight is m.head.weight))
    c.emit()


def prune_tied():
    c = Case("prune")
    torch.manual_seed(5)
    m = TinyGPT()
    c.state("init", m.state_dict())
    prune.l1_unstructured(m.head, "weight", amount=0.3)
    c.put("named_parameters", " ".join(n for n, _ in m.named_parameters()))
    c.put("state_dict_keys", " ".join(m.state_dict().keys()))
    c.put("orig_is_emb", repr(m.head.weight_orig is m.emb.weight))
    c.tensor("head.weight", m.head.weight)  # the pruned value the head reads
    c.tensor("emb.weight", m.emb.weight)  # the embedding still reads the unpruned tensor
    # prune.remove sets the pruned value into weight_orig (orig.data = weight) and makes it the head's weight again:
    # the same tensor object, so the tie holds and the embedding now reads the pruned values too
    prune.remove(m.head, "weight")
    c.put("removed.state_dict_keys", " ".join(m.state_dict().keys()))
    c.put("removed.same", repr(m.head.weight is m.emb.weight))
    c.tensor("removed.weight", m.emb.weight)
    c.emit()


class Scale(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, x):
        return x / 2


def parametrize_tied():
    c = Case("parametrize")
    torch.manual_seed(6)
    m = TinyGPT()
    idx = torch.randint(0, V, (2, T))
    c.state("init", m.state_dict())
    c.tensor("idx", idx)
    parametrize.register_parametrization(m.head, "weight", Scale())
    c.put("named_parameters", " ".join(n for n, _ in m.named_parameters()))
    c.put("state_dict_keys", " ".join(m.state_dict().keys()))
    c.put("original_is_emb", repr(m.head.parametrizations.weight.original is m.emb.weight))
    c.tensor("original", m.head.parametrizations.weight.original)  # right_inverse set it in place: the tie's tensor
    with torch.no_grad():
        c.tensor("logits", m(idx))
    # remove_parametrizations(leave_parametrized=True): original.set_(value), the same tensor object back as the weight
    parametrize.remove_parametrizations(m.head, "weight")
    c.put("removed.state_dict_keys", " ".join(m.state_dict().keys()))
    c.put("removed.same", repr(m.head.weight is m.emb.weight))
    c.tensor("removed.weight", m.emb.weight)
    c.emit()


train()
load_two_values()
prune_tied()
parametrize_tied()
