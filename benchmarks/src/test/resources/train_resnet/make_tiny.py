"""Writes tiny_twin.txt for TrainResNetTest: the losses of benchmarks/pytorch/train_resnet.py (PyTorch, the twin of
dev.ember.bench.TrainResNet) at a tiny size, 4 steps. Ember builds the same modules in the same order from PyTorch's
CPU generator, so the test expects the same losses (to the printed 4 decimals). Run from the repository root:

    /usr/bin/python3 benchmarks/src/test/resources/train_resnet/make_tiny.py

Generated with torch 1.13 (CPU); nothing in this network differs between 1.13 and 2.x.
"""
import pathlib
import subprocess
import sys

ARGS = ["--width", "8", "--blocks", "1", "--size", "8", "--images", "8", "--batch-size", "4", "--steps", "4",
        "--warmup", "1", "--log-every", "1", "--threads", "1"]
here = pathlib.Path(__file__).resolve().parent
out = subprocess.run([sys.executable, str(here.parents[3] / "pytorch" / "train_resnet.py"), *ARGS], check=True,
                     capture_output=True, text=True).stdout
lines = [" ".join(ARGS)] + [line for line in out.splitlines() if line.startswith("step ")]
(here / "tiny_twin.txt").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
