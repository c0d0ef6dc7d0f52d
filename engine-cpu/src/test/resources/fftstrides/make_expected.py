# Expected output strides of torch.fft on the CPU for FftStridesTest: one line per case, "name s0 s1 s2".
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13's pocketfft path: outputs are contiguous)
import torch

z = torch.randn(4, 5, 6, dtype=torch.cdouble)
x = torch.randn(4, 5, 6, dtype=torch.double)
s = torch.fft.rfft2(x)
zt = z.transpose(0, 2)
cases = {
    "fft_dim0": torch.fft.fft(z, dim=0),
    "fft_dim1": torch.fft.fft(z, dim=1),
    "fft2_dims01": torch.fft.fft2(z, dim=(0, 1)),
    "fftn": torch.fft.fftn(z),
    "rfft_dim0": torch.fft.rfft(x, dim=0),
    "rfft2_dims01": torch.fft.rfft2(x, dim=(0, 1)),
    "irfft_dim1": torch.fft.irfft(s, dim=1),
    "irfft2": torch.fft.irfft2(s),
    "fft_transposed_dim1": torch.fft.fft(zt, dim=1),
    "ifft_transposed_dim0": torch.fft.ifft(zt, dim=0),
}
for name, t in cases.items():
    print(name, " ".join(str(v) for v in t.stride()))
