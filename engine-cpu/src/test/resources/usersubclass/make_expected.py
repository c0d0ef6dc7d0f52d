# Expected values for engine-cpu's UserSubclassTest: layers subclassed as PyTorch users do (a LoRA adapter over a
# frozen nn.Linear, a Linear that casts its weight to the input's type, a weight-standardized Conv2d), printed, saved
# and differentiated by PyTorch 1.13 (CPU, float64 unless said).
# Run: /usr/bin/python3 make_expected.py > expected.txt
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def seq(shift, *shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * 0.25 for k in range(n)]).reshape(shape)


class LoRALinear(nn.Linear):
    def __init__(self, i, o, r):
        super().__init__(i, o)
        self.weight.requires_grad_(False)
        self.lora_a = nn.Linear(i, r, bias=False)
        self.lora_b = nn.Linear(r, o, bias=False)
        self.register_buffer("scaling", torch.tensor(0.5))

    def forward(self, x):
        return super().forward(x) + self.lora_b(self.lora_a(x)) * self.scaling


class CastedLinear(nn.Linear):
    def forward(self, x):
        return F.linear(x, self.weight.type_as(x), self.bias.type_as(x))


class WSConv2d(nn.Conv2d):
    def forward(self, x):
        w = self.weight
        w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


def out(name, t):
    print(name, " ".join(repr(float(v)) for v in t.detach().reshape(-1)))


lora = LoRALinear(4, 3, 2)
with torch.no_grad():
    lora.weight.copy_(seq(1, 3, 4))
    lora.bias.copy_(seq(2, 3))
    lora.lora_a.weight.copy_(seq(3, 2, 4))
    lora.lora_b.weight.copy_(seq(4, 3, 2))
print("print lora", repr(str(lora)))
print("keys lora", " ".join(lora.state_dict().keys()))
print("trainable lora", " ".join(n for n, p in lora.named_parameters() if p.requires_grad))
x = seq(5, 2, 4)
y = lora(x)
out("lora y", y)
(y * seq(6, 2, 3)).sum().backward()
out("lora grad_a", lora.lora_a.weight.grad)
out("lora grad_b", lora.lora_b.weight.grad)
out("lora grad_bias", lora.bias.grad)

cast = CastedLinear(4, 3).float()
with torch.no_grad():
    cast.weight.copy_(seq(7, 3, 4))
    cast.bias.copy_(seq(8, 3))
print("print cast", repr(str(nn.Sequential(cast, nn.ReLU()))))
y = cast(seq(9, 2, 4))
print("cast dtype", y.dtype)
out("cast y", y)

conv = WSConv2d(2, 3, 3, padding=1)
with torch.no_grad():
    conv.weight.copy_(seq(10, 3, 2, 3, 3))
    conv.bias.copy_(seq(11, 3))
print("print conv", repr(str(conv)))
x = seq(12, 1, 2, 4, 4).requires_grad_(True)
y = conv(x)
out("conv y", y)
(y * seq(13, 1, 3, 4, 4)).sum().backward()
out("conv grad_w", conv.weight.grad)
out("conv grad_x", x.grad)
