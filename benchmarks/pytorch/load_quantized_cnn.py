"""Loads the int8 state dict that Ember's QuantizedCnn example writes into the same PyTorch model, and measures its
test accuracy on Fashion-MNIST (the example prints Ember's for the same file).

    java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.QuantizedCnn \
        --file cnn-int8.pt
    /usr/bin/python3 benchmarks/pytorch/load_quantized_cnn.py cnn-int8.pt [/usr/share/datasets/fashion-mnist]

The model is built, fused, prepared and converted as the example does (convert needs one forward through the
observers; the loaded state replaces what they saw). PyTorch 1.13's torch.load(weights_only=True) refuses quantized
tensors (2.x allows them), so the file is read with the default loader.
"""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.ao.quantization as tq

path = sys.argv[1] if len(sys.argv) > 1 else "cnn-int8.pt"
data = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
if "fbgemm" not in torch.backends.quantized.supported_engines:
    torch.backends.quantized.engine = "onednn"  # Debian's 1.13 has no FBGEMM; x86 builds of PyTorch use it
m = nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(8, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                  nn.Linear(16 * 7 * 7, 10), tq.DeQuantStub()).eval()
tq.fuse_modules(m, [["1", "2", "3"], ["5", "6", "7"]], inplace=True)
m.qconfig = tq.get_default_qconfig("x86")
tq.prepare(m, inplace=True)
with torch.no_grad():
    m(torch.zeros(1, 1, 28, 28))
tq.convert(m, inplace=True)
print(m.load_state_dict(torch.load(path)))
images = np.frombuffer(gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")).read()[16:], dtype=np.uint8)
labels = np.frombuffer(gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).read()[8:], dtype=np.uint8)
x = (torch.tensor(images.reshape(-1, 1, 28, 28), dtype=torch.float32) / 255 - 0.2860) / 0.3530
with torch.no_grad():
    predicted = m(x).argmax(1).numpy()
print("PyTorch %s, engine %s: int8 test accuracy %.4f on %d images" % (torch.__version__,
      torch.backends.quantized.engine, (predicted == labels).mean(), len(labels)))
