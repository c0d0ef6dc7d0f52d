# The records and messages of the broken-program rounds 23 and 23b (make_expected.py here and in
# ../outsiderprograms23b): expected.txt holds round 21's records ("=== program", then "key hex-float..." lines),
# messages.txt "program.label Kind: message" lines with backslash, newline and tab escaped. Imported by both
# generators; write() writes the two files and prints their count and crc.
import os
import zlib

import torch

F64 = torch.float64
OUT = []
MSGS = []
PROGRAM = [None]


def fmt(v):
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    return float(v).hex()


def program(name, seed):
    PROGRAM[0] = name
    OUT.append("=== " + name)
    torch.manual_seed(seed)


def rec(key, value):
    if torch.is_tensor(value):
        vals = value.detach().reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        vals = list(value)
    else:
        vals = [value]
    OUT.append(key + " " + " ".join(fmt(v) for v in vals))


def summary(key, t):
    v = t.detach().double()
    rec(key, [float(v.sum()), float(v.abs().sum()), float((v * v).sum())])


def summaries(model, prefix="p."):
    for k, v in model.state_dict().items():
        if v.is_floating_point():
            summary(prefix + k, v)


def grads(model, prefix="g."):
    """Each parameter's .grad: its summary, or the record 'none' (a 1-value record -1 for None)."""
    for k, p in model.named_parameters():
        if p.grad is None:
            rec(prefix + k, [-1])
        else:
            summary(prefix + k, p.grad)


def escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def message(label, kind, text):
    MSGS.append(PROGRAM[0] + "." + label + " " + kind + ": " + escape(text))


def expect_error(label, fn, rewrite=None):
    """Runs fn, which must raise; records the exception's kind and message (2.x's where rewrite gives it)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every kind is recorded by name
        kind, text = type(e).__name__, str(e)
        if rewrite is not None:
            kind, text = rewrite(kind, text)
        message(label, kind, text)
        return
    raise AssertionError(PROGRAM[0] + "." + label + " did not raise")


def write(here):
    with open(os.path.join(here, "expected.txt"), "w") as f:
        f.write("\n".join(OUT) + "\n")
    with open(os.path.join(here, "messages.txt"), "w") as f:
        f.write("\n".join(MSGS) + "\n")
    print(len(OUT), "records,", len(MSGS), "messages, crc", zlib.crc32("\n".join(OUT + MSGS).encode()))
