"""Expected printouts for DefaultDtypePrintTest: how PyTorch's repr names a tensor's type under each default type
(torch._tensor_str: every type but the default float type, its complex type -- complex128 under a float64 default,
complex64 under any other --, int64 and bool is named; an empty tensor names every type but the default float type).
One case a line: default|dtype|shape|repr with newlines escaped as \\n.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  expected.txt (2.x's _tensor_str is the same here).
"""
import torch

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.complex64, torch.complex128,
          torch.int64, torch.int32, torch.bool]
lines = []
for default in [torch.float32, torch.float64, torch.float16, torch.bfloat16]:
    torch.set_default_dtype(default)
    for dt in DTYPES:
        for shape in ([2], [0], [0, 3], []):
            t = torch.ones(shape, dtype=dt) if dt != torch.bool else torch.ones(shape, dtype=torch.bool)
            if dt.is_floating_point and t.numel() > 0:
                t = t * 1.5
            lines.append("|".join([str(default), str(dt), ",".join(map(str, shape)), repr(t).replace("\n", "\\n")]))
    torch.set_default_dtype(torch.float32)
with open("expected.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "cases")
