# Writes expected.txt for FftKernelsTest: PyTorch 1.13 CPU's torch.fft.fft (forward) and n * torch.fft.ifft (the
# unnormalized inverse) of complex128 inputs, to pin the kernel's sign and ordering conventions to PyTorch's.
# Run from this directory with: /usr/bin/python3 make_expected.py
#
# Format: per case a line "case <n> <batch> <inverse 0|1>", then the input as one line of 2*n*batch values (re, im
# interleaved, row-major [batch, n]), then the output the same way; values are Python reprs (exact round trips).
# PyTorch 2.x computes the same (pocketfft in both); nothing differs here between 1.13 and 2.x.
import torch

torch.manual_seed(28)
lines = []
for n, batch, inverse in [(1, 2, 0), (2, 1, 0), (3, 1, 1), (5, 2, 0), (7, 1, 0), (12, 3, 1), (16, 1, 0), (60, 1, 1),
                          (97, 1, 0), (127, 2, 0), (210, 1, 1), (1000, 1, 0), (1024, 1, 1), (2018, 1, 0)]:
    x = torch.randn(batch, n, dtype=torch.complex128)
    y = torch.fft.ifft(x, dim=-1) * n if inverse else torch.fft.fft(x, dim=-1)
    lines.append("case %d %d %d" % (n, batch, inverse))
    for t in (x, y):
        lines.append(" ".join(repr(v) for v in torch.view_as_real(t).reshape(-1).tolist()))
with open("expected.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
