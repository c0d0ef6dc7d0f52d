"""The PyTorch twin of dev.ember.bench.TrainResNet: ResNet-18's layout for 32x32 images (a 3x3 stem convolution of
`width` channels, no max pooling, four stages of `blocks` BasicBlocks of width, 2x, 4x, 8x channels, stride 2 and a
1x1 strided shortcut + BatchNorm2d opening the last three, adaptive average pooling, Linear to 10), synthetic data
(randn images and randint labels drawn after the initialization from the seeded default generator, batches taken in
order, cycling), cross-entropy, SGD (momentum 0.9, weight decay 5e-4) or AdamW (weight decay 0.01):

    python3 benchmarks/pytorch/train_resnet.py [--steps 30] [--warmup 5] [--batch-size 32] [--width 64] [--blocks 2]
        [--size 32] [--threads 2] [--seed 0] [--log-every 5] [--optimizer sgd|adamw] [--lr 0.01] [--images 256]
        [--profile N] [--rows 40] [--shapes false]

The modules are built in TrainResNet's order, so the same seed gives the same weights and data (Ember's CPU generator
and initializations are PyTorch's) and the losses agree at the start. It prints the loss every `log-every` steps, the
images per second over the steps after `warmup`, and with `--profile N` torch.profiler's table over N more steps
(sorted by self CPU time, totals over the N steps; `--shapes true` groups its rows by the operands' shapes).
Needs PyTorch (Debian: python3-torch); nothing is downloaded.
"""
import argparse
import platform
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=30)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--width", type=int, default=64)
p.add_argument("--blocks", type=int, default=2)
p.add_argument("--size", type=int, default=32)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--log-every", type=int, default=5)
p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--images", type=int, default=256)
p.add_argument("--profile", type=int, default=0)
p.add_argument("--rows", type=int, default=40)
p.add_argument("--shapes", choices=["true", "false"], default="false")
a = p.parse_args()
torch.set_num_threads(a.threads)
print(f"train_resnet.py: width {a.width}, {a.blocks} blocks a stage, {a.size}x{a.size} images, batch {a.batch_size}, "
      f"{a.optimizer}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
      f"python {platform.python_version()}")


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return F.relu(out, inplace=True)


class ResNet(nn.Module):
    def __init__(self, width, blocks, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for stage in range(4):
            cout = width << stage
            layer = []
            for b in range(blocks):
                layer.append(BasicBlock(cin, cout, 2 if b == 0 and stage > 0 else 1))
                cin = cout
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layer))
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)), inplace=True)
        for stage in range(4):
            x = getattr(self, f"layer{stage + 1}")(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


torch.manual_seed(a.seed)
net = ResNet(a.width, a.blocks, 10)
images = torch.randn(a.images, 3, a.size, a.size)
labels = torch.randint(0, 10, (a.images,))
print(f"{sum(p.numel() for p in net.parameters()):,} parameters")
opt = (torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4) if a.optimizer == "sgd"
       else torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=0.01))
net.train()
batches = a.images // a.batch_size


def step(b):
    opt.zero_grad()
    x = images[b * a.batch_size:(b + 1) * a.batch_size]
    y = labels[b * a.batch_size:(b + 1) * a.batch_size]
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


t0 = None
for s in range(1, a.steps + 1):
    if s == a.warmup + 1:
        t0 = time.perf_counter()
        c0 = time.process_time()
    loss = step((s - 1) % batches)
    if s % a.log_every == 0 or s == a.steps:
        print(f"step {s:4d}  loss {loss:.4f}")
secs = time.perf_counter() - t0
cpu_ms = (time.process_time() - c0) * 1e3 / (a.steps - a.warmup)
n = a.steps - a.warmup
print(f"{n * a.batch_size / secs:.1f} images/s ({secs * 1e3 / n:.1f} ms a step; process CPU {cpu_ms:.1f} ms a step) "
      f"over steps {a.warmup + 1}-{a.steps}")
if a.profile:
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                record_shapes=a.shapes == "true") as prof:
        for s in range(a.profile):
            step((a.steps + s) % batches)
    print(f"profile of {a.profile} more steps (totals over them):")
    averages = prof.key_averages(group_by_input_shape=a.shapes == "true")
    print(averages.table(sort_by="self_cpu_time_total", row_limit=a.rows))
