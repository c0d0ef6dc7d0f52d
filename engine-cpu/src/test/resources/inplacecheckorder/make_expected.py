# Expected outcomes for InplaceCheckOrderTest: in-place float ops (copysign_, xlogy_) whose other operand cannot be
# cast into self: PyTorch's iterator checks the output's shape, then the cast of the promoted type, before the kernel
# refuses a complex type. One line per case: "<name>|<message>".
#   run: cd engine-cpu/src/test/resources/inplacecheckorder && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (the iterator's order is the same in 2.x).
import torch

cases = [
    ("copysign_complex_other", lambda: torch.ones(2, 3).copysign_(torch.ones(3, dtype=torch.complex128))),
    ("xlogy_complex_other", lambda: torch.ones(2, 3).xlogy_(torch.ones(3, dtype=torch.complex128))),
    ("copysign_int_self_complex_other", lambda: torch.ones(3, dtype=torch.int64).copysign_(torch.ones(3, dtype=torch.complex128))),
    ("copysign_shape_first", lambda: torch.ones(3).copysign_(torch.ones(2, 3, dtype=torch.complex64))),
    ("xlogy_int_self", lambda: torch.ones(3, dtype=torch.int64).xlogy_(torch.ones(3, dtype=torch.int64))),
    ("copysign_complex_self", lambda: torch.ones(3, dtype=torch.complex64).copysign_(torch.ones(3))),
    ("xlogy_complex_self", lambda: torch.ones(3, dtype=torch.complex64).xlogy_(torch.ones(3))),
]
for name, fn in cases:
    try:
        fn()
        print(name + "|ok")
    except Exception as e:
        print(name + "|" + str(e))
