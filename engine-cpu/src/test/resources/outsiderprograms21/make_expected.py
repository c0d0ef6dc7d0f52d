# Expected values for OutsiderPrograms21Test.java (outsider round 21, "one seed, no weights copied"): programs written
# as a PyTorch user writes them -- torch.manual_seed, default init (and a few nn.init calls), data from torch's random
# functions, TensorDataset + random_split + DataLoader(shuffle=True), dropout in training, .double() after
# construction -- whose every random number comes from the default generator. Nothing but the seed is shared: Ember
# replays each program from the same seed and must follow PyTorch's losses, batches and parameters (float64, 1e-12
# relative) and PyTorch's generator state (a CRC-32 of torch.get_rng_state()'s 5056 bytes) after every step.
#   run: cd engine-cpu/src/test/resources/outsiderprograms21 && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; reproducible: each program seeds first, the output is the same bytes run after run.)
# Where 1.13 and 2.x differ, the programs keep out of the way or follow 2.x:
#   - the serial normal (normal_distribution<double>: fewer than 16 values, the generator caching the pair's second
#     value in its state) takes log1p(-u2) in 2.x and log(1 - u2) in 1.13 (see ../mt19937parity/make_expected.py): no
#     program draws a normal tensor of fewer than 16 values; the toy environments draw uniform noise.
#   - 2.x's MultiheadAttention with need_weights=False (what TransformerEncoderLayer calls) runs
#     scaled_dot_product_attention, whose CPU math path with dropout scales q and k by sqrt(1/sqrt(d)) and draws the
#     same bernoulli mask over the same [N, H, L, S] probabilities that 1.13's dropout draws over [N * H, L, S]; the
#     values differ by rounding only, well inside the 1e-12 the test holds them to.
#   - Adam / AdamW / RMSprop: 1.13's and 2.x's updates are the same up to rounding in float64.
#   - torch.multinomial(p, 1, replacement=True) -- Categorical.sample() of one sample -- takes 2.x's fast path
#     ("if (!with_replacement || n_sample == 1)": q = empty_like(p).exponential_(1), argmax(p / q), one double per
#     probability; pytorch/pytorch#114945 shows 2.1 drawing other numbers than 1.10 for it); 1.13 takes the
#     with-replacement kernel (one uniform double per row). REINFORCE's actions are drawn by categorical_sample_2x,
#     2.x's steps written out (1.13's exponential_ takes log(1 - u) where 2.x takes log1p(-u): the same draws, values
#     that may differ in the last bit, which argmax does not see).
# Format: "=== program", then one record a line: "key v1 v2 ...", floats as float.hex, integers as integers.
#   loss.<step>, idx.<step> (the dataset indices of the step's batch), rng.<step> (crc32 of get_rng_state() after the
#   step), p.<name> (sum, sum of |x|, sum of x^2 of each state_dict float entry after training), and program-specific
#   records (evaluation losses, samples).
import math
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

F64 = torch.float64


def fmt(v):
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    return float(v).hex()


def rec(key, value):
    if torch.is_tensor(value):
        value = value.detach()
        vals = value.reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        vals = list(value)
    else:
        vals = [value]
    print(key + " " + " ".join(fmt(v) for v in vals))


def rng(key):
    rec(key, zlib.crc32(torch.get_rng_state().numpy().tobytes()))


def summary(key, v):
    rec(key, [v.sum().item(), v.abs().sum().item(), (v * v).sum().item()])


def summaries(model, prefix="p."):
    for k, v in model.state_dict().items():
        if v.dtype.is_floating_point:
            v = v.double()
            if k.endswith("in_proj_bias"):
                # attention's key bias adds q . b_k to every score of a query's row, which softmax cancels: its
                # gradient is rounding noise that Adam scales to lr-sized steps, so only the query and value biases
                d = v.numel() // 3
                summary(prefix + k + ".q", v[:d])
                summary(prefix + k + ".v", v[2 * d:])
            else:
                summary(prefix + k, v)


def header(name):
    print("=== " + name)


