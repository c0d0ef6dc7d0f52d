# Differential fuzz round 21 for DifferentialFuzzR21Test.java: seeded PROGRAMS OVER THE DATA PIPELINE (data sets,
# samplers, batch samplers, DataLoaders, the default collate) under PyTorch's CPU generator (MT19937), run in PyTorch
# with everything observable recorded; FuzzR21Interpreter.java replays each in Ember (dev.ember.data) with
# Ember.manualSeed and Generator.Algorithm.MT19937 generators.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr21 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed, so a second run writes the same bytes; FUZZ_SEED and FUZZ_N make others)
#
# A program: torch.manual_seed(s), then 6-16 statements: data sets (TensorDataset of 1-3 tensors of float16, bfloat16,
# float32, float64, int8, int32, int64, uint8 and bool rows of several shapes; data sets of Python numbers, of dicts, of
# samples that draw torch.rand from the default generator; iterable data sets, plain or drawing; Subset, ConcatDataset,
# random_split with lengths and with fractions), samplers (Sequential, Random with/without replacement and num_samples,
# SubsetRandom (negative indices too), WeightedRandom with/without replacement (negative, inf and nan weights too),
# BatchSampler), DataLoaders (batch_size incl. None, shuffle,
# drop_last, sampler=, batch_sampler=, generator=, a few with num_workers 1 or 2 where the order is deterministic),
# len() of samplers and loaders, whole epochs, epochs broken off early, iterators advanced batch by batch, manual_seed
# and new generators in between, and bad arguments with PyTorch's messages.
#
# Format: "=== <id> P <n>", then one statement a line, each followed by "err <message>" (first line of PyTorch's
# message) or its result lines "= <value>", then "st <hash of torch.get_rng_state()> [gK:<hash>]..." after EVERY
# statement (and so after every batch of "next"): the hash is differentialfuzzr19's (first 16 hex digits of SHA-256
# over the 5056 state bytes with the cached normal sample zeroed, "/", that sample or "-"). _BaseDataLoaderIter draws
# a base seed from the loader's generator (or the default one) every time an iterator is made, even without workers,
# and a RandomSampler without a generator draws a seed from the default generator at its first index: the states say
# whether Ember draws the same words at the same moments.
#   values (enc): a tensor "t<dtype>/<shape>/<values>" (values as differentialfuzzr19: IEEE bits in hex for floating
#   types, comma-separated integers, 0/1 digits for bool, "-" for none; shape comma separated, "-" for 0-d); a Python
#   int "i<n>", float "f<16 hex digits of its bits>", bool "b0"/"b1"; a list or tuple "[a;b;...]"; a dict "{k:v;...}"
#   in its order; the end of an iterator "end".
# Statements (G is "-" for the default generator or gK):
#   seed S | gen gK S
#   tds dK N SPEC           TensorDataset; SPEC "dt:rowshape;dt:rowshape" (rowshape "-" for scalar rows); element k
#                           (row-major over [N, rowshape]) is ((7k) mod 17)/16 - 0.5 (floating), (3k) mod 11 - 5
#                           (signed), (3k) mod 11 (uint8), k mod 3 == 0 (bool)
#   numds dK N              sample i: (i, i * 0.25, i % 3 == 0)
#   dictds dK N             sample i: {"a": tensor([i, i + 1]) (int64), "b": i * 0.5, "c": [i, tensor([i / 4, -i])]}
#   randds dK N             sample i: (torch.rand(2), i): draws from the default generator when read
#   mixds dK N              sample i: (tensor([i, -i]) of float32/float64/int64/bool by i % 4, i if i even else
#                           i * 0.5, i % 3 == 0 if i % 4 != 1 else i): the default collate's promotions
#   iterds dK N R           IterableDataset of N samples: R=1 torch.rand(2) (drawn when reached), R=0
#                           (tensor([i, -i]), i * 0.5)
#   subset dK dS I,J,..     Subset | concat dK dA,dB,.. ConcatDataset
#   stack dK t|d dA,dB,..   2.x's StackDataset of a tuple (t) or a dict (d, names k0, k1, ...)
#   split dA,dB,.. dS LENS G   random_split; LENS integers "3,2" or fractions "f0.25,0.75" (2.x's fractions: integer
#                           lengths that add up to 1 are taken as fractions too, as 1.13's and 2.x's code does)
#   getds dS I              dataset[I] (the sample as it is)
#   sseq sK dS | srand sK dS R NUM G (NUM "-" for None) | ssub sK I,J,.. G | swt sK W1,W2,.. NUM R G (W "2x2:..." a
#   2-D weight list, "0d:w" a number) | sbatch bK sK BS DROP | list X (a sampler's or batch sampler's epoch) | len X
#   loader lK dS OPTS       OPTS key=value: bs (int or none), sh, drop (0/1), s=sK, b=bK (or b=L0,1|2: a list of
#                           index lists), g=gK, w (workers)
#   epoch lK MAX            iterates (MAX "-": the whole epoch; else breaks after MAX batches); one line a batch
#   it iK lK | next iK      iter(loader) | next(it) (its batch, or "end" at StopIteration)
#
# 1.13 vs 2.x (Ember follows 2.x):
#   - WeightedRandomSampler is torch.multinomial, whose CPU kernel without replacement (or for one sample) is 2.x's and
#     1.13's fast path q = exponential_(1) over empty_like(weights), then argmax(p / q) or topk(p / q): 2.x's
#     exponential_ takes -log1p(-u), 1.13's -log(1 - u) (differentialfuzzr19's header). torch.multinomial is replaced
#     here by that emulation on 2.x's formula (1.13's own call runs first from the same state, for its argument
#     checks only); the fast path's own checks are 2.x's: for one sample with replacement 1.13 took the cumulative
#     path, whose kernel refuses a negative weight as "invalid multinomial distribution (encountering probability
#     entry < 0)", where 2.x says "probability tensor contains either `inf`, `nan` or element < 0".
#   - The rest of torch/utils/data that these programs reach (samplers, BatchSampler, random_split, Subset,
#     ConcatDataset, default_collate/default_convert, _BaseDataLoaderIter's base seed, the single-process and
#     multi-process iterators' order of draws) draws the same words in the same order in 1.13 and 2.x (2.x's
#     BatchSampler takes islice/zip instead of 1.13's loops: the sampler is read as far; 2.x's Subset.__getitems__
#     reads the same samples).
#   - StackDataset (2.2) is not in 1.13: StackDS below is 2.x's, with its __getitems__, which reads a batch data set by
#     data set (the order of a drawing data set's draws), and 2.x's Subset.__getitems__ is put on 1.13's Subset.
# Worker errors: PyTorch's "Caught <type> in DataLoader worker process N." with its traceback's last line, the original
#   error, after " | "; the test maps the Python type to Ember's exception type and compares Ember's
#   "Caught <type> in DataLoader worker N: <message>".
import gc
import hashlib
import math
import os
import random
import re
import struct
import sys
import warnings

