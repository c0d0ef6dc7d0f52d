# Writes expected.txt for AdamAmsgradTest.java: parameters after each of 8 steps of torch.optim.Adam / AdamW with
# amsgrad=True (and one without, for contrast) on a loss whose gradients shrink and grow, so that the running maximum of
# the second moment (max_exp_avg_sq) differs from the second moment itself. Run: /usr/bin/python3 make_expected.py >
# expected.txt   (PyTorch 1.13; the amsgrad update is the same in 2.x: denom = max_exp_avg_sq.sqrt() / bc2_sqrt + eps).
# Lines: "=== name" then "step<k> <values of w1 then w2 after step k, repr'd>".
import torch


def run(make):
    w1 = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor([[0.3, -0.7], [1.5, 0.2]], dtype=torch.float64, requires_grad=True)
    opt = make([w1, w2])
    out = []
    for step in range(8):
        opt.zero_grad()
        scale = [4.0, 0.5, 0.1, 3.0, 0.2, 0.05, 1.0, 0.01][step]
        loss = scale * (w1 * w1).sum() + scale * (w2.sin() * w2).sum() + (w1[0] * w2[1, 1])
        loss.backward()
        opt.step()
        out.append(w1.tolist() + [v for row in w2.tolist() for v in row])
    return out


cases = {
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.1, amsgrad=True),
    "adam_amsgrad_wd": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True),
    "adamw_amsgrad": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.05, amsgrad=True),
    "adam_plain": lambda p: torch.optim.Adam(p, lr=0.1),
}
for name, make in cases.items():
    print("=== " + name)
    for k, values in enumerate(run(make)):
        print("step%d" % k, repr(values))
