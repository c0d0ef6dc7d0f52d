# Writes expected.txt for StateSafetyTest.java: parameters after optimizer steps where one parameter gets its first
# gradient only at the third step (PyTorch counts steps per parameter, so its first update is bias-corrected as a
# first step). Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; the update rules are 2.x's).
# Lines: name <TAB> values of w1 then w2 after the steps, repr'd.
import torch


def run(make):
    w1 = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([0.5, 3.0], dtype=torch.float64, requires_grad=True)
    opt = make([w1, w2])
    for step in range(5):
        opt.zero_grad()
        loss = (w1 * w1).sum()
        if step >= 2:
            loss = loss + (w2 * w2 * w2).sum()
        loss.backward()
        opt.step()
    return w1.tolist() + w2.tolist()


cases = {
    "adam": lambda p: torch.optim.Adam(p, lr=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
    "adam_weight_decay": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.2),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3),
}
for name, make in cases.items():
    print(name, " ".join(repr(v) for v in run(make)), sep="\t")