import torch
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              random_split)

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '2121'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '215'))
rng = random.Random(SEED)

DT = {'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float32': torch.float32, 'float64': torch.float64,
      'int8': torch.int8, 'int32': torch.int32, 'int64': torch.int64, 'uint8': torch.uint8, 'bool': torch.bool,
      'int16': torch.int16}
NAME = {v: k for k, v in DT.items()}
WIDTH = {'float16': 4, 'bfloat16': 4, 'float32': 8, 'float64': 16}
VIEW = {'float16': torch.int16, 'bfloat16': torch.int16, 'float32': torch.int32, 'float64': torch.int64}


def fmt_vals(t):
    t = t.detach().contiguous()
    name = NAME[t.dtype]
    if t.numel() == 0:
        return '-'
    if name in WIDTH:
        w = WIDTH[name]
        bits = t.reshape(-1).view(VIEW[name]).tolist()
        return ''.join('%0*x' % (w, b & ((1 << (4 * w)) - 1)) for b in bits)
    if name == 'bool':
        return ''.join('1' if b else '0' for b in t.reshape(-1).tolist())
    return ','.join(str(v) for v in t.reshape(-1).tolist())


def enc(x):
    if isinstance(x, torch.Tensor):
        shape = ','.join(str(s) for s in x.shape) if x.dim() > 0 else '-'
        return 't%s/%s/%s' % (NAME[x.dtype], shape, fmt_vals(x))
    if isinstance(x, bool):
        return 'b1' if x else 'b0'
    if isinstance(x, int):
        return 'i%d' % x
    if isinstance(x, float):
        return 'f%016x' % struct.unpack('<Q', struct.pack('<d', x))[0]
    if isinstance(x, (list, tuple)):
        return '[' + ';'.join(enc(v) for v in x) + ']'
    if isinstance(x, dict):
        return '{' + ';'.join('%s:%s' % (k, enc(v)) for k, v in x.items()) + '}'
    raise TypeError(type(x))


