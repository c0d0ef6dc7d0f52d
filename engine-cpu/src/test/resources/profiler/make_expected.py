#!/usr/bin/env python3
"""PyTorch's profiler tables for a program like ProfilerTest's training step: writes expected_tables.txt.

Run with /usr/bin/python3 (torch 1.13 CPU). ProfilerTest compares the STRUCTURE of Ember's tables with these (column
titles and their order, width rules, alignment, number formats, sort order, row limit, the totals line), not the
times. The layout comes from torch/autograd/profiler_util.py (_build_table, _format_time, _format_time_share,
_format_memory). PyTorch 2.x keeps this function (with optional extras: FLOPs, device types other than CUDA); only
1.13's output was available here to compare against, so a 2.x-only difference would not be caught.

Sections: "=== name sort_by row_limit" then the table's lines as printed.
"""
import os

import torch
import torch.nn as nn
from torch.profiler import ProfilerActivity, profile, record_function

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(32, 8)
y = torch.randn(32, 4)


def step():
    with record_function("train_step"):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()


step()  # warm up, as the Java test does not need to
CASES = [
    # name, profile kwargs, key_averages kwargs, sort_by, row_limit
    ('memory', dict(profile_memory=True), dict(), 'self_cpu_time_total', 10),
    ('times', dict(), dict(), 'cpu_time_total', -1),
    ('shapes', dict(record_shapes=True), dict(group_by_input_shape=True), 'count', 5),
    ('stack', dict(with_stack=True), dict(group_by_stack_n=3), 'self_cpu_time_total', 3),
]
out = []
for name, kwargs, averages, sort_by, limit in CASES:
    with profile(activities=[ProfilerActivity.CPU], **kwargs) as prof:
        step()
    table = prof.key_averages(**averages).table(sort_by=sort_by, row_limit=limit)
    out.append('=== %s %s %d' % (name, sort_by, limit))
    out.extend(table.rstrip('\n').split('\n'))
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'expected_tables.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