# ------------------------------------------------------------------ 1. MLP classifier: random_split, shuffled loader
def mlp():
    header("mlp")
    torch.manual_seed(0)
    X = torch.randn(120, 10, dtype=F64)
    teacher = torch.randn(10, 3, dtype=F64)
    y = (X @ teacher).argmax(1)
    ds = TensorDataset(X, y, torch.arange(120))
    train_ds, val_ds = random_split(ds, [96, 24])
    rec("val_indices", list(val_ds.indices))
    train_loader = DataLoader(train_ds, batch_size=16, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=8)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3)).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in train_loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
        model.eval()
        total, correct = 0.0, 0
        with torch.no_grad():
            for xb, yb, _ in val_loader:
                out = model(xb)
                total += F.cross_entropy(out, yb, reduction="sum").item()
                correct += int((out.argmax(1) == yb).sum())
        rec("val.%d" % epoch, [total / 24, correct])
        rng("rng.val.%d" % epoch)
    summaries(model)


# ------------------------------------------------------------------ 2. CNN: Conv2d / BatchNorm2d / Dropout2d / MaxPool
def cnn():
    header("cnn")
    torch.manual_seed(1)
    X = torch.randn(48, 1, 12, 12, dtype=F64)
    y = torch.randint(0, 4, (48,))
    # no bias before BatchNorm (as the recipes write it): the batch mean cancels it, so its gradient is rounding noise
    # that Adam would scale to lr-sized steps, and the eval mode's running statistics would carry that noise
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout2d(0.25),
        nn.Conv2d(6, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(32, 4)).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(X, y, torch.arange(48)), batch_size=12, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.nll_loss(F.log_softmax(model(xb), dim=1), yb)
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(X), y).item())
    summaries(model)


# ------------------------------------------------------------------ 3. LSTM / GRU sequence classifiers
class SeqClassifier(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        if kind == "lstm":
            self.rnn = nn.LSTM(5, 8, num_layers=2, dropout=0.3, batch_first=True)
            self.fc = nn.Linear(8, 3)
        else:
            self.rnn = nn.GRU(5, 6, num_layers=2, dropout=0.25, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(12, 3)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        if self.kind == "lstm":
            _, (h, _) = self.rnn(x)
            last = h[-1]
        else:
            _, h = self.rnn(x)
            last = torch.cat([h[-2], h[-1]], dim=1)
        return self.fc(self.drop(last))


def seq(kind, seed):
    header(kind)
    torch.manual_seed(seed)
    X = torch.randn(40, 7, 5, dtype=F64)
    y = (X[:, :, 0].sum(1) > 0).long() + (X[:, :, 1].sum(1) > 1).long()
    model = SeqClassifier(kind).double()
    if kind == "lstm":
        opt = torch.optim.Adam(model.parameters(), lr=0.005)
    else:
        opt = torch.optim.RMSprop(model.parameters(), lr=0.003)
    loader = DataLoader(TensorDataset(X, y, torch.arange(40)), batch_size=10, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(X), y).item())
    summaries(model)


# ------------------------------------------------------------------ 4. Transformer encoder classifier
class TinyTransformer(nn.Module):
    def __init__(self, vocab=20, d=16, seq_len=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, seq_len, d))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 32, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, 2)

    def forward(self, tokens):
        pad = tokens == 0
        h = self.emb(tokens) * math.sqrt(16) + self.pos
        h = self.encoder(h, src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        pooled = (h * keep).sum(1) / keep.sum(1)
        return self.head(pooled)


def transformer():
    header("transformer")
    torch.manual_seed(3)
    tokens = torch.randint(1, 20, (32, 9))
    lengths = torch.randint(4, 10, (32,))
    tokens[torch.arange(9).unsqueeze(0) >= lengths.unsqueeze(1)] = 0
    y = (tokens[:, 0] > 10).long()
    model = TinyTransformer().double()
    opt = torch.optim.AdamW(model.parameters(), lr=0.003)
    loader = DataLoader(TensorDataset(tokens, y, torch.arange(32)), batch_size=8, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for tb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(tb), yb, label_smoothing=0.1)
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(tokens), y).item())
    summaries(model)