def state_hash(state):
    b = bytearray(state.tolist())
    y = b[5024:5032]
    b[5024:5032] = bytes(8)
    valid = struct.unpack_from('<i', b, 5040)[0] != 0
    return hashlib.sha256(bytes(b)).hexdigest()[:16] + '/' + ('%016x' % struct.unpack('<Q', bytes(y))[0] if valid else '-')


# ------------------------------------------------------------------------------- 2.x's multinomial fast path
_real_multinomial = torch.multinomial


def multinomial_2x(p, n, replacement=False, *, generator=None):
    gen = generator if generator is not None else torch.default_generator
    if replacement and n > 1:
        return _real_multinomial(p, n, replacement, generator=generator)
    if not replacement:
        s0 = gen.get_state()
        _real_multinomial(p, n, replacement, generator=generator)  # 1.13's argument checks (2.x's words)
        gen.set_state(s0)
    # 2.x's fast path checks its input itself (1.13 took the cumulative path for one sample with replacement, whose
    # kernel says "invalid multinomial distribution (encountering probability entry < 0)")
    if not bool((p.max() < math.inf) & (p.min() >= 0)):
        raise RuntimeError('probability tensor contains either `inf`, `nan` or element < 0')
    if bool(p.sum() == 0):
        raise RuntimeError('invalid multinomial distribution (sum of probabilities <= 0)')
    u = torch.rand(p.numel(), dtype=torch.float64, generator=generator).tolist() if p.numel() else []
    q = torch.tensor([-math.log1p(-x) for x in u], dtype=torch.float64).reshape(p.shape)
    q = p / q
    return q.argmax(-1, keepdim=True) if n == 1 else q.topk(n).indices


torch.multinomial = multinomial_2x


# ------------------------------------------------------------------------------------------- data sets
def fill(n, spec):
    out = []
    for part in spec.split(';'):
        dt, row = part.split(':')
        shape = [n] + ([] if row == '-' else [int(s) for s in row.split(',')])
        numel = 1
        for s in shape:
            numel *= s
        if dt in WIDTH:
            vals = [((7 * k) % 17) / 16 - 0.5 for k in range(numel)]
        elif dt == 'bool':
            vals = [1.0 if k % 3 == 0 else 0.0 for k in range(numel)]
        elif dt == 'uint8':
            vals = [float((3 * k) % 11) for k in range(numel)]
        else:
            vals = [float((3 * k) % 11 - 5) for k in range(numel)]
        out.append(torch.tensor(vals, dtype=torch.float64).reshape(shape).to(DT[dt]))
    return out


