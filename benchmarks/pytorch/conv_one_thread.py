# PyTorch twin of dev.ember.bench.ConvOneThread: one convolution's forward, forward + input gradient and forward +
# weight gradient, process CPU time, best of 5 rounds, three times:
#   /usr/bin/python3 benchmarks/pytorch/conv_one_thread.py lenet2|lenet1|resnet [threads, default 1]
import torch, time, sys
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
s = {'lenet2': (64, 6, 14, 14, 16, 5, 0), 'lenet1': (64, 1, 32, 32, 6, 5, 0), 'resnet': (32, 64, 56, 56, 64, 3, 1)}[sys.argv[1]]
reps = 3 if s[0] == 32 else 100
g = torch.Generator().manual_seed(1)
x = torch.randn(s[0], s[1], s[2], s[3], generator=g)
w = torch.randn(s[4], s[1], s[5], s[5], generator=g) * 0.1
b = torch.zeros(s[4])
def t(f):
    for _ in range(reps): f()
    best = 1e9
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(reps): f()
        best = min(best, time.process_time() - t0)
    return best / reps * 1e3
for k in range(3):
    fwd = t(lambda: torch.conv2d(x, w, b, 1, s[6]))
    xg = x.detach().requires_grad_(True); wg = w.detach().requires_grad_(True)
    def fx():
        xg.grad = None; y = torch.conv2d(xg, w, None, 1, s[6]); y.backward(torch.ones_like(y))
    def fw():
        wg.grad = None; y = torch.conv2d(x, wg, None, 1, s[6]); y.backward(torch.ones_like(y))
    print("fwd %.3f  fwd+dx %.3f  fwd+dw %.3f ms" % (fwd, t(fx), t(fw)))