# ------------------------------------------------------------------ 5. text classification: EmbeddingBag + Embedding
class TextModel(nn.Module):
    """The text-classification tutorial's model (EmbeddingBag mean, init_weights' uniform_), with an Embedding branch
    (default normal init) max-pooled per text."""

    def __init__(self, vocab, dim, classes):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocab, dim)
        self.emb = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(2 * dim, classes)
        self.init_weights()

    def init_weights(self):
        r = 0.5
        self.bag.weight.data.uniform_(-r, r)
        self.fc.weight.data.uniform_(-r, r)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        bag = self.bag(text, offsets)
        e = self.emb(text)
        bounds = offsets.tolist() + [text.numel()]
        pooled = torch.stack([e[bounds[i]:bounds[i + 1]].max(0).values for i in range(len(offsets))])
        return self.fc(torch.cat([bag, F.dropout(pooled, 0.3, self.training)], 1))


def collate_batch(batch):
    labels, texts, offsets, ids = [], [], [0], []
    for label, text, i in batch:
        labels.append(label)
        texts.append(text)
        offsets.append(text.numel())
        ids.append(i)
    return (torch.tensor(labels), torch.cat(texts), torch.tensor(offsets[:-1]).cumsum(0), torch.tensor(ids))


def text():
    header("text")
    torch.manual_seed(4)
    samples = []
    for i in range(30):
        n = int(torch.randint(3, 9, (1,)))
        t = torch.randint(0, 25, (n,))
        samples.append((int(t[0] % 4), t, i))
    train_ds, test_ds = random_split(samples, [24, 6])
    model = TextModel(25, 8, 4).double()
    opt = torch.optim.SGD(model.parameters(), lr=2.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    loader = DataLoader(train_ds, batch_size=6, shuffle=True, collate_fn=collate_batch)
    step = 0
    for epoch in range(3):
        model.train()
        for label, t, offsets, ids in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(t, offsets), label)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            rec("idx.%d" % step, ids)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
        sched.step()
    model.eval()
    with torch.no_grad():
        label, t, offsets, ids = collate_batch(list(test_ds))
        rec("test_ids", ids)
        rec("eval", F.cross_entropy(model(t, offsets), label).item())
    summaries(model)


# ------------------------------------------------------------------ 6. VAE: randn_like in the forward
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.fc21 = nn.Linear(16, 4)
        self.fc22 = nn.Linear(16, 4)
        self.fc3 = nn.Linear(4, 16)
        self.fc4 = nn.Linear(16, 20)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def vae():
    header("vae")
    torch.manual_seed(5)
    X = (torch.rand(64, 20, dtype=F64) < 0.3).double()
    model = VAE().double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(X, torch.arange(64)), batch_size=16, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, ib in loader:
            opt.zero_grad()
            recon, mu, logvar = model(xb)
            bce = F.binary_cross_entropy(recon, xb, reduction="sum")
            kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = bce + kld
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, [loss.item(), bce.item(), kld.item()])
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        sample = model.decode(torch.randn(8, 4, dtype=F64))
        rec("sample", sample)
        rng("rng.sample")
    summaries(model)


# ------------------------------------------------------------------ 7. mixture density network: exact samples
class MDN(nn.Module):
    def __init__(self, k=3, d=2, hidden=16):
        super().__init__()
        self.k, self.d = k, d
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Dropout(0.1))
        self.pi = nn.Linear(hidden, k)
        self.mu = nn.Linear(hidden, k * d)
        self.sigma = nn.Linear(hidden, k * d)

    def forward(self, x):
        h = self.net(x)
        mix = torch.distributions.Categorical(logits=self.pi(h))
        comp = torch.distributions.Independent(torch.distributions.Normal(
            self.mu(h).view(-1, self.k, self.d), F.softplus(self.sigma(h)).view(-1, self.k, self.d) + 1e-3), 1)
        return torch.distributions.MixtureSameFamily(mix, comp)


