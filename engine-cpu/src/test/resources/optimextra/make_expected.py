# Writes expected.txt for OptimExtraTest.java: parameter trajectories of torch.optim.Adadelta, Rprop, ASGD and LBFGS on
# two small float64 problems, and the state dict keys of each. Run: /usr/bin/python3 make_expected.py > expected.txt
# (PyTorch 1.13: its single-tensor updates of these four optimizers are PyTorch 2.x's, operation for operation; 1.13 keeps
# Adadelta's and Rprop's 'step' as a Python int where 2.x keeps a float32 tensor, which changes no number here).
# Lines: "=== name", then "step<k> <every parameter's values after step k, flattened, repr'd>"; LBFGS cases add
# "loss<k> <the loss step k returned>" and "evals<k> [func_evals, n_iter]"; "keys <state keys of parameter 0>", then
# "state_<key> <values>" (the state of parameter 0 after the last step: each entry, or for LBFGS d, prev_flat_grad,
# [t, prev_loss, H_diag], ro and old_dirs flattened).
import torch

# The default dtype stays float32: ASGD keeps eta and mu as tensors of the default dtype (2.x's _get_scalar_dtype), so
# every tensor here is made float64 explicitly instead.
T = lambda v, **kw: torch.tensor(v, dtype=torch.float64, **kw)

X = T([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1], [2.0, -1.5, 0.4], [0.9, 1.2, -1.3],
                  [-1.1, 0.1, 0.6]])
Y = T([[1.0, -0.5], [0.2, 0.7], [-1.3, 0.4], [0.8, 1.9], [-0.6, -1.1], [1.4, 0.3]])


def rosen_params():
    return [T([-1.2], requires_grad=True), T([1.0], requires_grad=True)]


def rosen_loss(ps, sign=1.0):
    x, y = ps
    return sign * ((1 - x) ** 2 + 100 * (y - x * x) ** 2).sum()


def lsq_params():
    return [T([[0.1, -0.2, 0.3], [0.4, 0.0, -0.5]], requires_grad=True),
            T([0.05, -0.1], requires_grad=True)]


def lsq_loss(ps, sign=1.0):
    w, b = ps
    return sign * ((X @ w.t() + b - Y) ** 2).mean()


def flat(ps):
    return [v for p in ps for v in p.detach().reshape(-1).tolist()]


def run(name, params, loss_fn, make, steps, sign=1.0):
    ps = params()
    opt = make(ps)
    print("=== " + name)
    for k in range(steps):
        opt.zero_grad()
        loss = loss_fn(ps, sign)
        loss.backward()
        opt.step()
        print("step%d" % k, repr(flat(ps)))
    print("keys", " ".join(opt.state_dict()["state"][0].keys()))
    for key, v in opt.state_dict()["state"][0].items():
        print("state_" + key, repr(flat([v]) if torch.is_tensor(v) else [float(v)]))


def groups(ps, first, second):
    return [dict(params=[ps[0]], **first), dict(params=[ps[1]], **second)]


S = 20
run("adadelta_rosen", rosen_params, rosen_loss, lambda p: torch.optim.Adadelta(p), S)
run("adadelta_rosen_opts", rosen_params, rosen_loss, lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4,
                                                                                      weight_decay=0.1), S)
run("adadelta_lsq_groups", lsq_params, lsq_loss,
    lambda p: torch.optim.Adadelta(groups(p, {}, dict(lr=2.0, rho=0.5, weight_decay=0.05))), S)
run("adadelta_lsq_maximize", lsq_params, lsq_loss, lambda p: torch.optim.Adadelta(p, maximize=True, weight_decay=0.01),
    S, sign=-1.0)
run("rprop_rosen", rosen_params, rosen_loss, lambda p: torch.optim.Rprop(p), S)
run("rprop_rosen_opts", rosen_params, rosen_loss, lambda p: torch.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5),
                                                                                step_sizes=(1e-3, 0.2)), S)
run("rprop_lsq_groups", lsq_params, lsq_loss,
    lambda p: torch.optim.Rprop(groups(p, {}, dict(lr=0.1, etas=(0.4, 2.0), step_sizes=(0.01, 0.3)))), S)
