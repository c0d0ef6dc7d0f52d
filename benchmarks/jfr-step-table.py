#!/usr/bin/env python3
"""Shares of a TrainGPT training step by op family, from a JFR recording's execution samples (session 62).

Record a short single-threaded run, then read the recording:

    java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 \
        -XX:StartFlightRecording=filename=/tmp/gpt.jfr,settings=profile -cp benchmarks/target/benchmarks.jar \
        dev.ember.bench.TrainGPT --device cpu --steps 60 --eval-every 1000 --eval-iters 1 --sample-chars 10
    python3 benchmarks/jfr-step-table.py /tmp/gpt.jfr [FAMILY]

Each sample's stack is put in the first family whose frames it contains (the order below: the optimizer's and the
clipping's before the kernels they call, the attention before the GEMMs it runs); samples of the model's construction,
the evaluations and the sampling are counted apart and left out of the step's total. FAMILY (a substring of a family's
name) also lists that family's top leaf frames. JFR samples a thread in Java code whether or not the host runs it, so
on a loaded host the shares, not the counts, are the figure; the collector's pauses come from jdk.GarbageCollection.
Reads `jfr print --json` (about 9 MB a second of a one-thread recording) in memory.
"""
import collections
import json
import re
import subprocess
import sys


def family(names):
    s = ' '.join(names)

    def has(*xs):
        return any(x in s for x in xs)

    if not has('TrainGPT.run') or has('GPT.<init>'):
        return 'setup (data, model) [not in the step]'
    if has('estimateLoss'):
        return 'evaluation [not in the step]'
    if has('TrainGPT.sample'):
        return 'sampling [not in the step]'
    if has('ClipGrad'):
        return 'clip_grad_norm'
    if has('optim/Adam', 'OptimizerKernels', 'GradScaler.step'):
        return 'AdamW'
    if has('zeroGrad'):
        return 'zero_grad'
    d = ' backward' if has('Autograd.backward', 'Tensor.backward') else ' forward'
    if has('AttentionKernels', 'attention'):
        return 'attention (fused SDPA)' + d
    if has('Gemm', 'LinalgOps.mm'):
        return 'Linear GEMMs' + d
    if has('ayerNorm', 'NormKernels'):
        return 'layer norm' + d
    if has('gelu', 'Gelu'):
        return 'GELU' + d
    if has('rossEntropy', 'ogSoftmax', 'nllLoss', 'NllLoss', 'softmax'):
        return 'cross_entropy' + d
    if has('mbedding', 'indexAdd', 'IndexAdd'):
        return 'embedding' + d
    if has('CharData.batch'):
        return 'batch sampling'
    if has('binary', 'ArithmeticOps.add'):
        return 'elementwise (residual adds, gradient sums)' + d
    return 'autograd engine, views, other' + d


def main():
    path = sys.argv[1]
    pick = sys.argv[2] if len(sys.argv) > 2 else None
    out = subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.ExecutionSample', '--stack-depth', '96', path],
                         check=True, capture_output=True, text=True).stdout
    counts = collections.Counter()
    leaves = collections.defaultdict(collections.Counter)
    for e in json.loads(out)['recording']['events']:
        trace = e['values'].get('stackTrace') or {'frames': []}
        names = [f['method']['type']['name'].split('/')[-1] + '.' + f['method']['name'] for f in trace['frames']]
        k = family(names)
        counts[k] += 1
        if names:
            leaves[k][names[0]] += 1
    step = sum(v for k, v in counts.items() if 'not in the step' not in k)
    print('%d samples, %d in training steps' % (sum(counts.values()), step))
    for k, v in counts.most_common():
        share = '' if 'not in the step' in k else '%5.1f%%' % (100.0 * v / step)
        print('%-52s %6d %s' % (k, v, share))
    gc = json.loads(subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.GarbageCollection', path], check=True,
                                   capture_output=True, text=True).stdout)['recording']['events']
    pauses = sum(float(re.match(r'PT([\d.]+)S', e['values']['sumOfPauses']).group(1))
                 for e in gc if re.match(r'PT([\d.]+)S', e['values']['sumOfPauses']))
    print('garbage collections: %d, pauses %.2f s in all (the whole run)' % (len(gc), pauses))
    if pick:
        for k in counts:
            if pick in k:
                print(k + ':', ', '.join('%s %d' % kv for kv in leaves[k].most_common(12)))


if __name__ == '__main__':
    main()