def mdn():
    header("mdn")
    torch.manual_seed(6)
    x = torch.rand(100, 1, dtype=F64) * 2 - 1
    y = torch.cat([torch.sin(3 * x), torch.cos(2 * x)], 1) + 0.1 * torch.randn(100, 2, dtype=F64)
    model = MDN().double()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(8):
        model.train()
        opt.zero_grad()
        loss = -model(x).log_prob(y).mean()
        loss.backward()
        opt.step()
        rec("loss.%d" % step, loss.item())
        rng("rng.%d" % step)
    model.eval()
    with torch.no_grad():
        xt = torch.linspace(-1, 1, 5, dtype=F64).unsqueeze(1)
        g = model(xt)
        s = g.sample((4,))
        rec("sample", s)
        rng("rng.sample")
        rec("sample_lp", g.log_prob(s))
        mix_only = g.mixture_distribution.sample((6,))
        rec("mix_sample", mix_only)
        rng("rng.mix_sample")
    summaries(model)


# ------------------------------------------------------------------ 8. DCGAN: weights_init, noise vectors
nz = 8


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
            nn.ConvTranspose2d(16, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, 16, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(16, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x)


def dcgan():
    header("dcgan")
    torch.manual_seed(7)
    real_data = torch.tanh(torch.randn(32, 1, 8, 8, dtype=F64))
    netG = Generator().double()
    netG.apply(weights_init)  # float64 normal_ after .double()
    netD = Discriminator()
    netD.apply(weights_init)  # float32 normal_ (the tutorial's order), then .double()
    netD = netD.double()
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(16, nz, 1, 1, dtype=F64)
    optD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    loader = DataLoader(TensorDataset(real_data), batch_size=8, shuffle=True)
    step = 0
    for epoch in range(2):
        for (real,) in loader:
            netD.zero_grad()
            b = real.size(0)
            label = torch.full((b,), 1.0, dtype=F64)
            output = netD(real).view(-1)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()
            noise = torch.randn(b, nz, 1, 1, dtype=F64)
            fake = netG(noise)
            label.fill_(0.0)
            output = netD(fake.detach()).view(-1)
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optD.step()
            netG.zero_grad()
            label.fill_(1.0)
            output = netD(fake).view(-1)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optG.step()
            rec("loss.%d" % step, [errD.item(), errG.item(), D_x, D_G_z1, D_G_z2])
            rng("rng.%d" % step)
            step += 1
    with torch.no_grad():
        fake = netG(fixed_noise)
        rec("fixed", [fake.sum().item(), fake.abs().sum().item(), (fake * fake).sum().item()])
    summaries(netG, "pG.")
    summaries(netD, "pD.")


# ------------------------------------------------------------------ 9. REINFORCE: Categorical sampling, dropout policy
class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 32)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(32, 2)

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        return F.softmax(self.affine2(x), dim=1)


def env_reset():
    return [v * 0.1 - 0.05 for v in torch.rand(4, dtype=F64).tolist()]


def env_step(s, action):
    """A cart-pole-like toy: plain float arithmetic on the state (exact in Java's doubles too), uniform noise."""
    push = 1.0 if action == 1 else -1.0
    noise = torch.rand(4, dtype=F64).tolist()
    x, v, th, w = s
    x2 = x + 0.1 * v
    v2 = v + 0.1 * push - 0.05 * th
    th2 = th + 0.1 * w
    w2 = w + 0.3 * th - 0.05 * push
    s2 = [x2 + 0.01 * (noise[0] - 0.5), v2 + 0.01 * (noise[1] - 0.5), th2 + 0.01 * (noise[2] - 0.5),
          w2 + 0.01 * (noise[3] - 0.5)]
    done = abs(s2[0]) > 0.6 or abs(s2[2]) > 0.2
    return s2, 1.0, done


def categorical_sample_2x(probs):
    """2.x's Categorical(probs).sample() for one sample: multinomial(probs_2d, 1, True)'s fast path, transposed."""
    probs_2d = probs.reshape(-1, probs.size(-1))
    q = torch.empty_like(probs_2d).exponential_(1)
    return torch.argmax(probs_2d / q, dim=-1, keepdim=True).T.reshape(probs.shape[:-1])


