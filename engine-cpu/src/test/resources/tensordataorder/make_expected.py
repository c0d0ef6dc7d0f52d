# Expected outcomes for TensorDataOrderTest: torch.tensor(data, dtype=<a real type>) of data holding complex numbers,
# which PyTorch's recursive_store converts in order: a row of the wrong length or a real number the type cannot hold
# before the first complex number is refused first, else Python's message for the complex one. One line per case:
# "<name>|<exception type>|<message>".
#   run: cd engine-cpu/src/test/resources/tensordataorder && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (torch.tensor's storing order is the same in 2.x).
import torch

inf = float("inf")
cases = [
    ("overflow_first", [[2.7], [inf], [0.5 + 1j]], torch.int8),
    ("ragged_first", [[1, 2], [3], [1j]], torch.int64),
    ("complex_before_ragged", [[1, 2], [1j, 3]], torch.int64),
    ("int_overflow_first", [300, 1j], torch.uint8),
    ("float_no_check", [1e40, 1j], torch.float32),
    ("complex_first_row", [[1j], [1, 2]], torch.int64),
    ("bool_then_complex", [True, 1j], torch.int8),
    ("uint8_wraps_minus_one", [-1, 1j], torch.uint8),
    ("float_overflow_int16", [1.5, -40000.0, 2j], torch.int16),
    ("nan_int32", [float("nan"), 1j], torch.int32),
]

for name, data, dt in cases:
    try:
        torch.tensor(data, dtype=dt)
        print(name + "|ok|")
    except Exception as e:
        print(name + "|" + type(e).__name__ + "|" + str(e))
