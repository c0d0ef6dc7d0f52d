# Named regression cases for the engine bugs the differential fuzz (make_cases.py) found, in the fuzz's format, read by
# DifferentialFuzzRegressionTest.java:
#   run: cd engine-cpu/src/test/resources/fuzz && /usr/bin/python3 make_regressions.py > regressions.txt  (PyTorch 1.13)
# Each case is "=== <name> <method>" and is computed by make_cases.run (same notes on 1.13 vs 2.x apply).
import sys
import torch
import make_cases as mc


def T(dtype, base_shape, vals, *steps):
    t = mc.TArg.__new__(mc.TArg)
    t.dtype = dtype
    t.base_shape = list(base_shape)
    t.steps = list(steps)
    t.vals = list(vals)
    return ('T', t)


CASES = [
    # PyTorch counts an empty tensor as contiguous, so an expanded empty self is not "overlapping": nothing is written
    ('empty_expanded_add_', 'add_', [T('float16', [1], [-2.5], 'expand 2 0'), ('D', 1.5)]),
    ('empty_expanded_lt_', 'lt_', [T('float32', [1], [-1.5], 'expand 3 0'), ('D', -2.5)]),
    ('empty_expanded_exp_int', 'exp_', [T('int64', [0, 1], [], 'permute 1 0', 'expand 2 0')]),
    ('empty_expanded_mul_tensor', 'mul_', [T('int32', [1, 0], [], 'expand 4 0'), T('int32', [0], [])]),
    # clamp_'s meta function refuses a promoted type before the iterator's overlap check
    ('clamp_int_expanded_float_bounds', 'clamp_', [T('int64', [1, 2, 1, 1], [-2, 1], 'expand 2 2 2 2'), ('D', -1.0),
                                                   ('D', 2.5)]),
    ('clampMin_uint8_expanded_float', 'clampMin_', [T('uint8', [1, 3], [1, 2, 3], 'expand 2 3'), ('D', 0.5)]),
    # pow_ by a number: "Found dtype" (a unary op requiring one dtype), not the binary ops' cast message
    ('pow_int_by_float', 'pow_', [T('int64', [4, 3], [6, 4, 5, 2, 0, 0, 0, -3, -5, -4, -4, 1], 'diagonal -1 -2 -1'),
                                  ('D', 0.0)]),
    ('pow_bool_by_int', 'pow_', [T('bool', [3], [True, False, True]), ('L', 2)]),
    ('pow_int_by_int_ok', 'pow_', [T('int16', [5], [3, -2, 0, 1, 4], 'slice 0 1 5 2'), ('L', 3)]),
    # integral Java numbers (Python ints) for in-place arithmetic and clamp_: integer tensors stay integer
    ('mul_int_by_long', 'mul_', [T('int64', [2, 3], [1, -2, 3, 4, -5, 6], 'permute 1 0'), ('L', -3)]),
    ('sub_uint8_by_long', 'sub_', [T('uint8', [4], [0, 1, 200, 255]), ('L', 3)]),
    ('div_int_by_long', 'div_', [T('int32', [3], [1, 2, 3]), ('L', 2)]),
    ('div_float_by_long', 'div_', [T('float32', [3], [1.0, -2.5, 3.0]), ('L', 2)]),
    ('div_long_floor', 'div_:mode', [T('int64', [5], [-7, -1, 0, 5, 9], 'narrow 0 1 3'), ('L', 2), ('s', 'floor')]),
    ('div_out_of_place_long', 'div', [T('int8', [4], [-7, -1, 0, 5]), ('L', 2)]),
    ('clamp_int_long_bounds', 'clamp_', [T('int16', [2, 3], [-5, 0, 2, 7, -1, 3], 'slice 1 0 3 2'), ('L', -1),
                                         ('L', 2)]),
    ('clampMax_uint8_long', 'clampMax_', [T('uint8', [4], [0, 9, 200, 255]), ('L', 100)]),
    # addcmul/addcdiv convert value to the computation type with c10's overflow check
    ('addcmul_uint8_value_overflow', 'addcmul', [T('uint8', [], [255]), T('uint8', [2], [12, 200]), T('uint8', [], [7]),
                                                 ('D', -1.5)]),
    ('addcmul_int8_value_overflow', 'addcmul', [T('int8', [2], [1, 2]), T('int8', [2], [3, 4]), T('int8', [2], [1, 1]),
                                                ('D', 200.5)]),
    ('addcdiv_int_float_value_ok', 'addcdiv', [T('int64', [2], [1, 2]), T('float32', [2], [3.0, 4.0]),
                                               T('float32', [2], [2.0, 8.0]), ('D', 0.5)]),
    # masked_fill_ into an expanded self: PyTorch warns and writes where any alias is masked
    ('masked_fill_expanded_self', 'maskedFill_', [T('int32', [1, 4], [-1, 3, -4, -5], 'expand 3 4'),
                                                  T('bool', [3, 4], [False, True, False, False, False, False, False,
                                                                     True, False, True, False, False]),
                                                  ('D', 2.0)]),
    ('masked_fill_expanded_self_false', 'maskedFill_', [T('float64', [1, 4], [-1.0, 3.0, -4.0, -5.0], 'expand 3 4'),
                                                        T('bool', [], [False]), ('D', 2.0)]),
    ('masked_fill_expanded_view_of_view', 'maskedFill_', [T('float32', [2, 1, 3], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                                                            'expand 2 4 3', 'permute 1 0 2'),
                                                          T('bool', [4, 1, 3], [True, False, False, False, False, False,
                                                                                False, False, True, False, False,
                                                                                False]),
                                                          ('D', -7.0)]),
    # gcd/lcm see their operands in the result type (the 0-dim int64 -5 is 251 to a uint8 tensor)
    ('lcm_uint8_with_negative_0dim', 'lcm', [T('uint8', [4], [5, 3, 0, 251]), T('int64', [], [-5])]),
    ('gcd_int8_with_wide_0dim', 'gcd', [T('int8', [3], [6, 4, 9]), T('int64', [], [260])]),
    # amax/amin name an empty reduced dim as given (-1), as zero_numel_check_dims
    ('amax_empty_dim_as_given', 'amax', [T('float32', [0], []), ('il', [-1]), ('b', False)]),
    ('amin_empty_dim_as_given', 'amin', [T('int64', [2, 0], []), ('il', [0, -1]), ('b', True)]),
    # lerp_'s type check (meta) comes before the overlap check
    ('lerp_type_before_overlap', 'lerp_', [T('bfloat16', [1, 3], [1.0, 2.0, 3.0], 'expand 2 3'),
                                           T('float16', [3], [0.5, 0.5, 0.5]), ('D', 0.5)]),
    ('lerp_tensor_weight_type_before_overlap', 'lerp_:tensor', [T('float32', [1], [1.0], 'expand 4'),
                                                                T('float32', [4], [2.0, 3.0, 4.0, 5.0]),
                                                                T('float64', [4], [0.5, 0.5, 0.5, 0.5])]),
    # addmm/addmv/baddbmm over an empty inner dim compute result.mul_(beta): a fractional beta cannot fit an integer
    ('addmm_int_empty_inner_fractional_beta', 'addmm', [T('int64', [], [-2]), T('int64', [2, 0], []),
                                                        T('int64', [0, 3], []), ('D', 0.5), ('D', 1.0)]),
    ('addmv_int_empty_inner_fractional_beta', 'addmv', [T('int32', [2], [3, 4]), T('int32', [2, 0], []),
                                                        T('int32', [0], []), ('D', 1.5), ('D', 1.0)]),
    ('addmm_int_fractional_beta_nonempty', 'addmm', [T('int64', [2, 2], [1, 2, 3, 4]), T('int64', [2, 1], [1, 2]),
                                                     T('int64', [1, 2], [3, 4]), ('D', 0.5), ('D', 1.0)]),
    # integer division by zero is checked per element used: not for an empty result, after the broadcast check
    ('fmod_int_by_zero_empty', 'fmod', [T('int8', [2, 0], []), ('L', 0)]),
    ('remainder_int_by_zero_tensor_empty', 'remainder', [T('int64', [0, 3], []), T('int64', [3], [0, 1, 0])]),
    ('fmod_int_by_zero_shape_first', 'fmod', [T('int32', [2, 3], [1, 2, 3, 4, 5, 6]), T('int32', [2], [0, 1])]),
    # neg_'s bool check (meta) comes before the overlap check
    ('neg_bool_expanded', 'neg_', [T('bool', [1, 3], [True, False, True], 'expand 2 3')]),
    # vector_norm names an empty dim as given
    ('norm_inf_empty_dim_as_given', 'norm', [T('float32', [2, 0], []), ('D', float('inf')), ('il', [-1]),
                                             ('b', True)]),
    # nan_to_num's default posinf/neginf are the type's own largest values (float16 65504)
    ('nan_to_num_float16_defaults', 'nanToNum', [T('float16', [4], [0.3, float('inf'), float('-inf'), float('nan')])]),
    ('nan_to_num_bfloat16_defaults', 'nanToNum', [T('bfloat16', [3], [float('inf'), float('-inf'), 1.5],
                                                    'slice 0 0 3 1')]),
    # var_mean/std_mean's mean is PyTorch's Welford running mean: NaN once an infinity is followed by another element
    # (inf + (x - inf) / n), the plain mean (inf) when the infinity is the element visited last (the last index of
    # every reduced dim, whatever the order of the loops)
    ('var_mean_welford_inf', 'varMean', [T('float64', [3], [float('inf'), 1.0, 2.0]), ('il', [0]), ('i', 1),
                                         ('b', False)]),
    ('var_mean_welford_inf_last', 'varMean', [T('float64', [3], [1.0, 2.0, float('inf')]), ('il', [0]), ('i', 1),
                                              ('b', False)]),
    ('var_mean_welford_inf_rows', 'varMean', [T('float32', [2, 3], [float('-inf'), 1.0, 2.0, 1.0, 2.0, float('inf')]),
                                              ('il', [1]), ('i', 0), ('b', True)]),
    ('var_mean_welford_inf_permuted_all', 'varMean', [T('float64', [2, 3], [1.0, 2.0, float('inf'), 3.0, 4.0, 5.0],
                                                        'permute 1 0'), ('il', []), ('i', 1), ('b', False)]),
    ('var_mean_welford_inf_columns', 'stdMean', [T('float64', [2, 3], [1.0, float('inf'), 2.0, float('-inf'), 3.0, 4.0]),
                                                 ('il', [0]), ('i', 1), ('b', False)]),
    ('var_mean_welford_inf_last_of_both_dims', 'stdMean', [T('float64', [2, 2], [1.0, 2.0, 3.0, float('inf')]),
                                                           ('il', [0, 1]), ('i', 1), ('b', False)]),
    # fmod_/remainder_ by an integer tensor of zeros that broadcasts past self: the iterator's shape message first
    ('fmod_inplace_int_by_zero_shape_first', 'fmod_', [T('int64', [3], [-2, 0, -1]), T('int64', [3, 3], [0] * 9)]),
    ('remainder_inplace_int_by_zero_shape_first', 'remainder_', [T('int32', [2, 1], [5, 7]), T('int32', [2, 2],
                                                                                              [0, 0, 0, 0])]),
    ('fmod_inplace_int_by_zero_same_shape', 'fmod_', [T('int8', [2], [5, 7]), T('int8', [2], [1, 0])]),
    # scatter's number is converted in the kernel: any number with an empty index, the bounds message before the
    # overflow one
    ('scatter_value_empty_index_out_of_range', 'scatter:value', [T('uint8', [2, 3], [255, 3, 2, 200, 9, 5]), ('i', 0),
                                                                 T('int64', [0, 3], []), ('D', 300.0)]),
    ('scatter_value_empty_index_float_overflow', 'scatter:value', [T('float32', [3], [1.0, 2.0, 3.0]), ('i', 0),
                                                                   T('int64', [0], []), ('D', 1e40)]),
    ('scatter_value_bounds_before_overflow', 'scatter:value', [T('uint8', [3], [1, 2, 3]), ('i', 0),
                                                               T('int64', [1], [5]), ('D', 300.0)]),
    ('scatter_value_overflow', 'scatter:value', [T('uint8', [3], [1, 2, 3]), ('i', 0), T('int64', [1], [0]),
                                                 ('D', 300.0)]),
]


mc.op('lerp_:tensor', None, lambda a, b, w: a.lerp_(b, w), diff=False)
mc.op('clampMin_', None, lambda a, lo: a.clamp_min_(lo), diff=False)
mc.op('clampMax_', None, lambda a, hi: a.clamp_max_(hi), diff=False)


def main():
    out = []
    for key, op, args in CASES:
        lines = mc.run(op, args)
        out.append('=== %s %s' % (key, op))
        for i, (tag, v) in enumerate(args):
            out.append(mc.arg_line(i, tag, v))
        out.extend(lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
