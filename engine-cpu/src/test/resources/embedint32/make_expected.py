# Expected values for EmbeddingInt32Test: PyTorch's embedding, embedding_bag and embedding's max_norm renorm take
# int32 (IntTensor) indices as well as int64 ones and give the same results; int16 is refused with checkScalarTypes'
# message. Run with torch 1.13 (Debian python3-torch): /usr/bin/python3 make_expected.py > expected.txt
import torch

def fmt(t):
    return repr(t.detach().double().flatten().tolist())

w = torch.arange(15, dtype=torch.float64).reshape(5, 3) / 7 - 1
i = torch.tensor([[0, 2], [4, 2]], dtype=torch.int32)
g = torch.arange(12, dtype=torch.float64).reshape(2, 2, 3) / 5

x = w.clone().requires_grad_(True)
y = torch.nn.functional.embedding(i, x, padding_idx=2, scale_grad_by_freq=True)
y.backward(g)
print("=== embedding")
print("value", fmt(y))
print("grad", fmt(x.grad))
print("gradfn", type(y.grad_fn).__name__)

x = w.clone()
y = torch.nn.functional.embedding(i, x, max_norm=1.0)
print("=== renorm")
print("value", fmt(y))
print("weight", fmt(x))

x = w.clone().requires_grad_(True)
flat = torch.tensor([0, 2, 4, 2, 1], dtype=torch.int32)
off = torch.tensor([0, 2], dtype=torch.int32)
y = torch.nn.functional.embedding_bag(flat, x, off, mode="mean")
y.backward(torch.ones_like(y))
print("=== bag")
print("value", fmt(y))
print("grad", fmt(x.grad))

print("=== int16")
try:
    torch.nn.functional.embedding(i.to(torch.int16), w)
except RuntimeError as e:
    print("error RuntimeError", str(e))
