# Note 000's LeNet with weights from a fixed formula instead of random ones; writes expected.txt:
# the loss and the conv1 weight and bias gradients after backward. Run: python3 make_expected.py > expected.txt
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

def formula(shape, k, scale):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([scale * math.sin(0.37 * i + k) for i in range(n)]).view(*shape)

net = Net()
with torch.no_grad():
    for k, (name, p) in enumerate(net.named_parameters()):
        p.copy_(formula(p.shape, k, 0.1))
input = formula((1, 1, 32, 32), 11, 1.0)
target = formula((10,), 12, 0.5).view(1, -1)
output = net(input)
loss = nn.MSELoss()(output, target)
net.zero_grad()
loss.backward()
print("loss", repr(loss.item()))
print("conv1.weight.grad", " ".join(repr(v) for v in net.conv1.weight.grad.flatten().tolist()))
print("conv1.bias.grad", " ".join(repr(v) for v in net.conv1.bias.grad.flatten().tolist()))
print("fc3.weight.grad", " ".join(repr(v) for v in net.fc3.weight.grad.flatten().tolist()))
print("print tensor conv1.bias.grad")
print(net.conv1.bias.grad)
print("print tensor conv1.bias")
print(net.conv1.bias)
