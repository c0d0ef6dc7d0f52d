# Named regression cases for the engine bugs round 2 of the differential fuzz (make_nn_cases.py) found, in its format,
# read by DifferentialFuzzNNRegressionTest.java:
#   run: cd engine-cpu/src/test/resources/fuzz && /usr/bin/python3 make_nn_regressions.py > nn_regressions.txt  (PyTorch 1.13)
# Each case is "=== <name> <method>" and is computed by make_nn_cases.run (same notes on 1.13 vs 2.x apply).
import sys

import make_cases as mc
import make_nn_cases as nc


def T(dtype, base_shape, vals, *steps, frozen=False):
    t = mc.TArg.__new__(mc.TArg)
    t.dtype = dtype
    t.base_shape = list(base_shape)
    t.steps = list(steps)
    t.vals = list(vals)
    t.frozen = frozen
    return ('T', t)


def I(dtype, base_shape, vals, *steps):
    return ('t', T(dtype, base_shape, vals, *steps, frozen=True))


CASES = [
    # x[basic index] = v with v of one element but not 0-dim: PyTorch's copy_to copies (fill_ is for 0-dim values
    # only), and copy_ refuses an overlapping (expanded) destination; a 0-dim value is filled in
    ('index_put_basic_overlapping_copy', 'indexPut_', [T('float64', [1, 3], [1.5, -0.75, -0.5], 'expand 3 3'),
                                                       ('Ix', [('s', (0, 3, 2)), ('all', None), ('new', None)]),
                                                       T('float64', [1], [-0.25]), ('b', False)]),
    ('index_put_basic_overlapping_fill', 'indexPut_', [T('float64', [1, 3], [1.5, -0.75, -0.5], 'expand 3 3'),
                                                       ('Ix', [('s', (0, 3, 2)), ('all', None)]),
                                                       T('float64', [], [-0.25]), ('b', False)]),
    # ... and a value that cannot be expanded to the view: expand's message (after dropping its leading ones)
    ('index_put_basic_value_expand_message', 'indexPut_', [T('float64', [2, 0], []),
                                                           ('Ix', [('all', None), ('s', (-2, 3, None))]),
                                                           T('float64', [2, 0, 2], []), ('b', False)]),
    ('index_put_basic_value_leading_ones', 'indexPut_', [T('float64', [2, 3], [0.0] * 6),
                                                         ('Ix', [('i', 1)]),
                                                         T('float64', [1, 1, 3], [1.0, 2.0, 3.0]), ('b', False)]),
    # index_put_ checks the indices (make_info) before refusing an overlapping self
    ('index_put_index_shapes_before_overlap', 'indexPut_', [
        T('float32', [1, 1, 2], [-2.0, -1.5], 'expand 2 3 2'),
        ('Ix', [I('int64', [3], [1, 0, 0]), I('int64', [4], [1, 0, 1, 1]), I('int64', [4], [0, 1, 0, 1])]),
        T('float32', [], [0.0]), ('b', True)]),
    ('index_put_value_shape_before_overlap', 'indexPut_', [
        T('float64', [1, 3], [1.0, 2.0, 3.0], 'expand 2 3'), ('Ix', [I('int64', [2], [0, 1])]),
        T('float64', [4], [1.0, 2.0, 3.0, 4.0]), ('b', True)]),
    # ... and the index bounds (the kernel's check) too: PyTorch only warns about the overlap
    ('index_put_bounds_before_overlap', 'indexPut_', [
        T('float32', [1], [-0.75], 'expand 1', 'expand 4'), ('Ix', [I('int32', [2], [4, 0])]), T('float32', [], [1.0]),
        ('b', False)]),
    ('index_put_bounds_before_overlap_2d', 'indexPut_', [
        T('float64', [2, 1], [1.0, 2.0], 'expand 2 3'), ('Ix', [('all', None), I('int64', [1], [3])]),
        T('float64', [], [1.0]), ('b', False)]),
    # the version-counter message names a saved output's node, CopySlices as PyTorch's node->name():
    # torch::autograd::CopySlices
    ('copy_slices_twice_saved_output_message', '@write', [T('float64', [3, 3], [-1.5, 3.0, 3.0, 2.0, -1.0, -0.75, -0.75, 0.25, 0.5]),
                                               ('s', 'post'), ('s', 'exp'), ('s', 'select 0 1'), ('s', 'mul_'),
                                               ('D', 2.0), ('s', '|'), ('s', 'transpose 1 0'), ('s', 'add_'),
                                               ('D', 1.0)]),
    ('copy_slices_version_message_pre', '@write', [T('float64', [4], [1.0, -2.0, 0.5, 3.0]), ('s', 'pre'),
                                                   ('s', 'square'), ('s', 'narrow 0 1 2'), ('s', 'zero_')]),
    # ... and CopyBackwards (copy_ into a tensor that is not a view) as torch::autograd::CopyBackwards
    ('copy_backwards_version_message', '@write', [T('float64', [3], [1.0, -2.0, 0.5]), ('s', 'pre'), ('s', 'square'),
                                                  ('s', '-'), ('s', 'copy_'), T('float64', [3], [0.25, 0.5, 2.0])]),
    # nll_loss's autograd check of a weight that requires grad comes before the kernel's target and weight checks
    ('nll_weight_grad_before_target_type', 'F.nllLoss', [T('float64', [2, 3], [0.5, -1.0, 2.0, 0.25, 1.5, -0.5]),
                                                          T('float64', [2], [0.0, 1.0], frozen=True),
                                                          T('float64', [3], [1.0, 2.0, 0.5]), ('s', 'mean'), ('L', -100)]),
    ('nll_weight_grad_before_weight_size', 'F.nllLoss', [T('float64', [2, 3], [0.5, -1.0, 2.0, 0.25, 1.5, -0.5]),
                                                         T('int64', [2], [0, 2], frozen=True),
                                                         T('float64', [4], [1.0, 2.0, 0.5, 1.0]), ('s', 'sum'),
                                                         ('L', -100)]),
    ('nll_weight_grad_before_multi_target', 'F.crossEntropy', [
        T('float64', [5], [-0.5, -2.0, -1.0, 2.0, 1.5], 'narrow 0 1 3'),
        T('float64', [2, 5], [2.0, -1.5, 3.0, 1.0, 0.25, -1.0, 2.0, -1.0, 0.25, 3.0], 'permute 1 0', frozen=True),
        T('float64', [], [3.25], 'expand 3'), ('s', 'sum'), ('L', 1), ('D', 0.25)]),
    ('nll_weight_grad_after_batch_size', 'F.nllLoss', [T('float64', [2, 3], [0.5, -1.0, 2.0, 0.25, 1.5, -0.5]),
                                                       T('int64', [3], [0, 2, 1], frozen=True),
                                                       T('float64', [3], [1.0, 2.0, 0.5]), ('s', 'mean'), ('L', -100)]),
]


def main():
    out = []
    for key, op, args in CASES:
        lines = nc.run(op, args)
        out.append('=== %s %s' % (key, op))
        for i, (tag, v) in enumerate(args):
            out.append(nc.arg_line(i, tag, v))
        out.extend(lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