def reinforce():
    header("reinforce")
    torch.manual_seed(8)
    policy = Policy().double()
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
    eps = 2.0 ** -23  # the example's np.finfo(np.float32).eps.item()
    gamma = 0.99
    for episode in range(6):
        state = env_reset()
        log_probs, rewards, actions = [], [], []
        for t in range(40):
            probs = policy(torch.tensor([state], dtype=F64))
            m = torch.distributions.Categorical(probs)
            action = categorical_sample_2x(m.probs)  # m.sample() in 2.x, see the header
            log_probs.append(m.log_prob(action))
            actions.append(int(action))
            state, reward, done = env_step(state, int(action))
            rewards.append(reward)
            rng("rng.%d.%d" % (episode, t))
            if done:
                break
        R = 0.0
        returns = []
        for r in rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns, dtype=F64)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_loss = torch.cat([-lp * Rt for lp, Rt in zip(log_probs, returns)]).sum()
        optimizer.zero_grad()
        policy_loss.backward()
        optimizer.step()
        rec("actions.%d" % episode, actions)
        rec("loss.%d" % episode, policy_loss.item())
        rng("rng.%d" % episode)
    summaries(policy)
    # one sample of several rows at once: one exponential draw per probability, row after row
    rec("one_sample_rows", categorical_sample_2x(torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], dtype=F64)))
    rng("rng.one_sample_rows")


# ------------------------------------------------------------------ 10. word language model (pytorch/examples)
class RNNModel(nn.Module):
    """word_language_model/model.py's RNNModel (LSTM, tied weights, init_weights' uniform_)."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


def markov_corpus(trans, n):
    """Tokens of a Markov chain: each next token torch.multinomial(row, 1) (no replacement: the fast path in 1.13
    and 2.x alike)."""
    tokens = [int(torch.randint(0, trans.size(0), (1,)))]
    for _ in range(n - 1):
        tokens.append(int(torch.multinomial(trans[tokens[-1]], 1)))
    return torch.tensor(tokens)


def wordlm():
    header("wordlm")
    torch.manual_seed(9)
    ntokens = 30
    trans = torch.rand(ntokens, ntokens, dtype=F64).pow(4)
    train_data = batchify(markov_corpus(trans, 402), 4)
    val_data = batchify(markov_corpus(trans, 82), 2)
    rec("corpus", [int(train_data.sum()), int(val_data.sum())])
    rng("rng.corpus")
    model = RNNModel(ntokens, 16, 16, 2, dropout=0.2, tie_weights=True).double()
    criterion = nn.NLLLoss()
    lr, bptt, clip = 20.0, 10, 0.25
    step = 0
    for epoch in range(2):
        model.train()
        hidden = model.init_hidden(4)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i, bptt)
            model.zero_grad()
            hidden = tuple(h.detach() for h in hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
        model.eval()
        total = 0.0
        hidden = model.init_hidden(2)
        with torch.no_grad():
            for i in range(0, val_data.size(0) - 1, bptt):
                data, targets = get_batch(val_data, i, bptt)
                output, hidden = model(data, hidden)
                total += len(data) * criterion(output, targets).item()
        rec("val.%d" % epoch, total / (len(val_data) - 1))
        lr /= 4.0
    # generate.py
    hidden = model.init_hidden(1)
    inp = torch.randint(ntokens, (1, 1), dtype=torch.long)
    words = []
    with torch.no_grad():
        for i in range(25):
            output, hidden = model(inp, hidden)
            word_weights = output.squeeze().div(0.8).exp().cpu()
            word_idx = torch.multinomial(word_weights, 1)[0]
            inp.fill_(word_idx)
            words.append(int(word_idx))
    rec("generated", words)
    rng("rng.generated")
    summaries(model)


# ------------------------------------------------------------------ 11. augmentation + WeightedRandomSampler + ResNet init
class AugData(torch.utils.data.Dataset):
    """torchvision's RandomCrop(8, padding=2) then RandomHorizontalFlip() written out with their draws
    (get_params' torch.randint(0, h - th + 1, size=(1,)).item() for top then left, torch.rand(1) < p)."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        img = F.pad(self.X[i], (2, 2, 2, 2))
        top = torch.randint(0, 12 - 8 + 1, size=(1,)).item()
        left = torch.randint(0, 12 - 8 + 1, size=(1,)).item()
        img = img[:, top:top + 8, left:left + 8]
        if torch.rand(1) < 0.5:
            img = img.flip(-1)
        return img, self.y[i], i


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(8)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 3)
        for m in self.modules():  # torchvision's ResNet init
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def augment(name="augment", seed=10, workers=0):
    """workers > 0: the same program with the augmentation drawn in DataLoader workers, each seeded
    base_seed + worker_id by torch.utils.data, the batches handed out in turn."""
    header(name)
    torch.manual_seed(seed)
    X = torch.randn(36, 1, 8, 8, dtype=F64)
    y = torch.cat([torch.zeros(20, dtype=torch.long), torch.ones(10, dtype=torch.long), torch.full((6,), 2)])
    counts = torch.bincount(y).double()
    weights = (1.0 / counts)[y]
    sampler = torch.utils.data.WeightedRandomSampler(weights, num_samples=48, replacement=True)
    loader = DataLoader(AugData(X, y), batch_size=12, sampler=sampler, num_workers=workers)
    model = TinyResNet().double()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
        sched.step()
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(X), y).item())
    summaries(model)


