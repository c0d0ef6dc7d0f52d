# Writes expected.txt: how PyTorch 1.13 prints each tensor (run: python3 make_expected.py > expected.txt).
import torch
cases = {
 'arange12': torch.arange(12).reshape(3,4),
 'big': torch.arange(2000, dtype=torch.float32).reshape(40,50)/7,
 'long1d': torch.arange(1500),
 'wrap': torch.arange(30, dtype=torch.float32)*1.5,
 'sci': torch.tensor([1e-5, 1.0, 3e5]),
 'intbig': torch.tensor([1.0, 1e9]),
 'neg0': torch.tensor([-0.00001, 0.5]),
 'nan': torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5]),
 'nanint': torch.tensor([float('nan'), 2.0]),
 'f64': torch.tensor([1.5, 2.25], dtype=torch.float64),
 'bool': torch.tensor([True, False]),
 'empty': torch.zeros(0, 3),
 'empty1': torch.zeros(0),
 'emptylong': torch.zeros(0, dtype=torch.int64),
 'scalar': torch.tensor(3.14159),
 'neglong': torch.tensor([[-5, 100], [7, 0]]),
 '3d': torch.arange(24, dtype=torch.float32).reshape(2,3,4) / 3,
 'zeros': torch.zeros(2,2),
 'f64rg': torch.ones(2, dtype=torch.float64, requires_grad=True),
 'large1d': torch.linspace(0, 1, 2000),
 'expandedhuge': torch.arange(100000.).reshape(100000, 1).expand(100000, 100000),
}
for k, v in cases.items():
    print("===", k)
    print(repr(v))
