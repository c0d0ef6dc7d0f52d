# Expected flags for SetGradEnabledTest (torch.set_grad_enabled as a context manager and as a function).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; 2.x behaves the same here)
import torch

seen = []
w = torch.ones(2, requires_grad=True)
for phase in ["train", "eval"]:
    with torch.set_grad_enabled(phase == "train"):
        y = w * 2
        seen += [torch.is_grad_enabled(), y.requires_grad, y.grad_fn is not None]
    seen.append(torch.is_grad_enabled())
with torch.no_grad():
    with torch.set_grad_enabled(True):
        seen += [torch.is_grad_enabled(), (w * 2).requires_grad]
    seen.append(torch.is_grad_enabled())
torch.set_grad_enabled(False)  # the function form: stays set
seen += [torch.is_grad_enabled(), (w * 2).requires_grad]
torch.set_grad_enabled(True)
seen += [torch.is_grad_enabled(), (w * 2).requires_grad]
print(" ".join("1" if b else "0" for b in seen))
