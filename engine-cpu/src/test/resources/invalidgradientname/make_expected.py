# Expected message for InvalidGradientNameTest: validate_outputs' refusal of a gradient of the wrong shape names the node
# as node->name() does, which for CopySlices (a C++ class of torch::autograd, not a generated node) is
# "torch::autograd::CopySlices" (Ember wrote "CopySlices"; found by fuzz round 14's hunts, seeds 6614 and 6714). The
# program: a view of a product, its base transposed in place under no_grad, then a copy_ into the view that requires
# grad; the backward meets the old shape.
#   run: cd engine-cpu/src/test/resources/invalidgradientname && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (2.x's Node::name() is the same demangled class name).
import torch

v0 = torch.tensor([[[-1.5, 0.75, -1.75]], [[-0.75, 0.0, -1.5]]], dtype=torch.float64)
v2 = torch.tensor([[[-0.5, 1.5, -2.0]], [[-1.0, -0.5, -1.0]]], dtype=torch.float64, requires_grad=True)
v1 = v0 * v2
v5 = torch.tensor_split(v1, 3, 2)[2]
v6 = v5.unsqueeze(-2)
with torch.no_grad():
    v1.transpose_(2, 0)
v7 = torch.tensor([[[-1.5]]], dtype=torch.float64, requires_grad=True)
v6.copy_(v7)
try:
    v6.sum().backward()
    print("ok")
except RuntimeError as e:
    print(str(e))