run("rprop_lsq_maximize", lsq_params, lsq_loss, lambda p: torch.optim.Rprop(p, maximize=True), S, sign=-1.0)
run("asgd_rosen", rosen_params, rosen_loss, lambda p: torch.optim.ASGD(p, lr=1e-3), S)
run("asgd_rosen_opts", rosen_params, rosen_loss, lambda p: torch.optim.ASGD(p, lr=1e-3, lambd=0.5, alpha=0.6, t0=5,
                                                                              weight_decay=0.2), S)
run("asgd_lsq_groups", lsq_params, lsq_loss,
    lambda p: torch.optim.ASGD(groups(p, dict(t0=3), dict(lr=0.05, lambd=0.01, alpha=0.9, t0=0, weight_decay=0.1))), S)
# float32 parameters (Rprop's sign.eq(etaminus) compares with etaminus rounded to float32)
def rosen_params_f32():
    return [torch.tensor([-1.2], requires_grad=True), torch.tensor([1.0], requires_grad=True)]


run("rprop_rosen_opts_f32", rosen_params_f32, rosen_loss, lambda p: torch.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5),
                                                                                       step_sizes=(1e-3, 0.2)), S)
run("adadelta_rosen_opts_f32", rosen_params_f32, rosen_loss, lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4,
                                                                                             weight_decay=0.1), S)
run("asgd_rosen_opts_f32", rosen_params_f32, rosen_loss, lambda p: torch.optim.ASGD(p, lr=1e-3, lambd=0.5, alpha=0.6,
                                                                                     t0=5, weight_decay=0.2), S)
run("asgd_lsq_maximize", lsq_params, lsq_loss, lambda p: torch.optim.ASGD(p, lr=0.1, t0=2, maximize=True), S, sign=-1.0)


def run_lbfgs(name, params, loss_fn, make, steps):
    ps = params()
    opt = make(ps)
    print("=== " + name)
    for k in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn(ps)
            loss.backward()
            return loss
        loss = opt.step(closure)
        st = opt.state[ps[0]]
        print("step%d" % k, repr(flat(ps)))
        print("loss%d" % k, repr([float(loss)]))
        print("evals%d" % k, repr([float(st["func_evals"]), float(st["n_iter"])]))
    st = opt.state_dict()["state"][0]
    print("keys", " ".join(st.keys()))
    print("state_d", repr(flat([st["d"]])))
    print("state_prev_flat_grad", repr(flat([st["prev_flat_grad"]])))
    print("state_scalars", repr([float(st["t"]), float(st["prev_loss"]), float(st["H_diag"])]))
    print("state_ro", repr([float(r) for r in st["ro"]]))
    print("state_old_dirs", repr(flat(st["old_dirs"])))


run_lbfgs("lbfgs_rosen", rosen_params, rosen_loss, lambda p: torch.optim.LBFGS(p, lr=0.1, max_iter=5), 10)
run_lbfgs("lbfgs_rosen_wolfe", rosen_params, rosen_loss, lambda p: torch.optim.LBFGS(p, line_search_fn="strong_wolfe"), 4)
run_lbfgs("lbfgs_rosen_wolfe_small", rosen_params, rosen_loss,
          lambda p: torch.optim.LBFGS(p, max_iter=7, history_size=2, line_search_fn="strong_wolfe"), 8)
run_lbfgs("lbfgs_lsq", lsq_params, lsq_loss, lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=4, history_size=3), 10)
run_lbfgs("lbfgs_lsq_wolfe", lsq_params, lsq_loss,
          lambda p: torch.optim.LBFGS(p, max_iter=3, max_eval=5, tolerance_grad=1e-5, tolerance_change=1e-7,
                                      line_search_fn="strong_wolfe"), 6)


# ---------------------------------------------------------------- torch.optim.swa_utils (PyTorch 2.x rules)
# 1.13's AveragedModel lacks multi_avg_fn and does not copy the buffers when use_buffers=False; 2.x's update_parameters
# is written out here (its CPU path: the default average is averaged + (current - averaged) / (n + 1), the EMA
# multi_avg_fn a lerp with weight 1 - decay), as are get_ema_multi_avg_fn / get_ema_avg_fn.
import itertools
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn


def ema_multi(decay):
    def f(ema_list, cur_list, _):
        for e, c in zip(ema_list, cur_list):
            if e.is_floating_point():
                e.lerp_(c, 1 - decay)
            else:
                e.copy_(e * decay + c * (1 - decay))
    return f


