# PyTorch twin of dev.ember.bench.ServingLatency: per-request wall time (median and p90 of the timed calls after a
# warm-up as long as the timed part; and the median of the calling thread's CPU time) of small models, inference under torch.inference_mode() in eval mode, the same models and shapes:
#   /usr/bin/python3 benchmarks/pytorch/serving_latency.py [--threads N] [--seconds S] [case ...]
# Cases: mlp1 mlp8 lstm1 lstm8 gru1 gru8 lstmtrain32 grutrain32 transformer1 lenet1 (all when none is named).
import sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

args = sys.argv[1:]
threads, seconds, cases = 1, 3.0, []
i = 0
while i < len(args):
    if args[i] == '--threads':
        threads = int(args[i + 1]); i += 2
    elif args[i] == '--seconds':
        seconds = float(args[i + 1]); i += 2
    else:
        cases.append(args[i]); i += 1
if not cases:
    cases = ['mlp1', 'mlp8', 'lstm1', 'lstm8', 'gru1', 'gru8', 'lstmtrain32', 'grutrain32', 'transformer1', 'lenet1']
torch.set_num_threads(threads)
torch.manual_seed(0)


class RnnClassifier(nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.emb = nn.Embedding(10000, 128)
        self.rnn = (nn.LSTM if lstm else nn.GRU)(128, 256, 2, batch_first=True)
        self.head = nn.Linear(256, 5)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.head(out[:, -1])


class LeNet(nn.Module):  # TrainLeNet.LeNet
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def inference(m, f):
    m.eval()

    def call():
        with torch.inference_mode():
            f()
    return call


def build(name):
    if name in ('mlp1', 'mlp8'):
        b = 1 if name == 'mlp1' else 8
        m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
        x = torch.randn(b, 784)
        return inference(m, lambda: m(x))
    if name in ('lstm1', 'lstm8', 'gru1', 'gru8'):
        b = 8 if name.endswith('8') else 1
        m = RnnClassifier(name.startswith('lstm'))
        tokens = torch.randint(0, 10000, (b, 64))
        return inference(m, lambda: m(tokens))
    if name in ('lstmtrain32', 'grutrain32'):
        m = RnnClassifier(name.startswith('lstm'))
        m.train()
        opt = torch.optim.Adam(m.parameters(), 1e-3)
        tokens = torch.randint(0, 10000, (32, 64))
        labels = torch.randint(0, 5, (32,))

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(m(tokens), labels)
            loss.backward()
            opt.step()
        return step
    if name == 'transformer1':
        m = nn.TransformerEncoder(nn.TransformerEncoderLayer(128, 4, 512, 0.1, batch_first=True), 2)
        x = torch.randn(1, 64, 128)
        mask = (torch.arange(64) >= 48).unsqueeze(0)
        return inference(m, lambda: m(x, src_key_padding_mask=mask))
    if name == 'lenet1':
        m = LeNet()
        x = torch.randn(1, 1, 28, 28)
        return inference(m, lambda: m(x))
    raise SystemExit('unknown case ' + name)


def timed(call):
    warm_end = time.perf_counter() + seconds
    warm = 0
    while warm < 10 or time.perf_counter() < warm_end:
        call(); warm += 1
    t, c = [], []
    end = time.perf_counter() + seconds
    while len(t) < 20 or (time.perf_counter() < end and len(t) < 100000):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        call()
        t.append((time.perf_counter() - t0) * 1e3)
        c.append((time.thread_time() - c0) * 1e3)
    t.sort(); c.sort()
    n = len(t)
    return t[n // 2], t[-(-9 * n // 10) - 1], c[n // 2], n


for c in cases:
    med, p90, cpu, n = timed(build(c))
    print('%-13s threads %d  median %9.3f ms  p90 %9.3f ms  caller CPU %9.3f ms  (%d calls)'
          % (c, torch.get_num_threads(), med, p90, cpu, n))
