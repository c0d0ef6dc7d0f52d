# PyTorch's refusals for FuzzRound22FixesTest.reducedTypesRefusedByTheLinalgKernelsWithPyTorchsMessage: the linear
# algebra of float16/bfloat16 CPU tensors outside autocast (inside it these ops run in float32).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr22 && /usr/bin/python3 make_fixes.py > fixes.txt
# Format: "<case> <dtype> <first line of PyTorch's message>". PyTorch 1.13's messages; 2.x's are the same for these
# (linalg.pinv's check names its four types, _get_epsilon knows float and double, the svd/eigh/lstsq CPU kernels
# dispatch on float, double and the complex types).
import torch

torch.manual_seed(22)
CASES = [
    ('svdvals', lambda a: torch.linalg.svdvals(a)),
    ('svd', lambda a: torch.linalg.svd(a)),
    ('torch_svd', lambda a: torch.svd(a)),
    ('eigh', lambda a: torch.linalg.eigh(a)),
    ('eigvalsh', lambda a: torch.linalg.eigvalsh(a)),
    ('cond', lambda a: torch.linalg.cond(a)),
    ('matrix_rank', lambda a: torch.linalg.matrix_rank(a)),
    ('matrix_rank_tols', lambda a: torch.linalg.matrix_rank(a, atol=0.1, rtol=0.0)),
    ('matrix_rank_hermitian', lambda a: torch.linalg.matrix_rank(a, atol=0.1, rtol=0.0, hermitian=True)),
    ('pinverse', lambda a: torch.pinverse(a)),
    ('pinv', lambda a: torch.linalg.pinv(a)),
    ('lstsq', lambda a: torch.linalg.lstsq(a, a)),
    ('lstsq_rcond', lambda a: torch.linalg.lstsq(a, a, rcond=0.1)),
]
for dtype, name in ((torch.bfloat16, 'bfloat16'), (torch.float16, 'float16')):
    a = torch.randn(3, 3).to(dtype)
    for case, fn in CASES:
        try:
            fn(a)
            print('%s %s runs' % (case, name))
        except RuntimeError as e:
            print('%s %s %s' % (case, name, str(e).split('\n')[0]))
