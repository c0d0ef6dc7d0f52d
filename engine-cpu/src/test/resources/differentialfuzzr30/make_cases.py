"""Differential fuzz round 30: random valid checkpoint files, torch.save's and safetensors', and what PyTorch reads.

Run with PyTorch (1.13 here): /usr/bin/python3 make_cases.py [seed]  (seed 30 by default; FUZZ_SEED in the
environment overrides it, for a local hunt that writes into a scratch copy of this folder). DifferentialFuzzR30Test
replays every file through Ember's readers (TorchSerialization.load, Safetensors.load/loadMetadata) and compares
everything below; it needs no Python.

What it writes (all tensors tiny, so the committed data stay small):
- pt/NNN.pt: torch.save of a random object that torch.load(weights_only=True) accepts: dict, OrderedDict (some with
  a state dict's _metadata), list, tuple, int (small, negative, beyond 64 bits), float (random bits: NaN payloads,
  infinities, -0.0, subnormals), bool, str (unicode: accents, CJK, emoji, long keys, JSON-like escapes), None,
  torch.Size, torch.dtype, bytes, bytearray, set, collections.Counter, nn.Parameter (requires_grad true and false), tensors requiring grad, nested to depth 3,
  dict keys str or int. Tensors of every dtype Ember reads from these files (float16, bfloat16, float32, float64, int8,
  int16, int32, int64, uint8, bool, complex64, complex128; elements random bit patterns), 0-dim, empty, contiguous,
  transposed / permuted, sliced with steps and offsets, expanded (stride 0), as_strided with overlapping strides,
  several views of one storage at different offsets (PyTorch writes the storage once; the loaded tensors must share
  it: writing one shows in the others), 0-dim and empty views at an offset. Pickle protocol 2 (torch.save's default)
  and 3 (accepted: 2.x's weights-only unpickler warns but reads it).
- pt/rNNN.pt: files the weights-only loader must refuse, and the fragment of PyTorch 2.x's message Ember must give:
  a global outside the allow-list (a function, a class of __main__, a whole nn.Module, a NumPy array, and b"",
  which protocol 2 pickles as bytes(), a global 2.x does not allow), pickle_protocol 4 and 5 (their FRAME opcode:
  2.x's "Unsupported operand 149") and protocol 3's bytes (SHORT_BINBYTES: "Unsupported operand 67").
  pt/rNNN.pt also holds four files in the legacy format (_use_new_zipfile_serialization=False), which 2.x's
  weights-only load reads (_legacy_load): since session 52 Ember reads them too, so they are load cases (what
  torch.load gives, as for pt/NNN.pt; never resaved: Ember writes the zip format). Until then they were refusals.
  A second run writes the same bytes except in these legacy files, whose storage keys are Python object ids.
- st/NNN.safetensors: random valid safetensors files written by hand from the format's specification (1.13 has no
  safetensors package; as safetensors/make_files.py does): dtypes F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL C64, 0-dim
  and empty tensors, unicode and escaped names, __metadata__ (0-3 entries, anywhere in the header), header keys and
  fields in random order, the data in a random order (tiling the data area), JSON written ASCII-escaped or as raw
  UTF-8, compact or spaced, padded with spaces.
  st/NNN.ref.safetensors: the reference writer's bytes for the same tensors and metadata (at most one metadata entry:
  the reference serializes a HashMap, so the order of several is not fixed), which Safetensors.saveBytes must equal.
- cases.txt: for each file what PyTorch reads (below).
- fixes/*.pt and fixes.txt (the same format): one small file for each difference this round found, for
  FuzzRound30FixesTest: a complex nn.Parameter requiring grad (Ember refused it), empty tuples (read as lists),
  a bytearray as Python 3.8+ pickles one below protocol 5, bytearray(bytes) (Ember refused it).

Where 2.x differs from 1.13 and what is emulated:
- torch.load(weights_only=True): 1.13's restricted unpickler lacks opcodes 2.x's reads (BINFLOAT, a Python float:
  1.13 says "Unsupported operand 71"), so the generator reads the valid files with the full unpickler; every global
  they name (OrderedDict, torch.Size, dtypes, _rebuild_tensor_v2, _rebuild_parameter, storages) is on 2.x's list.
  1.13's restricted unpickler words refusals "Unsupported class ..."; 2.x says
  "Unsupported global: GLOBAL <module.name> was not an allowed global by default." (builtins' names without the
  module), which is recorded (emulated from 2.x's _weights_only_unpickler.py). Both refuse protocol 4/5's FRAME as
  "Unsupported operand 149". 2.x also accepts the legacy format, see above. The values read are the same.
- torch.save: 2.x adds records (byteorder, .data/serialization_id, ...) to the archive; Ember's save writes 1.13's
  records (TorchSerializationTest holds it to 1.13's bytes), so the resave check (load a file with Ember, save what it
  read, compare with the file byte for byte) is 1.13's bytes, and only for files Ember can express as it read them:
  no torch.Size (Ember reads it as a tuple), no Parameter (read as a tensor requiring grad), no bytearray (read as
  bytes), set (written back in Ember's order) or Counter (read as a dict).

cases.txt, one file per case ("=== ID KIND FILE", DifferentialFuzzR6Test's case format): "=== pNNN load FILE",
"proto P resave 0|1", then the object in preorder, one node a line; "=== rNNN refuse FILE", "message HEX" (UTF-8 of
the fragment Ember's message must hold); "=== sNNN safetensors FILE", "ref 0|1" (whether FILE's .ref twin exists),
then the metadata and the tensors in the header's order. Nodes:
  D n / O n (dict / OrderedDict, then n keys and values in order), L n, T n, S n (torch.Size), I dec, F hexbits
  (double's raw bits), B 0|1, N, U hex (the string's UTF-16 code units, 4 hex digits each; "-" when empty),
  Y dtype, Z hex (bytes or bytearray), E n (a set of ints, then its n items in ascending order), A k (the same object as the one whose node is the k-th line after "proto", counting from 0: a tensor,
  dict, list or non-empty tuple the file holds twice), V hexprefix version (after an O line: its _metadata, a state
  dict's module versions), X dtype shape stride offset requires_grad storage_id storage_numel values
  (shape/stride comma lists or "-", values the elements in logical order as signed integers of their bit patterns:
  floats as int16/int32/int64 of their bits, complex as two of them per element, bool 0/1; "-" when empty;
  storage_id numbers the storages in order of appearance; storage_numel in the dtype's elements).
  Safetensors: "M hexkey hexvalue" (UTF-8 hex), "X hexname DTYPE shape values" as above.
"""
import collections
import io
import json
import numpy
import os
import random
import struct
import sys