class NumDS(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (i, i * 0.25, i % 3 == 0)


class DictDS(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {'a': torch.tensor([i, i + 1]), 'b': i * 0.5, 'c': [i, torch.tensor([i / 4, -float(i)])]}


class RandDS(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (torch.rand(2), i)


class MixDS(Dataset):
    """Samples whose leaves change type from sample to sample: the default collate promotes (stack), takes the first
    number's collate function (an int's torch.tensor(batch) infers float32 from a float after it, a float's is float64,
    a bool's infers int64 from an int after it)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        t = torch.tensor([i, -i], dtype=[torch.float32, torch.float64, torch.int64, torch.bool][i % 4])
        num = i if i % 2 == 0 else i * 0.5
        flag = (i % 3 == 0) if i % 4 != 1 else i
        return (t, num, flag)


class IterDS(IterableDataset):
    def __init__(self, n, r):
        self.n = n
        self.r = r

    def __iter__(self):
        for i in range(self.n):
            if self.r:
                yield torch.rand(2)
            else:
                yield (torch.tensor([i, -i]), i * 0.5)


class StackDS(Dataset):
    """2.x's torch.utils.data.StackDataset (2.2; 1.13 has none), written from 2.x's dataset.py: a tuple of the data
    sets' samples (args) or a dict by name (kwargs); __getitems__ reads a batch data set by data set (through a nested
    data set's own __getitems__ where it has one), as 2.x's fetcher calls it."""

    def __init__(self, *args, **kwargs):
        if args:
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError('Size mismatch between datasets')
            self.datasets = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = len(tmp[0])
            if any(self._length != len(d) for d in tmp):
                raise ValueError('Size mismatch between datasets')
            self.datasets = kwargs
        else:
            raise ValueError('At least one dataset should be passed')

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        items = self.datasets.items() if isinstance(self.datasets, dict) else enumerate(self.datasets)
        batch = [{} for _ in indices]
        for k, d in items:
            if callable(getattr(d, '__getitems__', None)):
                got = d.__getitems__(indices)
                if len(got) != len(indices):
                    raise ValueError("Nested dataset's output size mismatch. Expected %d, got %d" % (len(indices),
                                                                                                     len(got)))
                for x, sample in zip(got, batch):
                    sample[k] = x
            else:
                for i, sample in zip(indices, batch):
                    sample[k] = d[i]
        if isinstance(self.datasets, dict):
            return batch
        return [tuple(sample[k] for k in range(len(self.datasets))) for sample in batch]

    def __len__(self):
        return self._length


def subset_getitems_2x(self, indices):
    # 2.x's Subset.__getitems__ (1.13's Subset has none; the same samples, and a nested StackDataset's batch order)
    if callable(getattr(self.dataset, '__getitems__', None)):
        return self.dataset.__getitems__([self.indices[i] for i in indices])
    return [self.dataset[self.indices[i]] for i in indices]


Subset.__getitems__ = subset_getitems_2x

SPECS = ['float32:-', 'float32:3', 'int64:-', 'float64:2,2', 'float32:2;int64:-', 'bfloat16:3;bool:-',
         'float16:2;int8:2;uint8:-', 'int32:3;float64:-', 'bool:2,1;float32:-;int64:2', 'uint8:4']


class Program:
    def __init__(self):
        self.lines = []
        self.gens = {}
        self.ds = {}        # name -> (object, sig, kind, random-reading)
        self.samplers = {}  # name -> (object, dataset size it indexes, or None)
        self.bsamplers = {}
        self.loaders = {}   # name -> (loader, workers)
        self.iters = {}

    def G(self, g):
        return None if g == '-' else self.gens[g]

    def hashes(self):
        parts = ['st', state_hash(torch.get_rng_state())]
        for k in sorted(self.gens):
            parts.append('%s:%s' % (k, state_hash(self.gens[k].get_state())))
        return ' '.join(parts)

    def run(self, text, fn):
        self.lines.append(text)
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - PyTorch's message is the result
            msg = str(e).split('\n')[0]
            msg = re.sub(r'=<[^>]*>$', '=<object>', msg)  # an object's repr (its address): the test's too
            if re.match(r'Caught \w+ in DataLoader worker process \d+\.$', msg):
                # a worker's exception: its traceback follows; its last line is the original error
                msg += ' | ' + [x for x in str(e).split('\n') if x.strip()][-1]
            self.lines.append('err ' + msg)
            self.lines.append(self.hashes())
            return False
        for o in out:
            self.lines.append('= ' + o)
        self.lines.append(self.hashes())
        return True


def pick_gen(p):
    if p.gens and rng.random() < 0.5:
        return rng.choice(sorted(p.gens))
    return '-'


def new_name(prefix, table):
    i = 0
    while '%s%d' % (prefix, i) in table:
        i += 1
    return '%s%d' % (prefix, i)


def map_ds(p):
    return [k for k, v in p.ds.items() if v[2] == 'map']


def stmt_dataset(p):
    kind = rng.choice(['tds', 'tds', 'tds', 'numds', 'dictds', 'randds', 'iterds', 'subset', 'concat', 'split',
                       'split', 'stack', 'mixds'])
    k = new_name('d', p.ds)
    if kind in ('subset', 'concat', 'split', 'stack') and not map_ds(p):
        kind = 'tds'
    if kind == 'stack':
        src = rng.choice(map_ds(p))
        same = [d for d in map_ds(p) if len(p.ds[d][0]) == len(p.ds[src][0])]
        parts = [rng.choice(same if rng.random() < 0.9 else map_ds(p)) for _ in range(rng.choice([1, 2, 2, 3]))]
        named = rng.random() < 0.5
        sig = 'stack%d:' % named + ','.join(p.ds[d][1] for d in parts)

        def go():
            D = [p.ds[d][0] for d in parts]
            obj = StackDS(**{'k%d' % i: d for i, d in enumerate(D)}) if named else StackDS(*D)
            p.ds[k] = (obj, sig, 'map', any(p.ds[d][3] for d in parts))
            return []
        p.run('stack %s %s %s' % (k, 'd' if named else 't', ','.join(parts)), go)
        return
    if kind == 'tds':
        n = rng.choice([1, 2, 3, 5, 7, 8, 10, 12])
        spec = rng.choice(SPECS)
        t = fill(n, spec)
        p.ds[k] = (TensorDataset(*t), 'tds:' + spec, 'map', False)
        p.run('tds %s %d %s' % (k, n, spec), lambda: [])
    elif kind in ('numds', 'dictds', 'randds', 'mixds'):
        n = rng.choice([1, 3, 4, 6, 9])
        cls = {'numds': NumDS, 'dictds': DictDS, 'randds': RandDS, 'mixds': MixDS}[kind]
        p.ds[k] = (cls(n), kind, 'map', kind == 'randds')
        p.run('%s %s %d' % (kind, k, n), lambda: [])
    elif kind == 'iterds':
        n = rng.choice([0, 1, 3, 5, 7])
        r = rng.random() < 0.5
        p.ds[k] = (IterDS(n, r), 'iter%d' % r, 'iter', r)
        p.run('iterds %s %d %d' % (k, n, 1 if r else 0), lambda: [])
    elif kind == 'subset':
        src = rng.choice(map_ds(p))
        D = p.ds[src][0]
        n = len(D)
        idx = [rng.randrange(-n, n + (1 if rng.random() < 0.1 else 0)) if n else 0
               for _ in range(rng.choice([1, 2, 3, 4, 6]))]
        if rng.random() < 0.7:
            idx = [i % n for i in idx] if n else []
        p.ds[k] = (Subset(D, idx), p.ds[src][1], 'map', p.ds[src][3])
        p.run('subset %s %s %s' % (k, src, ','.join(str(i) for i in idx) if idx else '-'), lambda: [])
    elif kind == 'concat':
        src = rng.choice(map_ds(p))
        same = [d for d in map_ds(p) if p.ds[d][1] == p.ds[src][1]]
        parts = [rng.choice(same) for _ in range(rng.choice([1, 2, 2, 3]))]
        p.ds[k] = (ConcatDataset([p.ds[d][0] for d in parts]), p.ds[src][1], 'map', p.ds[src][3])
        p.run('concat %s %s' % (k, ','.join(parts)), lambda: [])
    else:
        src = rng.choice(map_ds(p))
        D = p.ds[src][0]
        n = len(D)
        g = pick_gen(p)
        how = rng.random()
        if how < 0.45:
            m = rng.choice([1, 2, 2, 3])
            cuts = sorted(rng.randint(0, n) for _ in range(m - 1))
            lens = [b - a for a, b in zip([0] + cuts, cuts + [n])]
            if rng.random() < 0.15:
                lens[rng.randrange(m)] += rng.choice([-1, 1])
            text = ','.join(str(x) for x in lens)
        elif how < 0.55:
            lens = rng.choice([[1], [1, 0], [0, 1], [0, 0, 1]])  # integers adding up to 1: fractions
            text = ','.join(str(x) for x in lens)
        else:
            lens = rng.choice([[0.5, 0.5], [0.3, 0.7], [0.1, 0.2, 0.7], [0.25, 0.25, 0.5], [1.0], [0.0, 1.0],
                               [0.6, 0.6], [1.2, -0.2], [0.2, 0.2], [0.9, 0.1 + 1e-12], [0.4, 0.4, 0.2]])
            text = 'f' + ','.join(repr(x) for x in lens)
        names = []
        taken = set(p.ds)
        for i in range(len(lens)):
            nm = new_name('d', taken)
            taken.add(nm)
            names.append(nm)

        def go():
            parts = random_split(D, lens, generator=p.G(g) if g != '-' else torch.default_generator)
            for nm, s in zip(names, parts):
                p.ds[nm] = (s, p.ds[src][1], 'map', p.ds[src][3])
            return ['[' + ';'.join('i%d' % len(s) for s in parts) + ']',
                    '[' + ';'.join('[' + ';'.join('i%d' % i for i in s.indices) + ']' for s in parts) + ']']
        p.run('split %s %s %s %s' % (','.join(names), src, text, g), go)


def stmt_sampler(p):
    kind = rng.choice(['sseq', 'srand', 'srand', 'srand', 'ssub', 'swt', 'swt', 'sbatch', 'sbatch'])
    if kind == 'sbatch' and not p.samplers:
        kind = 'srand'
    if kind in ('sseq', 'srand') and not map_ds(p):
        kind = 'ssub'
    if kind == 'sbatch':
        k = new_name('b', p.bsamplers)
        s = rng.choice(sorted(p.samplers))
        bs = rng.choice([1, 2, 3, 4, 5, 32]) if rng.random() > 0.08 else rng.choice([0, -1])
        drop = rng.random() < 0.4

        def go():
            p.bsamplers[k] = (BatchSampler(p.samplers[s][0], bs, drop), p.samplers[s][1])
            return []
        p.run('sbatch %s %s %d %d' % (k, s, bs, 1 if drop else 0), go)
        return
    k = new_name('s', p.samplers)
    g = pick_gen(p)
    if kind == 'sseq':
        src = rng.choice(map_ds(p))

        def go():
            p.samplers[k] = (SequentialSampler(p.ds[src][0]), src)
            return []
        p.run('sseq %s %s' % (k, src), go)
    elif kind == 'srand':
        src = rng.choice(map_ds(p))
        rep = rng.random() < 0.5
        num = rng.choice([None, None, 1, 3, 7, 33, 40, 64, 65]) if rng.random() > 0.07 else rng.choice([0, -2])

        def go():
            p.samplers[k] = (RandomSampler(p.ds[src][0], replacement=rep, num_samples=num, generator=p.G(g)), src)
            return []
        p.run('srand %s %s %d %s %s' % (k, src, 1 if rep else 0, '-' if num is None else str(num), g), go)
    elif kind == 'ssub':
        idx = [rng.randrange(-3 if rng.random() < 0.2 else 0, 12) for _ in range(rng.choice([0, 1, 2, 4, 5, 8]))]

        def go():
            p.samplers[k] = (SubsetRandomSampler(idx, generator=p.G(g)), None)
            return []
        p.run('ssub %s %s %s' % (k, ','.join(str(i) for i in idx) if idx else '-', g), go)
    else:
        how = rng.random()
        if how < 0.08:
            w = [[1.0, 2.0], [0.5, 0.25]]
            wtext = '2x2:1.0,2.0,0.5,0.25'
        elif how < 0.12:
            w = 3.0
            wtext = '0d:3.0'
        else:
            n = rng.choice([1, 2, 4, 6, 9])
            w = [rng.choice([0.0, 0.25, 1.0, 2.0, 3.5, 0.1]) for _ in range(n)]
            if rng.random() < 0.1:
                w[rng.randrange(n)] = rng.choice([-1.0, -1.0, float('inf'), float('nan')])
            wtext = ','.join(repr(x) for x in w)
        rep = rng.random() < 0.6
        num = rng.choice([1, 2, 3, 5, 8, 12]) if rng.random() > 0.07 else rng.choice([0, -3])
        # (more samples without replacement than positive weights take zero-weight categories, all tied at p / q = 0,
        # in the order of PyTorch's topk, libstdc++'s nth_element: drawn since session 47, when Ember's multinomial
        # took its CPU topk)

        def go():
            p.samplers[k] = (WeightedRandomSampler(w, num, replacement=rep, generator=p.G(g)), None)
            return []
        p.run('swt %s %s %d %d %s' % (k, wtext, num, 1 if rep else 0, g), go)


def pick_loader_options(p, src):
    opts = []
    kw = {}
    r = rng.random()
    if r < 0.1:
        kw['batch_size'] = None
        opts.append('bs=none')
    elif r < 0.85:
        bs = rng.choice([1, 2, 3, 4, 5]) if rng.random() > 0.05 else 0
        kw['batch_size'] = bs
        opts.append('bs=%d' % bs)
    if rng.random() < 0.35:
        kw['shuffle'] = True
        opts.append('sh=1')
    if rng.random() < 0.3:
        kw['drop_last'] = True
        opts.append('drop=1')
    compatible = [s for s, v in p.samplers.items()
                  if p.ds[src][2] == 'map' and (v[1] is None or len(p.ds[v[1]][0]) <= len(p.ds[src][0]))]
    if p.samplers and rng.random() < 0.35:
        s = rng.choice(compatible or sorted(p.samplers))
        kw['sampler'] = p.samplers[s][0]
        opts.append('s=' + s)
    if p.ds[src][2] == 'map' and 'batch_sampler' not in kw and rng.random() < 0.06:
        # a list of lists as the batch sampler (PyTorch takes any iterable of index lists)
        n = len(p.ds[src][0])
        bl = [[rng.randrange(-1, n + 1) if rng.random() < 0.1 else rng.randrange(0, max(n, 1))
               for _ in range(rng.choice([1, 2, 3]))] for _ in range(rng.choice([1, 2, 3]))]
        kw['batch_sampler'] = bl
        opts.append('b=L' + '|'.join(','.join(str(i) for i in b) for b in bl))
        for key, o in (('batch_size', 'bs'), ('shuffle', 'sh'), ('drop_last', 'drop'), ('sampler', 's')):
            if key in kw and rng.random() < 0.8:
                del kw[key]
                opts = [x for x in opts if not x.startswith(o + '=')]
    if p.bsamplers and 'batch_sampler' not in kw and rng.random() < 0.25:
        b = rng.choice(sorted(p.bsamplers))
        kw['batch_sampler'] = p.bsamplers[b][0]
        opts.append('b=' + b)
        if rng.random() < 0.7:  # usually leave the others alone, so that it builds
            for key, o in (('batch_size', 'bs'), ('shuffle', 'sh'), ('drop_last', 'drop'), ('sampler', 's')):
                if key in kw:
                    del kw[key]
                    opts = [x for x in opts if not x.startswith(o + '=')]
    if rng.random() < 0.4 and p.gens:
        g = rng.choice(sorted(p.gens))
        kw['generator'] = p.gens[g]
        opts.append('g=' + g)
    return opts, kw


def stmt_loader(p):
    if not p.ds:
        return
    k = new_name('l', p.loaders)
    src = rng.choice(sorted(p.ds))
    opts, kw = pick_loader_options(p, src)
    workers = 0
    # workers (the order is deterministic: batch k is worker k % n's, an iterable data set is streamed whole by every
    # worker and their batches taken in turn; a data set that draws draws in the worker, from torch.manual_seed(base
    # seed + worker id), which Ember's worker threads' generators reproduce)
    # (over mixds too since session 47: in a worker PyTorch's collate stacks into a shared-memory tensor of the first
    # sample's type, so later samples are cast to it or refused, as Ember's workers do now)
    if rng.random() < 0.08:
        workers = rng.choice([1, 2])
        kw['num_workers'] = workers
        opts.append('w=%d' % workers)

    def go():
        p.loaders[k] = (DataLoader(p.ds[src][0], **kw), workers)
        return []
    p.run('loader %s %s %s' % (k, src, ' '.join(opts) if opts else '-'), go)


def stmt_use(p):
    kinds = ['epoch', 'epoch', 'epoch', 'it', 'next', 'next', 'next', 'len', 'list', 'getds', 'seed', 'gen']
    kind = rng.choice(kinds)
    if kind in ('epoch', 'it') and not p.loaders:
        kind = 'seed'
    if kind == 'next' and not p.iters:
        kind = 'it' if p.loaders else 'seed'
    if kind == 'seed':
        s = rng.choice([0, 1, 5, 21, 2 ** 40 + 3])
        p.run('seed %d' % s, lambda: [torch.manual_seed(s)] and [])
    elif kind == 'gen':
        if len(p.gens) >= 2:
            g = rng.choice(sorted(p.gens))
            s = rng.choice([0, 3, 77])
            p.run('gen %s %d' % (g, s), lambda: [p.gens[g].manual_seed(s)] and [])
        else:
            g = 'g%d' % len(p.gens)
            s = rng.choice([0, 3, 77, 2 ** 33 + 1])
            p.gens[g] = torch.Generator().manual_seed(s)
            p.run('gen %s %d' % (g, s), lambda: [])
    elif kind == 'epoch':
        l = rng.choice(sorted(p.loaders))
        mx = None if rng.random() < 0.7 else rng.choice([0, 1, 2])

        def go():
            out = []
            it = iter(p.loaders[l][0])
            try:
                for j, b in enumerate(it):
                    if mx is not None and j >= mx:
                        break
                    out.append(enc(b))
            finally:
                del it
                gc.collect()  # a broken-off epoch's worker processes end here, not in a later fork
            return out
        p.run('epoch %s %s' % (l, '-' if mx is None else str(mx)), go)
    elif kind == 'it':
        # no iterator of a loader with workers is kept: a later fork would hold it (and its workers' pipes)
        if not [x for x in p.loaders if p.loaders[x][1] == 0]:
            return
        l = rng.choice(sorted(x for x in p.loaders if p.loaders[x][1] == 0))
        i = new_name('i', p.iters)

        def go():
            p.iters[i] = iter(p.loaders[l][0])
            return []
        p.run('it %s %s' % (i, l), go)
    elif kind == 'next':
        i = rng.choice(sorted(p.iters))
        for _ in range(rng.choice([1, 1, 2, 3, 5])):
            def go():
                try:
                    return [enc(next(p.iters[i]))]
                except StopIteration:
                    return ['end']
            if not p.run('next %s' % i, go):
                del p.iters[i]  # an iterator that raised is not used again
                break
            if p.lines[-2] == '= end':
                break
    elif kind == 'len':
        names = sorted(p.samplers) + sorted(p.bsamplers) + sorted(p.loaders)
        if not names:
            return
        x = rng.choice(names)
        obj = p.samplers.get(x, p.bsamplers.get(x, p.loaders.get(x, (None,))))[0]
        p.run('len %s' % x, lambda: ['i%d' % len(obj)])
    elif kind == 'list':
        names = sorted(p.samplers) + sorted(p.bsamplers)
        if not names:
            return
        x = rng.choice(names)
        obj = p.samplers[x][0] if x in p.samplers else p.bsamplers[x][0]
        p.run('list %s' % x, lambda: [enc(list(obj))])
    elif kind == 'getds':
        names = [d for d in map_ds(p) if not p.ds[d][3]]
        if not names:
            return
        d = rng.choice(names)
        n = len(p.ds[d][0])
        i = rng.randrange(-n - 1, n + 2)
        p.run('getds %s %d' % (d, i), lambda: [enc(p.ds[d][0][i])])


def program(pid):
    p = Program()
    s = rng.choice([0, 1, 7, 42, 2021, 2 ** 35 + 9])
    torch.manual_seed(s)
    p.lines.append('seed %d' % s)
    p.lines.append(p.hashes())
    if rng.random() < 0.5:
        g = 'g0'
        gs = rng.choice([0, 1, 99])
        p.gens[g] = torch.Generator().manual_seed(gs)
        p.lines.append('gen %s %d' % (g, gs))
        p.lines.append(p.hashes())
    for _ in range(rng.randint(1, 3)):
        stmt_dataset(p)
    for _ in range(rng.randint(6, 16)):
        r = rng.random()
        if r < 0.12:
            stmt_dataset(p)
        elif r < 0.3:
            stmt_sampler(p)
        elif r < 0.5:
            stmt_loader(p)
        else:
            stmt_use(p)
    return p.lines


def main():
    out = sys.stdout
    for pid in range(N_PROGRAMS):
        lines = program(pid)
        out.write('=== r21_%03d P %d\n' % (pid, len(lines)))
        for line in lines:
            out.write(line + '\n')


if __name__ == '__main__':
    main()