# ------------------------------------------------------------------ 12. DDPM: randint timesteps, randn_like noise, sampling
class Denoiser(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 64), nn.SiLU(), nn.Linear(64, 64), nn.SiLU(), nn.Linear(64, 2))

    def forward(self, x, t):
        return self.net(torch.cat([x, t.unsqueeze(1)], 1))


def ddpm():
    header("ddpm")
    torch.manual_seed(11)
    T = 50
    betas = torch.linspace(1e-4, 0.05, T, dtype=F64)
    alphas = 1 - betas
    abar = torch.cumprod(alphas, 0)
    theta = torch.rand(256, dtype=F64) * 3 * math.pi
    x0 = torch.stack([theta.cos() * theta, theta.sin() * theta], 1) / 10
    model = Denoiser().double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x0, torch.arange(256)), batch_size=64, shuffle=True)
    step = 0
    for epoch in range(2):
        for xb, ib in loader:
            t = torch.randint(0, T, (xb.size(0),))
            noise = torch.randn_like(xb)
            a = abar[t].unsqueeze(1)
            xt = a.sqrt() * xb + (1 - a).sqrt() * noise
            loss = F.mse_loss(model(xt, t.double() / T), noise)
            opt.zero_grad()
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    with torch.no_grad():
        x = torch.randn(16, 2, dtype=F64)
        for t in reversed(range(T)):
            z = torch.randn_like(x) if t > 0 else torch.zeros_like(x)
            eps = model(x, torch.full((16,), t / T, dtype=F64))
            x = (x - betas[t] / (1 - abar[t]).sqrt() * eps) / alphas[t].sqrt() + betas[t].sqrt() * z
        rec("sample", x)
        rng("rng.sample")
    summaries(model)


