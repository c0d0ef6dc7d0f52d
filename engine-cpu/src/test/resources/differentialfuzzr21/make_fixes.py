# Expected values for FuzzRound21FixesTest.java: the regressions of the bugs round 21 of the differential fuzz found in
# Ember's data pipeline, each a short program in make_cases.py's format (replayed by FuzzR21Interpreter), run here in
# PyTorch with make_cases.py's 2.x emulations (its multinomial fast path, 2.x's StackDataset and Subset.__getitems__).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr21 && /usr/bin/python3 make_fixes.py > fixes.txt
#   (PyTorch 1.13 CPU; every program seeds first, so a second run writes the same bytes)
# Format: "=== name", then the program's lines (make_cases.py's header).
import sys

sys.dont_write_bytecode = True  # no __pycache__ among the test resources

import torch  # noqa: E402

import make_cases as mc  # noqa: E402


def program(name, build):
    p = mc.Program()
    build(p)
    sys.stdout.write('=== %s\n' % name)
    for line in p.lines:
        sys.stdout.write(line + '\n')


def seed(p, s):
    torch.manual_seed(s)
    p.run('seed %d' % s, lambda: [])


def gen(p, g, s):
    p.gens[g] = torch.Generator().manual_seed(s)
    p.run('gen %s %d' % (g, s), lambda: [])


def tds(p, k, n, spec):
    p.ds[k] = (mc.TensorDataset(*mc.fill(n, spec)), 'tds:' + spec, 'map', False)
    p.run('tds %s %d %s' % (k, n, spec), lambda: [])


def loader(p, k, d, text, **kw):
    def go():
        p.loaders[k] = (mc.DataLoader(p.ds[d][0], **kw), 0)
        return []
    p.run('loader %s %s %s' % (k, d, text), go)


def it(p, i, l):
    def go():
        p.iters[i] = iter(p.loaders[l][0])
        return []
    p.run('it %s %s' % (i, l), go)


def nxt(p, i):
    def go():
        try:
            return [mc.enc(next(p.iters[i]))]
        except StopIteration:
            return ['end']
    p.run('next %s' % i, go)


def epoch(p, l):
    p.run('epoch %s -' % l, lambda: [mc.enc(b) for b in p.loaders[l][0]])


def split(p, names, d, text, lens, g):
    def go():
        parts = mc.random_split(p.ds[d][0], lens, generator=p.gens[g] if g != '-' else torch.default_generator)
        for nm, s in zip(names, parts):
            p.ds[nm] = (s, p.ds[d][1], 'map', p.ds[d][3])
        return ['[' + ';'.join('i%d' % len(s) for s in parts) + ']',
                '[' + ';'.join('[' + ';'.join('i%d' % i for i in s.indices) + ']' for s in parts) + ']']
    p.run('split %s %s %s %s' % (','.join(names), d, text, g), go)


def batch_sampler_reads_no_batch_ahead(p):
    # the last randperm(7)[:0] of a shuffled epoch comes at the third next (the end), not after the second batch; a
    # RandomSampler with replacement draws its second chunk of 32 when the second batch needs it
    seed(p, 7)
    gen(p, 'g0', 1)
    gen(p, 'g1', 5)
    tds(p, 'd0', 7, 'int64:2')
    loader(p, 'l0', 'd0', 'bs=3 sh=1 drop=1 g=g0', batch_size=3, shuffle=True, drop_last=True, generator=p.gens['g0'])
    it(p, 'i0', 'l0')
    for _ in range(3):
        nxt(p, 'i0')
    p.samplers['s0'] = (mc.RandomSampler(p.ds['d0'][0], replacement=True, num_samples=40, generator=p.gens['g1']), 'd0')
    p.run('srand s0 d0 1 40 g1', lambda: [])
    loader(p, 'l1', 'd0', 'bs=32 s=s0', batch_size=32, sampler=p.samplers['s0'][0])
    it(p, 'i1', 'l1')
    for _ in range(3):
        nxt(p, 'i1')
    loader(p, 'l2', 'd0', 'bs=7 sh=1', batch_size=7, shuffle=True)
    it(p, 'i2', 'l2')
    nxt(p, 'i2')
    nxt(p, 'i2')


def random_split_integer_lengths_adding_up_to_one(p):
    seed(p, 3)
    gen(p, 'g0', 11)
    tds(p, 'd0', 10, 'float32:-')
    split(p, ['d1', 'd2'], 'd0', '1,0', [1, 0], '-')
    split(p, ['d3', 'd4', 'd5'], 'd0', '0,0,1', [0, 0, 1], 'g0')
    tds(p, 'd6', 1, 'int64:-')
    split(p, ['d7'], 'd6', '1', [1], '-')  # a size of 1: the fractions give lengths that add up to 1 again
    split(p, ['d8', 'd9'], 'd0', '2,-1', [2, -1], '-')
    split(p, ['d10', 'd11'], 'd0', '4,5', [4, 5], '-')
    split(p, ['d12', 'd13'], 'd0', '3,7', [3, 7], 'g0')


def concat_dataset_past_its_end(p):
    seed(p, 0)
    tds(p, 'd0', 3, 'int64:-')
    tds(p, 'd1', 2, 'int64:-')
    p.ds['d2'] = (mc.ConcatDataset([p.ds['d0'][0], p.ds['d1'][0]]), 'tds', 'map', False)
    p.run('concat d2 d0,d1', lambda: [])
    for i in (4, 5, 6, -5, -6):
        p.run('getds d2 %d' % i, lambda: [mc.enc(p.ds['d2'][0][i])])


