# PyTorch 2.x's single-tensor optimizer updates (foreach=False, maximize=False), transcribed, for the expected-value
# scripts that need 2.x trajectories on PyTorch 1.13: training/make_expected.py (which checks them against 1.13's
# built-in optimizers where their paths agree) and optimsweep/make_expected.py. Imported, it only defines functions.
import math

import torch

def get_value(t):
    return t.item()


def sgd_update(g, p, grad, st):
    lr, momentum, dampening, wd, nesterov = g["lr"], g["momentum"], g["dampening"], g["weight_decay"], g["nesterov"]
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    if momentum != 0:
        buf = st.get("momentum_buffer")
        if buf is None:
            buf = torch.clone(grad).detach()
            st["momentum_buffer"] = buf
        else:
            buf.mul_(momentum).add_(grad, alpha=1 - dampening)
        grad = grad.add(buf, alpha=momentum) if nesterov else buf
    p.add_(grad, alpha=-lr)


def adam_update(g, p, grad, st):
    lr, (beta1, beta2), eps, wd, amsgrad = g["lr"], g["betas"], g["eps"], g["weight_decay"], g["amsgrad"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["exp_avg"] = torch.zeros_like(p)
        st["exp_avg_sq"] = torch.zeros_like(p)
        if amsgrad:
            st["max_exp_avg_sq"] = torch.zeros_like(p)
    st["step"] += 1
    if wd != 0:
        if g["decoupled_weight_decay"]:
            p.mul_(1 - lr * wd)
        else:
            grad = grad.add(p, alpha=wd)
    st["exp_avg"].lerp_(grad, 1 - beta1)
    st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    step = get_value(st["step"])
    bc1 = 1 - beta1 ** step
    bc2 = 1 - beta2 ** step
    step_size = lr / bc1
    bc2_sqrt = bc2 ** 0.5
    if amsgrad:
        torch.maximum(st["max_exp_avg_sq"], st["exp_avg_sq"], out=st["max_exp_avg_sq"])
        denom = (st["max_exp_avg_sq"].sqrt() / bc2_sqrt).add_(eps)
    else:
        denom = (st["exp_avg_sq"].sqrt() / bc2_sqrt).add_(eps)
    p.addcdiv_(st["exp_avg"], denom, value=-step_size)


def rmsprop_update(g, p, grad, st):
    lr, alpha, eps, wd, momentum, centered = g["lr"], g["alpha"], g["eps"], g["weight_decay"], g["momentum"], g["centered"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["square_avg"] = torch.zeros_like(p)
        if momentum > 0:
            st["momentum_buffer"] = torch.zeros_like(p)
        if centered:
            st["grad_avg"] = torch.zeros_like(p)
    st["step"] += 1
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    sq = st["square_avg"]
    sq.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if centered:
        ga = st["grad_avg"]
        ga.lerp_(grad, 1 - alpha)
        avg = sq.addcmul(ga, ga, value=-1).sqrt_()
    else:
        avg = sq.sqrt()
    avg = avg.add_(eps)
    if momentum > 0:
        buf = st["momentum_buffer"]
        buf.mul_(momentum).addcdiv_(grad, avg)
        p.add_(buf, alpha=-lr)
    else:
        p.addcdiv_(grad, avg, value=-lr)


def adagrad_init(g, p, st):
    st["step"] = torch.tensor(0.0)
    st["sum"] = torch.full_like(p, g["initial_accumulator_value"])


def adagrad_update(g, p, grad, st):
    lr, wd, lr_decay, eps = g["lr"], g["weight_decay"], g["lr_decay"], g["eps"]
    st["step"] += 1
    step = get_value(st["step"])
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    clr = lr / (1 + (step - 1) * lr_decay)
    st["sum"].addcmul_(grad, grad, value=1)
    std = st["sum"].sqrt().add_(eps)
    p.addcdiv_(grad, std, value=-clr)


def adamax_update(g, p, grad, st):
    lr, (beta1, beta2), eps, wd = g["lr"], g["betas"], g["eps"], g["weight_decay"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["exp_avg"] = torch.zeros_like(p)
        st["exp_inf"] = torch.zeros_like(p)
    st["step"] += 1
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    st["exp_avg"].lerp_(grad, 1 - beta1)
    torch.maximum(st["exp_inf"].mul_(beta2), grad.abs().add_(eps), out=st["exp_inf"])
    bias_correction = 1 - beta1 ** get_value(st["step"])
    clr = lr / bias_correction
    p.addcdiv_(st["exp_avg"], st["exp_inf"], value=-clr)


def nadam_update(g, p, grad, st):
    lr, (beta1, beta2), eps, wd, md = g["lr"], g["betas"], g["eps"], g["weight_decay"], g["momentum_decay"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["mu_product"] = torch.tensor(1.0)
        st["exp_avg"] = torch.zeros_like(p)
        st["exp_avg_sq"] = torch.zeros_like(p)
    st["step"] += 1
    step = get_value(st["step"])
    bias_correction2 = 1 - beta2 ** step
    if wd != 0:
        if g["decoupled_weight_decay"]:
            p.mul_(1 - lr * wd)
        else:
            grad = grad.add(p, alpha=wd)
    mu = beta1 * (1. - 0.5 * (0.96 ** (step * md)))
    mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * md)))
    st["mu_product"] *= mu
    st["exp_avg"].lerp_(grad, 1 - beta1)
    st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = st["exp_avg_sq"].div(bias_correction2).sqrt()
    mu_product_next = get_value(st["mu_product"]) * mu_next
    denom.add_(eps)
    p.addcdiv_(grad, denom, value=(-lr * (1. - mu) / (1. - get_value(st["mu_product"]))))
    p.addcdiv_(st["exp_avg"], denom, value=(-lr * mu_next) / (1. - mu_product_next))


RHO = []


def radam_update(g, p, grad, st):
    lr, (beta1, beta2), eps, wd = g["lr"], g["betas"], g["eps"], g["weight_decay"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["exp_avg"] = torch.zeros_like(p)
        st["exp_avg_sq"] = torch.zeros_like(p)
    st["step"] += 1
    step = get_value(st["step"])
    if wd != 0:
        if g["decoupled_weight_decay"]:
            p.mul_(1 - lr * wd)
        else:
            grad = grad.add(p, alpha=wd)
    st["exp_avg"].lerp_(grad, 1 - beta1)
    st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bc1 = 1 - beta1 ** step
    bc2 = 1 - beta2 ** step
    bias_corrected_exp_avg = st["exp_avg"] / bc1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
    RHO.append(rho_t)
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive_lr = (bc2 ** 0.5) / st["exp_avg_sq"].sqrt().add_(eps)
        p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
    else:
        p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