# ------------------------------------------------------------------ 13. ViT: trunc_normal_ init, DropPath, attention dropout
class DropPath(nn.Module):
    """timm's drop_path: one bernoulli_(keep) per sample, scaled by 1 / keep."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = 1 - self.p
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        random_tensor = x.new_empty(shape).bernoulli_(keep)
        if keep > 0.0:
            random_tensor.div_(keep)
        return x * random_tensor


class Block(nn.Module):
    def __init__(self, dim, heads, drop_path):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=0.1, batch_first=True)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(0.1), nn.Linear(2 * dim, dim),
                                 nn.Dropout(0.1))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.drop_path(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop_path(self.mlp(self.norm2(x)))


class ViT(nn.Module):
    def __init__(self, dim=12, depth=2, classes=3):
        super().__init__()
        self.patch_embed = nn.Conv2d(1, dim, 4, 4)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 5, dim))
        self.pos_drop = nn.Dropout(0.1)
        dpr = [x.item() for x in torch.linspace(0, 0.2, depth)]  # float32 rates, as timm computes them
        self.blocks = nn.ModuleList([Block(dim, 2, dpr[i]) for i in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.pos_drop(x + self.pos_embed)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x)[:, 0])


def vit():
    header("vit")
    torch.manual_seed(13)
    X = torch.randn(40, 1, 8, 8, dtype=F64)
    y = torch.randint(0, 3, (40,))
    model = ViT().double()
    rng("rng.init")  # the init's draws: out_proj, a Linear subclass, is trunc_normal_'d by _init_weights too
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loader = DataLoader(TensorDataset(X, y, torch.arange(40)), batch_size=10, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(X), y).item())
    summaries(model)


# ------------------------------------------------------------------ 14. categorical VAE: gumbel_softmax in the forward
class GumbelVAE(nn.Module):
    def __init__(self, n=3, k=4):
        super().__init__()
        self.n, self.k = n, k
        self.fc1 = nn.Linear(20, 32)
        self.fc2 = nn.Linear(32, n * k)
        self.fc3 = nn.Linear(n * k, 32)
        self.fc4 = nn.Linear(32, 20)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x, temp, hard):
        q = self.fc2(F.relu(self.fc1(x))).view(-1, self.n, self.k)
        z = F.gumbel_softmax(q, tau=temp, hard=hard).view(-1, self.n * self.k)
        return self.decode(z), F.softmax(q, dim=-1)


def gumbel():
    header("gumbel")
    torch.manual_seed(15)
    X = (torch.rand(64, 20, dtype=F64) < 0.4).double()
    model = GumbelVAE().double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(X, torch.arange(64)), batch_size=16, shuffle=True)
    temp = 1.0
    step = 0
    for epoch in range(2):
        model.train()
        for xb, ib in loader:
            opt.zero_grad()
            recon, qy = model(xb, temp, hard=epoch == 1)  # straight-through in the second epoch
            bce = F.binary_cross_entropy(recon, xb, reduction="sum") / xb.size(0)
            kld = torch.sum(qy * torch.log(qy * model.k + 1e-20), dim=-1).mean()
            loss = bce + kld
            loss.backward()
            opt.step()
            temp = max(temp * math.exp(-0.03 * step), 0.5)
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, [loss.item(), bce.item(), kld.item(), temp])
            rng("rng.%d" % step)
            step += 1
    model.eval()
    with torch.no_grad():
        ind = torch.randint(model.k, (8, model.n))
        z = F.one_hot(ind, model.k).view(8, model.n * model.k).double()
        rec("sample", model.decode(z))
        rng("rng.sample")
    summaries(model)


# ------------------------------------------------------------------ 15. RealNVP: MultivariateNormal base, sampling
class Coupling(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.s = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
        self.t = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        xm = x * self.mask
        s = self.s(xm) * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        return xm + (1 - self.mask) * (x * torch.exp(s) + t), s.sum(1)

    def inverse(self, y):
        ym = y * self.mask
        s = self.s(ym) * (1 - self.mask)
        t = self.t(ym) * (1 - self.mask)
        return ym + (1 - self.mask) * (y - t) * torch.exp(-s)


class RealNVP(nn.Module):
    def __init__(self):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
        self.layers = nn.ModuleList([Coupling(m) for m in masks])

    def log_prob(self, x, base):
        logdet = torch.zeros(x.size(0), dtype=x.dtype)
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return base.log_prob(x) + logdet

    def sample(self, n, base):
        z = base.sample((n,))
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def flow():
    header("flow")
    torch.manual_seed(16)
    a = torch.rand(200, dtype=F64) * math.pi
    b = (torch.rand(200, dtype=F64) < 0.5).double()
    x = torch.stack([a.cos() + b - 0.5, (a.sin() - 0.25) * (1 - 2 * b)], 1) + 0.05 * torch.randn(200, 2, dtype=F64)
    model = RealNVP().double()
    base = torch.distributions.MultivariateNormal(torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    loader = DataLoader(TensorDataset(x, torch.arange(200)), batch_size=50, shuffle=True)
    step = 0
    for epoch in range(2):
        for xb, ib in loader:
            opt.zero_grad()
            loss = -model.log_prob(xb, base).mean()
            loss.backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    with torch.no_grad():
        s = model.sample(64, base)
        rec("sample", [s.sum().item(), s.abs().sum().item(), (s * s).sum().item()])
        rec("sample_head", s[:4])
        rng("rng.sample")
    summaries(model)


# ------------------------------------------------------------------ 16. Bayes by backprop: weights sampled per forward
class BayesLinear(nn.Module):
    """Weights Normal(mu, softplus(rho)), rsample'd at every forward; the bias sampled too where sample_bias (layers of
    16 or more outputs: smaller normal draws take the serial path, see the header)."""

    def __init__(self, i, o, sample_bias=True):
        super().__init__()
        self.w_mu = nn.Parameter(torch.empty(o, i).uniform_(-0.2, 0.2))
        self.w_rho = nn.Parameter(torch.empty(o, i).uniform_(-5, -4))
        self.b_mu = nn.Parameter(torch.empty(o).uniform_(-0.2, 0.2))
        self.b_rho = nn.Parameter(torch.empty(o).uniform_(-5, -4))
        self.sample_bias = sample_bias

    def posteriors(self):
        return (torch.distributions.Normal(self.w_mu, F.softplus(self.w_rho)),
                torch.distributions.Normal(self.b_mu, F.softplus(self.b_rho)))

    def forward(self, x):
        qw, qb = self.posteriors()
        w = qw.rsample()
        b = qb.rsample() if self.sample_bias else self.b_mu
        return F.linear(x, w, b)

    def kl(self):
        prior = torch.distributions.Normal(0.0, 1.0)
        qw, qb = self.posteriors()
        kl = torch.distributions.kl_divergence(qw, prior).sum()
        return kl + torch.distributions.kl_divergence(qb, prior).sum() if self.sample_bias else kl


def bayes():
    header("bayes")
    torch.manual_seed(19)
    x = torch.linspace(-2, 2, 64, dtype=F64).unsqueeze(1)
    y = x.pow(3) / 4 + 0.1 * torch.randn(64, 1, dtype=F64)
    l1 = BayesLinear(1, 32)
    l2 = BayesLinear(32, 1, sample_bias=False)
    model = nn.Sequential(l1, nn.ReLU(), l2).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(10):
        opt.zero_grad()
        nll = F.mse_loss(model(x), y, reduction="sum") / (2 * 0.1 ** 2)
        kl = l1.kl() + l2.kl()
        loss = (nll + kl) / 64
        loss.backward()
        opt.step()
        rec("loss.%d" % step, [loss.item(), nll.item(), kl.item()])
        rng("rng.%d" % step)
    with torch.no_grad():
        preds = torch.stack([model(x) for _ in range(8)])
        rec("pred", [preds.mean(0).sum().item(), preds.std(0).sum().item()])
        rng("rng.pred")
    summaries(model)


mlp()
cnn()
seq("lstm", 2)
seq("gru", 12)
transformer()
text()
vae()
mdn()
dcgan()
reinforce()
wordlm()
augment()
augment("augment_workers", 17, 2)
ddpm()
vit()
gumbel()
flow()
bayes()


# a data set drawing from the default generator in DataLoader workers: each worker's is seeded base_seed + id, or
# by its worker_init_fn's torch.manual_seed
class DefaultDraws(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return torch.rand(1, dtype=F64)[0] + 10 * torch.utils.data.get_worker_info().id


def worker_init(wid):
    torch.manual_seed(100 + wid)


header("workers")
for name, init_fn in (("plain", None), ("init_fn", worker_init)):
    torch.manual_seed(18)
    dl = DataLoader(DefaultDraws(), batch_size=2, num_workers=2, worker_init_fn=init_fn)
    rec(name, torch.cat([b for b in dl] + [torch.rand(1, dtype=F64)]))
# float32 erfinv (trunc_normal_'s step) bit for bit: PyTorch's calc_erfinv(float) calls the C library's erff (glibc
# 2.36 here: fdlibm's float erf; glibc 2.41+ ships a correctly rounded one, which would change some last bits)
header("erfinv_f32")
torch.manual_seed(14)
u = torch.rand(1000) * 2 - 1
rec("x", torch.erfinv(u))
