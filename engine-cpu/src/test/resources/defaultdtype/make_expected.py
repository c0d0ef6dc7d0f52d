# The dtypes PyTorch gives under each default dtype, for DefaultDtypeTest.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; torch.set_default_dtype is the same in 2.x)
import torch

cases = {
    "zeros": lambda: torch.zeros(2),
    "ones": lambda: torch.ones(2),
    "empty": lambda: torch.empty(2),
    "full": lambda: torch.full((2,), 1.5),
    "rand": lambda: torch.rand(2),
    "randn": lambda: torch.randn(2),
    "normal": lambda: torch.normal(0.0, 1.0, (2,)),
    "arange_float": lambda: torch.arange(0.0, 3.0, 0.5),
    "arange_int": lambda: torch.arange(3),
    "linspace": lambda: torch.linspace(0, 1, 3),
    "logspace": lambda: torch.logspace(0, 1, 3),
    "eye": lambda: torch.eye(2),
    "tensor_doubles": lambda: torch.tensor([1.5, 2.5]),
    "tensor_nested_doubles": lambda: torch.tensor([[1.5], [2.5]]),
    "tensor_longs": lambda: torch.tensor([1, 2]),
    "int_mul_float": lambda: torch.arange(3) * 1.5,
    "int_div_int": lambda: torch.arange(3) / 2,
    "int_sqrt": lambda: torch.arange(3).sqrt(),
    "int_exp": lambda: torch.arange(3).exp(),
    "int_sigmoid": lambda: torch.arange(3).sigmoid(),
    "int_pow_float": lambda: torch.arange(3) ** 2.0,
    "int_clamp_float": lambda: torch.arange(3).clamp(0.5, 1.5),
    "int_polygamma": lambda: torch.polygamma(1, torch.arange(1, 3)),
    "int_logsumexp": lambda: torch.logsumexp(torch.arange(3), 0),
    "int_erf": lambda: torch.special.erf(torch.arange(3)),
    "int_atan2": lambda: torch.atan2(torch.arange(3), torch.arange(3)),
    "float32_mul_float": lambda: torch.ones(2, dtype=torch.float32) * 1.5,
    "float32_sqrt": lambda: torch.ones(2, dtype=torch.float32).sqrt(),
    "linear_weight": lambda: torch.nn.Linear(2, 2).weight,
    "batchnorm_running_mean": lambda: torch.nn.BatchNorm1d(2).running_mean,
    "clip_grad_norm_empty": lambda: torch.nn.utils.clip_grad_norm_([], 1.0),
}
for default in (torch.float32, torch.float64):
    torch.set_default_dtype(default)
    for name, fn in cases.items():
        print(str(default).replace("torch.", ""), name, str(fn().dtype).replace("torch.", ""))
