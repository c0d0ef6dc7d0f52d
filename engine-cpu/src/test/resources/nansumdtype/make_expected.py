# Expected values for NansumDtypeTest: torch.nansum / torch.nanmean with dtype= (PyTorch 1.13, CPU; 2.x's nansum_out
# and nanmean are the same: an integer or bool input is sum(dtype=...), a floating one is reduced in dtype by the
# floating-only nansum kernel ('"nansum_cpu" not implemented for ...' otherwise), NansumBackward0 taking the gradient
# back to the input's type; nanmean is nansum(...).div(count of non-NaN), DivBackward0).
# Each case: "case <fn> <input dtype> <dtype> <dims: all | d,d> <keepdim>", then either "err <first line>" or
# "out <dtype> <shape> <values as float.hex>", "node <name>" and, for floating inputs, "grad <values as float.hex>" of
# out.sum().backward() (the leaf's gradient in its own dtype, widened to float64 exactly).
import torch

torch.manual_seed(0)
base = torch.randn(3, 4, dtype=torch.float64) * 3
base[0, 1] = float('nan'); base[2, 0] = float('nan'); base[2, 3] = float('nan'); base[1, 2] = float('inf')
ints = torch.tensor([[1, -2, 3, 4], [5, 6, -7, 8], [9, 10, 11, -12]])
out = ['x ' + ' '.join(float(v).hex() for v in base.flatten().tolist())]
out.append('ints ' + ' '.join(str(v) for v in ints.flatten().tolist()))
def name(t):
    return str(t).replace('torch.', '')
for fn in ['nansum', 'nanmean']:
    for ind in [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.bool]:
        for dt in [torch.float64, torch.float32, torch.float16, torch.int64, torch.int8, torch.complex64]:
            for dims, keep in [(None, False), ((1,), True), ((0,), False)]:
                if ind.is_floating_point:
                    x = base.to(ind).detach().clone().requires_grad_(True)
                elif ind == torch.bool:
                    x = ints > 2
                else:
                    x = ints.to(ind)
                f = getattr(torch, fn)
                line = 'case %s %s %s %s %s' % (fn, name(ind), name(dt), 'all' if dims is None else ','.join(map(str, dims)), keep)
                out.append(line)
                try:
                    y = f(x, dtype=dt) if dims is None else f(x, dims, keep, dtype=dt)
                except Exception as e:
                    out.append('err ' + str(e).split('\n')[0])
                    continue
                out.append('out %s %s %s' % (name(y.dtype), ','.join(map(str, y.shape)) or '-',
                                             ' '.join(float(v).hex() for v in y.detach().double().flatten().tolist())))
                out.append('node ' + (type(y.grad_fn).__name__ if y.grad_fn is not None else 'None'))
                if x.requires_grad:
                    y.sum().backward()
                    out.append('grad ' + ' '.join(float(v).hex() for v in x.grad.double().flatten().tolist()))
open('expected.txt', 'w').write('\n'.join(out) + '\n')
print(sum(1 for l in out if l.startswith('case')), 'cases,', sum(1 for l in out if l.startswith('err')), 'refused')
