# Expected outcomes for ScalarOverflowTest: a Python number that a complex64 (or float32) op converts to its type with
# c10's checked conversion (Scalar::to<c10::complex<float>>()), as PyTorch refuses or takes it. One line per case:
# "<name>|ok" or "<name>|<message>".
#   run: cd engine-cpu/src/test/resources/scalaroverflow && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU; the cases' checks are the same in 2.x (lerp on float16 is 2.x's: 1.13 has no Half lerp kernel, so
# no float16 case here).
import torch

C = torch.complex64
m = torch.tensor([True, False])
i0 = torch.tensor([0])


def z():
    return torch.zeros(2, dtype=C)


def f():
    return torch.zeros(2)


cases = [
    ("full_c64", lambda: torch.full((2,), 1e40, dtype=C)),
    ("full_c64_empty", lambda: torch.full((2, 0), 1e40, dtype=C)),
    ("full_c64_neg", lambda: torch.full((2,), -1e39, dtype=C)),
    ("full_c64_inf", lambda: torch.full((2,), float("inf"), dtype=C)),
    ("full_c64_max", lambda: torch.full((2,), 3.4028234663852886e38, dtype=C)),
    ("full_c128", lambda: torch.full((2,), 1e300, dtype=torch.complex128)),
    ("fill_", lambda: z().fill_(1e40)),
    ("full_like", lambda: torch.full_like(z(), 1e40)),
    ("new_full", lambda: z().new_full((2,), 1e40)),
    ("where", lambda: torch.where(m, z(), 1e40)),
    ("masked_fill", lambda: z().masked_fill(m, 1e40)),
    ("masked_fill_", lambda: z().masked_fill_(m, -1e40)),
    ("index_fill", lambda: z().index_fill(0, i0, 1e40)),
    ("scatter", lambda: z().scatter(0, i0, 1e40)),
    ("fill_diagonal_", lambda: torch.zeros(2, 2, dtype=C).fill_diagonal_(1e40)),
    ("add_alpha", lambda: z().add(z(), alpha=1e40)),
    ("add__alpha", lambda: z().add_(z(), alpha=1e40)),
    ("sub_alpha", lambda: z().sub(z(), alpha=1e40)),
    ("sub__alpha", lambda: z().sub_(z(), alpha=1e40)),
    ("add_f32_c64_alpha", lambda: f().add(z(), alpha=1e40)),
    ("add_c128_alpha", lambda: torch.zeros(2, dtype=torch.complex128).add(torch.zeros(2, dtype=torch.complex128), alpha=1e300)),
    ("add_number", lambda: z().add(1e40)),
    ("addcmul", lambda: z().addcmul(z(), z(), value=1e40)),
    ("addcmul_", lambda: z().addcmul_(z(), z(), value=1e40)),
    ("addcdiv", lambda: z().addcdiv(z(), z(), value=1e40)),
    ("lerp", lambda: z().lerp(z(), 1e40)),
    ("lerp_", lambda: z().lerp_(z(), 1e40)),
    ("lerp_f32", lambda: f().lerp(f(), 1e40)),
    ("lerp__f32", lambda: f().lerp_(f(), -1e40)),
    ("lerp_f64", lambda: torch.zeros(2, dtype=torch.float64).lerp(torch.zeros(2, dtype=torch.float64), 1e40)),
    ("lerp_bf16", lambda: torch.zeros(2, dtype=torch.bfloat16).lerp(torch.ones(2, dtype=torch.bfloat16), 1e5)),
    ("pow", lambda: z().pow(1e40)),
    ("linspace_c64", lambda: torch.linspace(0, 1e40, 3, dtype=C)),
    ("logspace_c64_one", lambda: torch.logspace(50, 50, 1, dtype=C)),
    ("logspace_c64_two", lambda: torch.logspace(0, 50, 2, dtype=C)),
    ("logspace_c128_one", lambda: torch.logspace(50, 50, 1, dtype=torch.complex128)),
]

for name, fn in cases:
    try:
        fn()
        print(name + "|ok")
    except Exception as e:
        print(name + "|" + str(e))