def ema_avg(decay):
    return lambda ema, cur, n: decay * ema + (1 - decay) * cur


def update_parameters_2x(self, model, multi_avg_fn=None):
    self_param = (itertools.chain(self.module.parameters(), self.module.buffers()) if self.use_buffers
                  else self.parameters())
    model_param = (itertools.chain(model.parameters(), model.buffers()) if self.use_buffers else model.parameters())
    sd, md = [], []
    for pa, pm in zip(self_param, model_param):
        pm_ = pm.detach().to(pa.device)
        sd.append(pa.detach())
        md.append(pm_)
        if self.n_averaged == 0:
            pa.detach().copy_(pm_)
    if self.n_averaged > 0:
        if multi_avg_fn is not None:
            multi_avg_fn(sd, md, self.n_averaged)
        else:
            avg = self.avg_fn if self.avg_fn is not None else (lambda a, c, n: a + (c - a) / (n + 1))
            for pa, pm in zip(sd, md):
                pa.copy_(avg(pa, pm, self.n_averaged))
    if not self.use_buffers:
        for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
            b_swa.detach().copy_(b_model.detach().to(b_swa.device))
    self.n_averaged += 1


def swa_model():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for name, p in m.named_parameters():
            n = p.numel()
            p.copy_(T([(i * 0.37 + len(name) * 0.11) % 1.3 - 0.6 for i in range(n)]).reshape(p.shape))
    return m


def run_swa(name, avg_fn=None, multi_avg_fn=None, use_buffers=False):
    m = swa_model()
    swa = AveragedModel(m, avg_fn=avg_fn, use_buffers=use_buffers)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    print("=== " + name)
    for k in range(5):
        opt.zero_grad()
        ((m(X) - Y) ** 2).mean().backward()
        opt.step()
        update_parameters_2x(swa, m, multi_avg_fn)
        print("avg%d" % k, repr(flat(list(swa.state_dict().values()))))
    print("keys", " ".join(swa.state_dict().keys()))
    swa.eval()
    print("out", repr(flat([swa(X)])))


run_swa("swa_default")
run_swa("swa_buffers", use_buffers=True)
run_swa("swa_ema_multi", multi_avg_fn=ema_multi(0.9), use_buffers=True)
run_swa("swa_ema_avg", avg_fn=ema_avg(0.8))


def run_swalr(name, lrs, steps, **kw):
    ps = [T([1.0], requires_grad=True), T([2.0], requires_grad=True)]
    opt = torch.optim.SGD([dict(params=[ps[0]], lr=lrs[0]), dict(params=[ps[1]], lr=lrs[1])])
    s = SWALR(opt, **kw)
    print("=== " + name)
    print("lr0", repr([g["lr"] for g in opt.param_groups]))
    for k in range(1, steps + 1):
        opt.step()
        s.step()
        print("lr%d" % k, repr([g["lr"] for g in opt.param_groups]))
    print("last", repr(s.get_last_lr()))


run_swalr("swalr_cos", [0.5, 0.1], 6, swa_lr=0.05, anneal_epochs=3)
run_swalr("swalr_linear_list", [0.5, 0.1], 6, swa_lr=[0.05, 0.2], anneal_epochs=4, anneal_strategy="linear")
run_swalr("swalr_zero_epochs", [0.5, 0.1], 3, swa_lr=0.01, anneal_epochs=0)
run_swalr("swalr_default", [0.5, 0.1], 12, swa_lr=0.05)


def run_update_bn(name, loader, train):
    m = swa_model()
    m[1].momentum = 0.3
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    for k in range(3):
        opt.zero_grad()
        ((m(X) - Y) ** 2).mean().backward()
        opt.step()
    m.train(train)
    update_bn(loader, m)
    print("=== " + name)
    print("running_mean", repr(m[1].running_mean.tolist()))
    print("running_var", repr(m[1].running_var.tolist()))
    print("num_batches_tracked", repr([float(m[1].num_batches_tracked)]))
    print("momentum", repr([m[1].momentum]))
    print("training", repr([m.training, m[1].training]))


run_update_bn("update_bn_tensors", [X[0:2], X[2:4], X[3:6] * 3], False)
run_update_bn("update_bn_lists", [[X[0:3], Y[0:3]], [X[3:6] - 1, Y[3:6]]], True)
