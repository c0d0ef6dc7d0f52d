# Expected values for GammaCdfTest: torch.special.gammainc / gammaincc, and Gamma.cdf as PyTorch 2.x defines it
# (torch.special.gammainc(concentration, rate * value); 1.13's Gamma has no cdf, so the 2.x formula is written here).
# Run: /usr/bin/python3 make_expected.py > expected.txt
import torch

conc = torch.tensor([0.5, 2.0, 7.5, 1.0], dtype=torch.float64)
rate = torch.tensor([1.5, 0.3, 2.0, 4.0], dtype=torch.float64)
value = torch.tensor([0.25, 1.5, 4.0, 0.0], dtype=torch.float64)
print("gammainc", " ".join(repr(v) for v in torch.special.gammainc(conc, value).tolist()))
print("gammaincc", " ".join(repr(v) for v in torch.special.gammaincc(conc, value).tolist()))
print("cdf", " ".join(repr(v) for v in torch.special.gammainc(conc, rate * value).tolist()))
