# Expected values for HooksInPracticeTest: hooks as libraries use them, computed with PyTorch 1.13 (the one here).
# Where 1.13 has the API the hook itself runs here (register_forward_hook, register_full_backward_hook, the private
# _register_load_state_dict_pre_hook / _register_state_dict_hook that 2.x made public); where it does not (2.0's
# register_full_backward_pre_hook, register_step_post_hook, 2.x's register_multi_grad_hook) the same computation is
# done by the rule 2.x's source states (quoted in the test's Javadoc): a backward pre-hook's replacement grad_output is
# what the module's backward receives, so a hook scaling it by s is a tensor hook scaling the output's gradient by s;
# an EMA step post-hook runs after each optimizer.step(); the multi-grad hook gets the gradients the pass computes.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (seeded; the same bytes every run)
import torch

torch.manual_seed(5)
out = []


def put(key, t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        out.append(f"{key}\t{list(t.shape)}\t" + " ".join(repr(float(x)) for x in t.double().reshape(-1).tolist()))
    else:
        out.append(f"{key}\t{t}")


def model():
    return torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).double()


# 1. feature extraction: forward hooks capture the activations of layers 0 and 1; a hook replacing the output
m = model()
for i in (0, 2):
    put(f"m.{i}.weight", m[i].weight); put(f"m.{i}.bias", m[i].bias)
x = torch.randn(2, 4, dtype=torch.float64)
put("x", x)
features = {}
hs = [m[i].register_forward_hook(lambda mod, inp, o, i=i: features.__setitem__(i, o.detach())) for i in (0, 1)]
y = m(x)
put("feat.0", features[0]); put("feat.1", features[1]); put("y", y)
for h in hs:
    h.remove()
h = m[1].register_forward_hook(lambda mod, inp, o: o * 2)
put("y_doubled_tanh", m(x))
h.remove()

# 2. gradients: plain, with the output gradient of layer 2 scaled by 0.5 (backward pre-hook), and the full backward
# hook's grad_input / grad_output of layer 2
t = torch.randn(2, 3, dtype=torch.float64)
put("t", t)
loss = ((m(x) - t) ** 2).sum()
loss.backward()
for name, p in m.named_parameters():
    put("grad." + name, p.grad)
m.zero_grad()
seen = {}
hb = m[2].register_full_backward_hook(lambda mod, gi, go: seen.update(gi=gi[0], go=go[0]))
h0 = m[0](x)
o = m[2](m[1](h0))
o.register_hook(lambda g: g * 0.5)
((o - t) ** 2).sum().backward()
for name, p in m.named_parameters():
    put("grad_scaled." + name, p.grad)
put("scaled.grad_input", seen["gi"]); put("scaled.grad_output", seen["go"])
hb.remove()
m.zero_grad()

# 3. an EMA of the weights, decay 0.9, updated after each of 3 SGD steps (lr 0.1, momentum 0.9)
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
ema = {n: p.detach().clone() for n, p in m.named_parameters()}
for step in range(3):
    opt.zero_grad()
    ((m(x) - t) ** 2).sum().backward()
    opt.step()
    for n, p in m.named_parameters():           # what the step post-hook does
        ema[n].mul_(0.9).add_(p.detach(), alpha=0.1)
for n, p in m.named_parameters():
    put("sgd." + n, p); put("ema." + n, ema[n])

# 3b. gradient clipping in a step pre-hook: clip_grad_norm_(max_norm=0.5) before each of 2 Adam steps (lr 0.05)
m2 = model()
m2.load_state_dict({n: p.detach().clone() for n, p in m.named_parameters()})  # continue from the SGD'd weights
adam = torch.optim.Adam(m2.parameters(), lr=0.05)
norms = []
for step in range(2):
    adam.zero_grad()
    ((m2(x) - t) ** 2).sum().backward()
    norms.append(torch.nn.utils.clip_grad_norm_(m2.parameters(), 0.5))   # what the step pre-hook does
    adam.step()
put("clip.norms", torch.stack(norms))
for n, p in m2.named_parameters():
    put("clip." + n, p)

# 4. an older checkpoint with LayerNorm "gamma"/"beta" loaded through a load-state-dict pre-hook that renames them
class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(3, 3).double()
        self.norm = torch.nn.LayerNorm(3).double()
        self.bn = torch.nn.BatchNorm1d(3).double()

    def forward(self, x):
        return self.bn(self.norm(self.proj(x)))


def rename(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    for old, new in (("gamma", "weight"), ("beta", "bias")):
        if prefix + old in state_dict:
            state_dict[prefix + new] = state_dict.pop(prefix + old)


blk = Block()
old = {"proj.weight": torch.randn(3, 3, dtype=torch.float64), "proj.bias": torch.randn(3, dtype=torch.float64),
       "norm.gamma": torch.randn(3, dtype=torch.float64), "norm.beta": torch.randn(3, dtype=torch.float64),
       "bn.weight": torch.randn(3, dtype=torch.float64), "bn.bias": torch.randn(3, dtype=torch.float64),
       "bn.running_mean": torch.randn(3, dtype=torch.float64), "bn.running_var": torch.rand(3, dtype=torch.float64),
       "bn.num_batches_tracked": torch.tensor(7)}
for k_, v_ in old.items():
    put("old." + k_, v_)
blk.norm._register_load_state_dict_pre_hook(rename)
print_keys = blk.load_state_dict(old, strict=True)
put("loaded.missing", repr(print_keys.missing_keys)); put("loaded.unexpected", repr(print_keys.unexpected_keys))
xb = torch.randn(4, 3, dtype=torch.float64)
put("xb", xb)
blk.eval()
put("block.eval_out", blk(xb))

# 5. a state-dict post-hook dropping BatchNorm's num_batches_tracked
def drop(module, state_dict, prefix, local_metadata):
    state_dict.pop(prefix + "num_batches_tracked", None)


blk.bn._register_state_dict_hook(drop)
put("saved.keys", " ".join(blk.state_dict().keys()))

for line in out:
    print(line)
