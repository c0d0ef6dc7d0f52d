# PyTorch's programs for FuzzRound27FixesTest (the regressions of differential fuzz round 27, torch.optim), written in
# the round's case format (make_cases.py's header) and replayed by FuzzR27Interpreter, one labelled program each.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr27 && /usr/bin/python3 make_fixes.py > fixes.txt
# The same 2.x emulations as make_cases.py (imported from it): 2.x's state_dict param_groups entries (the group's given
# keys first, then the defaults it lacks), 2.x's load_state_dict.
import torch

import make_cases as M


def program(label, name, pars, kw, groups, stmts):
    """pars: (requires_grad, shape, values); kw: the constructor's keyword arguments (flags included); groups: the
    constructor's [(indices, options)] or None; stmts: [(statement text, function of the program)]."""
    pr = M.Prog(None, 0)
    pr.name = name
    pr.flags = {k: v for k, v in kw.items() if k in M.FLAGS}
    pr.kw = {k: v for k, v in kw.items() if k not in M.FLAGS}
    for i, (rg, shape, vals) in enumerate(pars):
        p = torch.tensor(vals, dtype=torch.float64).reshape(shape).requires_grad_(bool(rg))
        pr.ps.append(p)
        pr.lines.append("par %d %d %s %s" % (i, rg, M.shape_s(p), M.csv(p)))
    pr.lines.append("opt %s %s" % (name, M.fmt_kw(kw)))
    pr.groups = groups
    for idx, o in groups or []:
        pr.lines.append("grp %s %s" % (",".join(map(str, idx)), M.fmt_kw(o)))
    pr.opt = M.make_opt(pr, pr.ps, groups, [])
    for text, fn in stmts:
        M.stmt_out(pr, text, lambda: fn(pr))
    print("=== %s P %d" % (label, len(pr.lines)))
    print("\n".join(pr.lines))


def sd(pr):
    return M.sd_lines(pr, pr.opt)


def step(pr):
    pr.opt.step()


def stepc(pr):
    return ["r " + M.r12(float(pr.opt.step(M.closure_of(pr))))]


def loss(pr):
    L = M.loss_fn(pr.ps)
    L.backward()
    return ["r " + M.r12(L.item())]


def addg(idx, o):
    def f(pr):
        pr.opt.add_param_group(dict({"params": [pr.ps[i] for i in idx]}, **o))
        pr.opt._given.append(list(o.keys()))
        pr.added.append((idx, o))
    return ("addg %s %s" % (",".join(map(str, idx)), M.fmt_kw(o)), f)


def load(pr):
    sd_ = pr.opt.state_dict()
    o2 = M.fresh(pr)
    o2.load_state_dict(sd_)
    o2._given = pr.opt._given
    pr.opt = o2


def main():
    # a constructor group's own options and add_param_group's come first in the state dict's group entries (PyTorch's
    # add_param_group setdefaults the rest); Ember listed the defaults' order (programs r27_2, r27_8, r27_21, r27_37,
    # r27_38, r27_61, ... of the first run: 20 of 200)
    three = [(1, [3], [0.5, -1.0, 1.5]), (1, [2, 2], [1.0, -0.5, 0.25, 2.0]), (1, [2], [0.75, -1.25])]
    program("group_key_order_sgd", "sgd", three, dict(lr=0.1, momentum=0.9, foreach=False),
            [([0], {}), ([1], dict(nesterov=True, lr=0.01, dampening=0.0))],
            [("sd", sd), addg([2], dict(weight_decay=0.1, maximize=True, lr=0.5)), ("sd", sd), ("loss", loss),
             ("step", step), ("sd", sd), ("load", load), ("sd", sd)])
    program("group_key_order_adam", "adam", three[:2], dict(lr=0.01, amsgrad=True),
            [([0], dict(eps=0.001, betas=(0.5, 0.9))), ([1], dict(weight_decay=0.5, lr=0.1))],
            [("loss", loss), ("step", step), ("sd", sd)])
    # L-BFGS's "al" enters the state dict when its first update needs it: before "d" inside the first step, after
    # "prev_loss" when a later step makes it (max_iter 1: the first step stores the tail, the second makes al); a loaded
    # state keeps the saved order; Ember always put it before "d" (hunt programs s1_38, s1_132, s1_258, s2_385, s4_247)
    two = [(1, [3], [1.5, -0.5, 0.75]), (1, [2], [-1.0, 0.5])]
    program("lbfgs_al_after_tail", "lbfgs", two, dict(lr=0.5, max_iter=1, history_size=3, line_search_fn=None), None,
            [("stepc", stepc), ("sd", sd), ("stepc", stepc), ("sd", sd), ("load", load), ("sd", sd), ("stepc", stepc),
             ("sd", sd)])
    program("lbfgs_al_in_first_step", "lbfgs", two, dict(lr=1.0, max_iter=3, history_size=2,
                                                             line_search_fn="strong_wolfe"), None,
            [("stepc", stepc), ("sd", sd), ("load", load), ("stepc", stepc), ("sd", sd)])


if __name__ == "__main__":
    main()
