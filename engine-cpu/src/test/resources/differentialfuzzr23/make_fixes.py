# Named cases for FuzzRound23FixesTest (the regressions of differential fuzz round 23), in make_cases.py's format and
# computed by its 2.x ports (see its header: PyTorch 2.x's TransformerEncoder nested-tensor path, emulated on 1.13).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr23 && /usr/bin/python3 make_fixes.py > fixes.txt
# Each case: a TransformerEncoder (batch_first, 2 heads, relu/gelu, post-norm) with a final LayerNorm whose bias is
# set, in eval mode, called with a left-aligned key padding mask:
#   nested_nograd          autograd off: 2.x's nested path, the padded rows come out as the norm of zeros (its bias)
#   nested_float_mask      a float padding mask with finite nonzero values at the end of each row: 2.x's nested path
#                          takes every nonzero position as padding (mask.logical_not())
#   dense_with_grad        the same call with autograd on and parameters requiring grad: the dense path
#   dense_disabled         enable_nested_tensor=False, autograd off: the dense path
#   dense_not_left_aligned a padding mask whose padding is not at the end of a row: mask_check sends it to the dense path
#   transformer_memory     nn.Transformer without a memory key padding mask: the decoder attends the encoder's padded
#                          rows, which are the encoder norm's bias under 2.x's nested path
#   transformer_activation_module  nn.Transformer with an activation module (nn.PReLU, whose weight each layer's copy
#                          learns), training, gradients of every parameter
#   encoder_no_layers / decoder_no_layers    stacks of 0 layers: 2.x's forward reads self.layers[0] and raises
#                          ModuleList's IndexError (1.13's decoder ran; 1.13's encoder raised the same)
import torch
import torch.nn as nn

import make_cases as mc

OUT = []


def emit(name, build):
    c = mc.Case(name, 'fix', name)
    build(c)
    OUT.append('=== %s fix %s' % (name, name))
    OUT.extend(c.lines)


def encoder_case(kpm_rows, float_mask=False, grad=False, nested=True, act='relu', seed=5):
    def build(c):
        cfg = dict(d=4, h=2, ff=6, act=act, eps=1e-5, bf=True, nf=False, bias=True)
        c.seed(seed)
        args = mc.layer_args(cfg, 0.0) + [('n', 2), ('norm', 1), ('nt', int(nested))]
        m = c.mod('m', 'tenc', args, lambda: mc.TEnc2x(mc.TEL2x(4, 2, 6, 0.0, act, 1e-5, True, False, True), 2,
                                                         nn.LayerNorm(4), nested))
        c.mode('m', False)
        x = c.inp((len(kpm_rows), len(kpm_rows[0]), 4), grad)
        masked = torch.tensor(kpm_rows, dtype=torch.bool)
        if float_mask:
            vals = torch.where(masked, torch.tensor(-0.75, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64))
            kpm = c.const(vals)
        else:
            kpm = c.const(masked)

        def run():
            with torch.set_grad_enabled(grad):
                return m(c.vars[x], None, c.vars[kpm], None)
        c.call(['o'], 'tenc', [('src', x), ('kpm', kpm), ('causal', 'n'), ('ng', int(not grad))], run)
        if grad:
            c.backward(['o'], True)
    return build


def transformer_case(c):
    c.seed(9)
    args = [('d', 4), ('h', 2), ('ne', 1), ('nd', 1), ('ff', 6), ('drop', '0.0'), ('act', 'gelu'), ('eps', '1e-05'),
            ('bf', 1), ('nf', 0), ('bias', 1)]
    m = c.mod('m', 'tr', args, lambda: mc.Tr2x(4, 2, 1, 1, 6, 0.0, 'gelu', 1e-5, True, False, True))
    c.mode('m', False)
    src = c.inp((2, 4, 4))
    tgt = c.inp((2, 3, 4))
    skpm = c.const(torch.tensor([[False, False, True, True], [False, False, False, True]]))

    def run():
        with torch.no_grad():
            return m(c.vars[src], c.vars[tgt], None, None, None, c.vars[skpm], None, None, None, None, False)
    c.call(['o'], 'tr', [('src', src), ('tgt', tgt), ('skpm', skpm), ('sc', 'n'), ('tc', 'n'), ('mc', 0), ('ng', 1)],
           run)


def transformer_activation_case(c):
    c.seed(12)
    args = [('d', 4), ('h', 2), ('ne', 2), ('nd', 1), ('ff', 6), ('drop', '0.0'), ('act', 'm:prelu'), ('eps', '1e-05'),
            ('bf', 0), ('nf', 1), ('bias', 1)]
    m = c.mod('m', 'tr', args, lambda: mc.Tr2x(4, 2, 2, 1, 6, 0.0, 'm:prelu', 1e-5, False, True, True))
    c.mode('m', True)
    src = c.inp((3, 2, 4), True)
    tgt = c.inp((2, 2, 4), True)
    tm = c.const(mc.gen_square_subsequent_mask(2, torch.float64))
    c.call(['o'], 'tr', [('src', src), ('tgt', tgt), ('tm', tm), ('sc', 'n'), ('tc', 'n'), ('mc', 0), ('ng', 0)],
           lambda: m(c.vars[src], c.vars[tgt], None, c.vars[tm]))
    c.backward(['o'], True)


def main():
    torch.set_num_threads(1)
    rows = [[False, False, False, True, True], [False, False, False, False, True], [False, True, True, True, True]]
    emit('nested_nograd', encoder_case(rows))
    emit('nested_float_mask', encoder_case(rows, float_mask=True, act='gelu', seed=6))
    emit('dense_with_grad', encoder_case(rows, grad=True))
    emit('dense_disabled', encoder_case(rows, nested=False))
    emit('dense_not_left_aligned', encoder_case([[False, True, False, False, True], [False, False, False, False, True],
                                                 [False, True, True, True, True]]))
    emit('transformer_memory', transformer_case)
    emit('transformer_activation_module', transformer_activation_case)
    emit('encoder_no_layers', lambda c: mc.case_tr_err_kind(c, 'enc_empty'))
    emit('decoder_no_layers', lambda c: mc.case_tr_err_kind(c, 'dec_empty'))
    print('\n'.join(OUT))


main()