def empty_shuffled_loader_refuses_its_sampler_first(p):
    seed(p, 1)
    tds(p, 'd0', 3, 'float32:2')
    split(p, ['d1', 'd2'], 'd0', '3,0', [3, 0], '-')
    loader(p, 'l0', 'd2', 'bs=0 sh=1', batch_size=0, shuffle=True)
    loader(p, 'l1', 'd2', 'bs=0', batch_size=0)


def random_sampler_over_an_empty_data_set(p):
    seed(p, 2)
    gen(p, 'g0', 4)
    tds(p, 'd0', 3, 'float32:-')
    split(p, ['d1', 'd2'], 'd0', '3,0', [3, 0], '-')
    for k, rep, g in (('s0', False, '-'), ('s1', False, 'g0'), ('s2', True, '-'), ('s3', True, 'g0')):
        p.samplers[k] = (mc.RandomSampler(p.ds['d2'][0], replacement=rep, num_samples=3,
                                          generator=None if g == '-' else p.gens[g]), 'd2')
        p.run('srand %s d2 %d 3 %s' % (k, 1 if rep else 0, g), lambda: [])
        p.run('list %s' % k, lambda: [mc.enc(list(p.samplers[k][0]))])


def stack_dataset_reads_a_batch_dataset_by_dataset(p):
    seed(p, 5)
    p.ds['d0'] = (mc.RandDS(4), 'randds', 'map', True)
    p.run('randds d0 4', lambda: [])
    tds(p, 'd1', 4, 'int64:-')
    p.ds['d2'] = (mc.StackDS(p.ds['d0'][0], p.ds['d1'][0], p.ds['d0'][0]), 's', 'map', True)
    p.run('stack d2 t d0,d1,d0', lambda: [])
    loader(p, 'l0', 'd2', 'bs=3', batch_size=3)
    epoch(p, 'l0')
    p.ds['d3'] = (mc.StackDS(k0=p.ds['d0'][0], k1=p.ds['d0'][0]), 's', 'map', True)
    p.run('stack d3 d d0,d0', lambda: [])
    p.ds['d4'] = (mc.Subset(p.ds['d3'][0], [3, 1, 2]), 's', 'map', True)
    p.run('subset d4 d3 3,1,2', lambda: [])
    loader(p, 'l1', 'd4', 'bs=2', batch_size=2)
    epoch(p, 'l1')
    loader(p, 'l2', 'd3', 'bs=none', batch_size=None)
    epoch(p, 'l2')


def subset_batch_reads_until_a_bad_index(p):
    # 2.x's Subset.__getitems__ over a data set without one reads sample by sample: the samples before a bad index are
    # read (and drawn); over a StackDataset it maps every index first, so nothing is read
    seed(p, 1)
    p.ds['d0'] = (mc.RandDS(5), 'randds', 'map', True)
    p.run('randds d0 5', lambda: [])
    p.ds['d1'] = (mc.Subset(p.ds['d0'][0], [0, 2]), 'randds', 'map', True)
    p.run('subset d1 d0 0,2', lambda: [])
    loader(p, 'l0', 'd1', 'b=L0,1|1,3,0', batch_sampler=[[0, 1], [1, 3, 0]])
    p.run('epoch l0 -', lambda: [mc.enc(b) for b in p.loaders['l0'][0]])
    p.ds['d2'] = (mc.StackDS(p.ds['d0'][0]), 's', 'map', True)
    p.run('stack d2 t d0', lambda: [])
    p.ds['d3'] = (mc.Subset(p.ds['d2'][0], [4, 1]), 's', 'map', True)
    p.run('subset d3 d2 4,1', lambda: [])
    loader(p, 'l1', 'd3', 'b=L1,0|0,2', batch_sampler=[[1, 0], [0, 2]])
    p.run('epoch l1 -', lambda: [mc.enc(b) for b in p.loaders['l1'][0]])


def default_collate_of_mixed_numbers(p):
    # a bool first and an int after it (or an int first and a bool after it) collate to int64, as torch.tensor infers
    # them; a float first makes float64 of every number; an int first and a float after it the default type
    seed(p, 0)
    p.ds['d0'] = (mc.MixDS(9), 'mixds', 'map', False)
    p.run('mixds d0 9', lambda: [])
    for k, bs in (('l0', 2), ('l1', 3), ('l2', 4)):
        loader(p, k, 'd0', 'bs=%d' % bs, batch_size=bs)
        epoch(p, k)
    p.ds['d1'] = (mc.Subset(p.ds['d0'][0], [3, 0, 5, 1, 8]), 'mixds', 'map', False)
    p.run('subset d1 d0 3,0,5,1,8', lambda: [])
    loader(p, 'l3', 'd1', 'bs=5', batch_size=5)
    epoch(p, 'l3')


for fn in (batch_sampler_reads_no_batch_ahead, random_split_integer_lengths_adding_up_to_one,
           concat_dataset_past_its_end, empty_shuffled_loader_refuses_its_sampler_first,
           random_sampler_over_an_empty_data_set, stack_dataset_reads_a_batch_dataset_by_dataset,
           subset_batch_reads_until_a_bad_index, default_collate_of_mixed_numbers):
    program(fn.__name__, fn)