import torch

SEED = int(os.environ.get("FUZZ_SEED", sys.argv[1] if len(sys.argv) > 1 else 30))
HERE = os.path.dirname(os.path.abspath(__file__))
N_PT, N_ST = 170, 70

rng = random.Random(SEED)
torch.manual_seed(SEED)

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16, torch.int32,
          torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128]
BITS = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float32: torch.int32,
        torch.float64: torch.int64, torch.complex64: torch.int32, torch.complex128: torch.int64}
NAMES = {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32", torch.float64: "float64",
         torch.int8: "int8", torch.int16: "int16", torch.int32: "int32", torch.int64: "int64", torch.uint8: "uint8",
         torch.bool: "bool", torch.complex64: "complex64", torch.complex128: "complex128"}
FLOATING = (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128)

WORDS = ["weight", "bias", "running_mean", "layer", "encoder.block", "w\u00e9ight", "\u6743\u91cd", "\U0001F600",
         "caf\u00e9 \"q\" \\ /", "tab\tnew\nline", "a" * 300, "", "\u0301combining", "\u00ff\u0100", "key.with.dots",
         "\uffff", "\u2028sep", "0", "_metadata"]


def rand_str():
    r = rng.random()
    if r < 0.5:
        return rng.choice(WORDS) + ("" if rng.random() < 0.5 else ".%d" % rng.randrange(100))
    n = rng.randrange(0, 12)
    pool = [(0x20, 0x7e), (0xa0, 0x2ff), (0x4e00, 0x4fff), (0x1f300, 0x1f6ff), (0x1, 0x1f)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(pool)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def rand_values(dtype, n):
    """n elements of dtype: random bit patterns (floats), the full range (ints), 0/1 (bool); some nice values."""
    if dtype == torch.bool:
        return torch.randint(0, 2, (n,), dtype=torch.uint8).bool()
    size = torch.empty(0, dtype=dtype).element_size()
    t = torch.randint(0, 256, (n * size,), dtype=torch.uint8).view(dtype).clone()
    if dtype.is_floating_point and n and rng.random() < 0.5:
        nice = torch.tensor([0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"), 1e-40, 65504.0, 0.1])
        idx = torch.randint(0, n, (max(1, n // 2),))
        t[idx] = nice[torch.randint(0, len(nice), (len(idx),))].to(dtype)
    return t


def rand_shape(max_rank=3, allow_empty=True):
    rank = rng.choice([0, 1, 1, 2, 2, 3][: max_rank + 3])
    return [rng.choice([0, 1, 2, 3, 4] if allow_empty and rng.random() < 0.15 else [1, 2, 3, 4]) for _ in range(rank)]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def rand_tensors(group):
    """One tensor, or several views of one storage (a list)."""
    dtype = rng.choice(DTYPES)
    kind = rng.choice(["plain", "plain", "transposed", "sliced", "expanded", "strided", "shared", "shared", "zero_dim_at",
                       "empty_at"])
    if kind == "plain":
        shape = rand_shape()
        return [rand_values(dtype, numel(shape)).reshape(shape)]
    if kind == "transposed":
        shape = [rng.randint(1, 4) for _ in range(rng.randint(2, 3))]
        base = rand_values(dtype, numel(shape)).reshape(shape)
        perm = list(range(len(shape)))
        rng.shuffle(perm)
        return [base.permute(perm)]
    if kind == "sliced":
        base = rand_values(dtype, 30).reshape(5, 6)
        r0, c0 = rng.randrange(0, 3), rng.randrange(0, 3)
        return [base[r0:rng.randint(r0 + 1, 5):rng.randint(1, 2), c0:rng.randint(c0 + 1, 6):rng.randint(1, 3)]]
    if kind == "expanded":
        n = rng.randint(1, 3)
        return [rand_values(dtype, n).reshape(1, n).expand(rng.randint(1, 3), n)]
    if kind == "strided":  # overlapping windows
        base = rand_values(dtype, 12)
        return [base.as_strided((rng.randint(1, 3), rng.randint(1, 3)), (rng.randint(0, 2), rng.randint(1, 2)),
                                rng.randint(0, 2))]
    if kind == "zero_dim_at":
        base = rand_values(dtype, 5)
        return [base[rng.randrange(5)]]
    if kind == "empty_at":
        base = rand_values(dtype, 6)
        return [base[rng.randint(1, 5):rng.randint(1, 5)][:0]] if rng.random() < 0.5 else [base.reshape(2, 3)[1:, 2:2]]
    # several views of one storage at different offsets (and the base itself, sometimes); a floating base requires
    # grad sometimes, so the views are non-leaves that require grad (saved with the flag, without their history)
    base = rand_values(dtype, 24)
    if dtype in FLOATING and rng.random() < 0.2:
        base.requires_grad_(True)
    views = []
    for _ in range(rng.randint(2, 4)):
        v = rng.choice(["base", "row", "col", "t", "flat", "exp", "one"])
        m = base.reshape(4, 6)
        views.append({"base": base, "row": m[rng.randrange(4)], "col": m[:, rng.randrange(6)], "t": m.t(),
                      "flat": base[rng.randrange(12):rng.randrange(12, 24)], "exp": m[rng.randrange(4), :1].expand(3, 2),
                      "one": base[rng.randrange(24)]}[v])
    return views


def maybe_grad(t, ctx):
    r = rng.random()
    if r < 0.15:
        ctx.has_param = True
        return torch.nn.Parameter(t, requires_grad=t.dtype in FLOATING and rng.random() < 0.8)
    if r < 0.25 and t.dtype in FLOATING:
        return t.detach().requires_grad_(True)
    return t


class Ctx:
    def __init__(self):
        self.has_size = self.has_param = self.has_dtype = self.has_other = False
        self.proto = 2
        self.made = []  # tensors and containers made so far, to be put in again (the same object twice)


def rand_obj(depth, ctx):
    if ctx.made and rng.random() < 0.06:
        return rng.choice(ctx.made)
    o = make_obj(depth, ctx)
    if isinstance(o, (torch.Tensor, dict, list, tuple)):
        ctx.made.append(o)
    return o


def make_obj(depth, ctx):
    r = rng.random()
    if depth < 3 and r < 0.35:
        kind = rng.choice(["dict", "odict", "list", "tuple"])
        n = rng.randint(0, 4)
        if kind in ("dict", "odict"):
            d = {} if kind == "dict" else collections.OrderedDict()
            for _ in range(n):
                d[rand_str() if rng.random() < 0.8 else rng.randint(-5, 300)] = rand_obj(depth + 1, ctx)
            return d
        items = [rand_obj(depth + 1, ctx) for _ in range(n)]
        return items if kind == "list" else tuple(items)
    if r < 0.6:
        ts = rand_tensors(None)
        if len(ts) == 1:
            return maybe_grad(ts[0], ctx)
        return ts if rng.random() < 0.5 else tuple(ts)
    c = rng.choice(["int", "bigint", "float", "bool", "str", "none", "size", "dtype", "other"])
    if c == "other":  # bytes and bytearray (protocol 2 only: 3's BINBYTES is refused, below), a set of ints, Counter
        k = rng.choice(["bytes", "bytearray", "set", "counter"] if ctx.proto == 2 else ["set", "counter"])
        if k == "bytes":
            return bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))  # b"" pickles as bytes(): refused
        ctx.has_other = True  # Ember writes these back as bytes, bytes, a set in its order, a dict
        if k == "bytearray":
            return bytearray(rng.randrange(256) for _ in range(rng.randint(0, 6)))
        if k == "set":
            return {rng.randint(-3, 300) for _ in range(rng.randint(0, 4))}
        return collections.Counter({rand_str(): rng.randint(-2, 9) for _ in range(rng.randint(0, 3))})
    if c == "int":
        return rng.choice([0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2 ** 63 - 1, -(2 ** 63),
                           rng.randint(-10 ** 6, 10 ** 6)])
    if c == "bigint":
        return rng.choice([1, -1]) * rng.randint(2 ** 63, 2 ** 100)
    if c == "float":
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] if rng.random() < 0.5 else \
            rng.choice([0.0, -0.0, 1.5, float("inf"), float("-inf"), float("nan"), 5e-324, 1e300, 0.1])
    if c == "bool":
        return rng.random() < 0.5
    if c == "str":
        return rand_str()
    if c == "none":
        return None
    if c == "size":
        ctx.has_size = True
        return torch.Size([rng.randint(0, 5) for _ in range(rng.randint(0, 3))])
    ctx.has_dtype = True
    return rng.choice(DTYPES)


def rand_state_dict(ctx):
    sd = collections.OrderedDict()
    for i in range(rng.randint(1, 5)):
        for t in rand_tensors(None):
            sd["%s.%d" % (rng.choice(["fc", "conv", "\u00e9", "block.0"]), len(sd))] = t
    if rng.random() < 0.5:
        sd._metadata = collections.OrderedDict([("", {"version": 1}), ("fc", {"version": rng.randint(1, 3)})])
    return sd


def top_obj(ctx):
    r = rng.random()
    if r < 0.3:
        return rand_state_dict(ctx)
    if r < 0.45:
        ts = rand_tensors(None)
        return maybe_grad(ts[0], ctx) if len(ts) == 1 else ts
    d = {}
    for _ in range(rng.randint(1, 5)):
        d[rand_str()] = rand_obj(1, ctx)
    return d if rng.random() < 0.7 else collections.OrderedDict(d)


def hex_units(s):
    return s.encode("utf-16-be", "surrogatepass").hex() or "-"


def ints(xs):
    return ",".join(str(x) for x in xs) or "-"


def bit_values(t):
    t = t.detach().reshape(-1).contiguous()
    if t.dtype.is_complex:
        t = torch.view_as_real(t).reshape(-1)
    if t.dtype in BITS:
        t = t.view(BITS[t.dtype])
    elif t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return ints(t.tolist())


def describe(o, out, storages, seen=None):
    seen = {} if seen is None else seen
    aliasable = isinstance(o, (torch.Tensor, dict, list)) or type(o) is tuple and len(o) > 0  # () is one object
    if aliasable and id(o) in seen:  # the same object again (pickle's memo): Ember must give the same object
        out.append("A %d" % seen[id(o)])
        return
    if aliasable:
        seen[id(o)] = len(out)
    if isinstance(o, torch.Tensor):
        key = o.storage()._storage._cdata
        sid = storages.setdefault(key, len(storages))
        out.append("X %s %s %s %d %d %d %d %s" % (NAMES[o.dtype], ints(o.shape), ints(o.stride()), o.storage_offset(),
                                                  int(o.requires_grad), sid, o.storage().size(), bit_values(o)))
    elif isinstance(o, torch.Size):
        out.append("S %d" % len(o))
        for x in o:
            describe(x, out, storages, seen)
    elif isinstance(o, dict):
        out.append("%s %d" % ("O" if isinstance(o, collections.OrderedDict) else "D", len(o)))
        for prefix, v in getattr(o, "_metadata", {}).items():  # a state dict's module versions
            out.append("V %s %d" % (hex_units(prefix), v["version"]))
        for k, v in o.items():
            describe(k, out, storages, seen)
            describe(v, out, storages, seen)
    elif isinstance(o, list):
        out.append("L %d" % len(o))
        for x in o:
            describe(x, out, storages, seen)
    elif isinstance(o, tuple):
        out.append("T %d" % len(o))
        for x in o:
            describe(x, out, storages, seen)
    elif isinstance(o, (bytes, bytearray)):
        out.append("Z " + (o.hex() or "-"))
    elif isinstance(o, set):
        out.append("E %d" % len(o))
        for x in sorted(o):
            describe(x, out, storages, seen)
    elif isinstance(o, bool):
        out.append("B %d" % int(o))
    elif isinstance(o, int):
        out.append("I %d" % o)
    elif isinstance(o, float):
        out.append("F %016x" % struct.unpack("<Q", struct.pack("<d", o))[0])
    elif isinstance(o, str):
        out.append("U " + hex_units(o))
    elif o is None:
        out.append("N")
    elif isinstance(o, torch.dtype):
        out.append("Y " + NAMES[o])
    else:
        raise TypeError(type(o))


lines = []
os.makedirs(os.path.join(HERE, "pt"), exist_ok=True)
os.makedirs(os.path.join(HERE, "st"), exist_ok=True)

for i in range(N_PT):
    ctx = Ctx()
    proto = ctx.proto = 2 if rng.random() < 0.85 else 3
    obj = top_obj(ctx)
    name = "pt/%03d.pt" % i
    path = os.path.join(HERE, name)
    torch.save(obj, path, pickle_protocol=proto)
    # what PyTorch reads: 1.13's weights-only unpickler lacks opcodes 2.x's has (BINFLOAT: "Unsupported operand 71"),
    # so the full unpickler reads it; every global these files name is on 2.x's allow-list, and the values are 2.x's
    back = torch.load(path)
    resave = int(proto == 2 and not (ctx.has_size or ctx.has_param or ctx.has_other))
    out = []
    describe(back, out, {})
    lines.append("=== p%03d load %s" % (i, name))
    lines.append("proto %d resave %d" % (proto, resave))
    lines.extend(out)


# ---- refusals (2.x's wording of the weights-only unpickler)
class Point:
    def __init__(self):
        self.x = 1


def refusal(obj, msg, **kw):
    global n_refused
    name = "pt/r%03d.pt" % n_refused
    n_refused += 1
    torch.save(obj, os.path.join(HERE, name), **kw)
    lines.append("=== r%03d refuse %s" % (n_refused - 1, name))
    lines.append("message " + msg.encode().hex())


def legacy_read(obj):
    # a legacy-format file in the refusals' numbering (kept from when Ember refused them): a load case
    global n_refused
    name = "pt/r%03d.pt" % n_refused
    n_refused += 1
    path = os.path.join(HERE, name)
    torch.save(obj, path, _use_new_zipfile_serialization=False)
    out = []
    describe(torch.load(path), out, {})
    lines.append("=== r%03d load %s" % (n_refused - 1, name))
    lines.append("proto 2 resave 0")
    lines.extend(out)


n_refused = 0
GLOBAL_MSG = "Unsupported global: GLOBAL %s was not an allowed global by default."
Point.__module__ = "__main__"
for j in range(4):
    refusal({"fn": print, "w": torch.ones(2)}, GLOBAL_MSG % "print")
    refusal({rand_str(): [rand_state_dict(Ctx()), Point()]}, GLOBAL_MSG % "__main__.Point")
    refusal(torch.nn.Linear(2, 1), GLOBAL_MSG % "torch.nn.modules.linear.Linear")
    refusal({"a": len}, GLOBAL_MSG % "len")
    refusal({"arr": numpy.zeros(2)}, GLOBAL_MSG % "numpy.core.multiarray._reconstruct")
    refusal(rand_state_dict(Ctx()), "Unsupported operand 149", pickle_protocol=4)
    refusal({"k": rand_str(), "x": torch.zeros(j)}, "Unsupported operand 149", pickle_protocol=5)
    legacy_read(rand_state_dict(Ctx()))
    refusal({"b": b"", "w": torch.ones(j)}, GLOBAL_MSG % "bytes")  # protocol 2 pickles b"" as bytes()
    refusal({"b": bytes([j, 200])}, "Unsupported operand 67", pickle_protocol=3)  # SHORT_BINBYTES

# ---- safetensors
ST_CODES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
            torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
            torch.bool: "BOOL", torch.complex64: "C64"}
# the reference writer's dtype order (its Dtype enum, descending), as refcases.py
ST_RANK = {torch.int64: 0, torch.float64: 1, torch.complex64: 2, torch.float32: 3, torch.int32: 4,
           torch.bfloat16: 5, torch.float16: 6, torch.int16: 7, torch.int8: 8, torch.uint8: 9, torch.bool: 10}


def blob(t):
    t = t.detach().reshape(-1).contiguous()
    if t.dtype.is_complex:
        t = torch.view_as_real(t).reshape(-1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""  # little-endian host


def st_file(header_obj_items, blobs, ascii_json, spaced, extra_pad):
    """The JSON header from (key, value) pairs in that order, as a string, then the file's bytes."""
    sep = (", ", ": ") if spaced else (",", ":")
    parts = []
    for k, v in header_obj_items:
        parts.append(json.dumps(k, ensure_ascii=ascii_json) + sep[1] + json.dumps(v, ensure_ascii=ascii_json,
                                                                                 separators=sep))
    h = ("{" + sep[0].join(parts) + "}").encode()
    h += b" " * (-len(h) % 8 + extra_pad)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


for i in range(N_ST):
    tensors = collections.OrderedDict()
    for _ in range(rng.randint(0, 6)):
        dtype = rng.choice(list(ST_CODES))
        shape = rand_shape()
        name = rand_str()
        if name == "__metadata__":
            continue
        tensors[name] = rand_values(dtype, numel(shape)).reshape(shape)
    names = list(tensors)
    meta = collections.OrderedDict()
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        meta[rand_str()] = rand_str()
    # the data in a random order, tiling the data area
    order = names[:]
    rng.shuffle(order)
    offsets, blobs, off = {}, [], 0
    for n in order:
        b = blob(tensors[n])
        offsets[n] = [off, off + len(b)]
        blobs.append(b)
        off += len(b)
    entries = []
    for n in names:
        fields = [("dtype", ST_CODES[tensors[n].dtype]), ("shape", list(tensors[n].shape)), ("data_offsets", offsets[n])]
        rng.shuffle(fields)
        entries.append((n, collections.OrderedDict(fields)))
    if meta or rng.random() < 0.2:
        entries.insert(rng.randint(0, len(entries)), ("__metadata__", meta))
    name = "st/%03d.safetensors" % i
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(st_file(entries, blobs, rng.random() < 0.5, rng.random() < 0.3, 8 * rng.randint(0, 1)))
    ref = int(len(meta) <= 1)
    if ref:  # what safetensors' save_file(tensors, metadata) writes
        rorder = sorted(names, key=lambda n: (ST_RANK[tensors[n].dtype], n.encode()))
        rblobs, roff, rentries = [], 0, []
        if meta:
            rentries.append(("__metadata__", meta))
        for n in rorder:
            b = blob(tensors[n])
            rentries.append((n, collections.OrderedDict([("dtype", ST_CODES[tensors[n].dtype]),
                                                         ("shape", list(tensors[n].shape)),
                                                         ("data_offsets", [roff, roff + len(b)])])))
            rblobs.append(b)
            roff += len(b)
        with open(os.path.join(HERE, "st/%03d.ref.safetensors" % i), "wb") as f:
            f.write(st_file(rentries, rblobs, False, False, 0))
    lines.append("=== s%03d safetensors %s" % (i, name))
    lines.append("ref %d" % ref)
    for k, v in meta.items():
        lines.append("M %s %s" % (k.encode().hex() or "-", v.encode().hex() or "-"))
    for n in names:
        t = tensors[n]
        lines.append("X %s %s %s %s" % (n.encode().hex() or "-", ST_CODES[t.dtype], ints(t.shape), bit_values(t)))

# ---- the differences this round found, one small file each, for FuzzRound30FixesTest (fixes.txt, the same format)
fixes = []
os.makedirs(os.path.join(HERE, "fixes"), exist_ok=True)
for fid, (fname, obj) in enumerate([
        ("complex_param.pt", collections.OrderedDict([
            ("w", torch.nn.Parameter(torch.tensor([1 + 2j, -0.5j, float("nan")], dtype=torch.complex64))),
            ("d", torch.nn.Parameter(torch.tensor([[3 - 1j]], dtype=torch.complex128), requires_grad=False))])),
        ("empty_tuple.pt", {"t": (), "nested": ((), [()], {"k": ()}), "w": torch.ones(2)}),
        ("bytearray.pt", {"a": bytearray(b"ab\x00\xff"), "e": bytearray(), "b": b"\x01"})]):
    path = os.path.join(HERE, "fixes", fname)
    torch.save(obj, path)
    out = []
    describe(torch.load(path), out, {})
    fixes.append("=== f%03d load fixes/%s" % (fid, fname))
    fixes.append("proto 2 resave %d" % int(fname == "empty_tuple.pt"))
    fixes.extend(out)
with open(os.path.join(HERE, "fixes.txt"), "w") as f:
    f.write("\n".join(fixes) + "\n")

with open(os.path.join(HERE, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
