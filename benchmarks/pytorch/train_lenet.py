"""The PyTorch twin of Ember's main job, dev.ember.bench.TrainLeNet: the same network (note 000's LeNet, conv1 padded
by 2), data (Fashion-MNIST from Debian's dataset-fashion-mnist, normalized by the training set's mean and std),
optimizer (SGD, lr 0.02, momentum 0.9), batch (64, reshuffled each epoch, last partial batch kept) and evaluation
(test accuracy after each epoch, batches of 1000), printing the same lines, so the two runs' images/s compare:

    python3 benchmarks/pytorch/train_lenet.py [--epochs 3] [--batch-size 64] [--lr 0.02] [--threads 2]

The images/s of an epoch counts the training loop only (as TrainLeNet's "epoch N: S s (R images/s)"), not the
evaluation. Needs PyTorch (Debian: python3-torch); nothing is downloaded.
"""
import argparse
import gzip
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--batch-size", type=int, default=64)
p.add_argument("--lr", type=float, default=0.02)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
torch.set_num_threads(args.threads)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(name):
    return torch.from_numpy(idx(f"{args.data}/{name}").astype(np.float32) / 255.0).unsqueeze(1)


def labels(name):
    return torch.from_numpy(idx(f"{args.data}/{name}").astype(np.int64))


x_train, y_train = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
mean, std = x_train.mean().item(), x_train.std().item()
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
print(f"train {x_train.size(0)} images, test {x_test.size(0)} images")


class LeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(400, 120), torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x.flatten(1))))))


torch.manual_seed(0)
net = LeNet()
opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
n, batch = x_train.size(0), args.batch_size
steps = (n + batch - 1) // batch
for epoch in range(1, args.epochs + 1):
    net.train()
    t0 = time.perf_counter()
    window_start, window_seen, window_loss, window_steps = t0, 0, 0.0, 0
    order = torch.randperm(n)
    for step in range(1, steps + 1):
        idx_b = order[(step - 1) * batch:step * batch]
        xb, yb = x_train[idx_b], y_train[idx_b]
        opt.zero_grad()
        loss = F.cross_entropy(net(xb), yb)
        loss.backward()
        opt.step()
        window_loss += loss.item()
        window_steps += 1
        window_seen += yb.size(0)
        if step % 200 == 0 or step == steps:
            secs = time.perf_counter() - window_start
            print(f"epoch {epoch}  batch {step:4d}/{steps}  loss {window_loss / window_steps:.4f}  "
                  f"{window_seen / secs:.0f} images/s")
            window_start, window_seen, window_loss, window_steps = time.perf_counter(), 0, 0.0, 0
    secs = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        correct = sum((net(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                      for i in range(0, x_test.size(0), 1000))
    acc = correct / x_test.size(0)
    print(f"epoch {epoch}: {secs:.1f} s ({n / secs:.0f} images/s), test accuracy {acc:.4f}")
print(f"test accuracy: {acc:.4f}")
