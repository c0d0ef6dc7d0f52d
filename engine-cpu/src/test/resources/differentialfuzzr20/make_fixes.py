# Expected values for FuzzRound20FixesTest.java: the regressions of the bugs round 20 of the differential fuzz found in
# Ember's distributions, each a short program in make_cases.py's format (replayed by FuzzR20Interpreter.java with its
# tolerances), run in PyTorch after torch.manual_seed with make_cases.py's 2.x emulations (imported from it).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr20 && /usr/bin/python3 make_fixes.py > fixes.txt
#   (PyTorch 1.13 CPU; every program seeds first and its values are written out here, so a second run writes the same
#   bytes)
# Besides the programs: "=== dirichlet_node" then "node <name>", type(Dirichlet(...).rsample().grad_fn).__name__.
import sys

import torch

import make_cases as mc

D = mc.D


def program(name, seed, build):
    p = mc.Program()
    torch.manual_seed(seed)
    p.lines.append('seed %d' % seed)
    p.st()
    build(p)
    return ['=== %s P %d' % (name, len(p.lines))] + p.lines


def t(vals, dtype=torch.float64):
    return torch.tensor(vals, dtype=dtype)


def dist(p, key, fam, va, args, make):
    p.run('dist %s %d %s %s' % (key, va, fam, ' '.join(args)), lambda: [])
    p.dists[key] = make()


def event_shape_message(p):
    # PyTorch's _validate_sample prints the whole value.size(), not its right-most part
    loc = p.new(t([0.5, -1.0, 2.0]))
    cov = p.new(t([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]]))
    dist(p, 'd0', 'MultivariateNormal', 1, [loc, cov, '-', '-'],
         lambda: D.MultivariateNormal(p.vars[loc], covariance_matrix=p.vars[cov], validate_args=True))
    x = p.new(torch.zeros(4, 4) + 0.5)
    p.run('logprob d0 %s' % x, lambda: [p.dists['d0'].log_prob(p.vars[x])])


def categorical_sample_zero(p):
    # torch.multinomial refuses zero samples; the generator is left as it was
    pr = p.new(t([0.2, 0.5, 0.3]))
    dist(p, 'd0', 'Categorical', 1, [pr, '-'], lambda: D.Categorical(probs=p.vars[pr], validate_args=True))
    p.run('sample d0 0', lambda: [p.dists['d0'].sample((0,))], draws=True)
    p.run('sample d0 2', lambda: [p.dists['d0'].sample((2,))], draws=True)


def wishart_draws(p):
    # randn(sample + batch + (p (p - 1) / 2,)) for the strict lower triangle, not a full p x p matrix
    df = p.new(t([4.5, 6.0]))
    cov = p.new(t([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]]))
    dist(p, 'd0', 'Wishart', 1, [df, cov, '-', '-'],
         lambda: D.Wishart(p.vars[df], covariance_matrix=p.vars[cov], validate_args=True))
    p.run('sample d0 2', lambda: [p.dists['d0'].sample((2,))], draws=True)
    p.run('sample d0 -', lambda: [p.dists['d0'].sample()], draws=True)


def gamma_grad(dtype):
    def build(p):
        # _standard_gamma_grad of each branch: x < 0.8 (ATen's digamma_one), alpha > 8, the rational approximation
        c = p.new(t([0.3, 2.5, 12.0, 40.0], dtype), True)
        r = p.new(t([1.0, 0.5, 2.0, 1.5], dtype), True)
        dist(p, 'd0', 'Gamma', 1, [c, r], lambda: D.Gamma(p.vars[c], p.vars[r], validate_args=True))

        def fn():
            x = p.dists['d0'].rsample((3,))
            loss = (x * mc.weights(x.numel(), x.dtype).reshape(x.shape)).sum()
            return [x.detach()] + list(torch.autograd.grad(loss, [p.vars[c], p.vars[r]]))
        p.run('gradr d0 3 %s %s' % (c, r), fn, draws=True)
    return build


def dirichlet_grad(dtype):
    def build(p):
        # _Dirichlet's backward: _dirichlet_grad (every branch of dirichlet_grad_one over the draws), not the gradient
        # through normalized gammas
        c = p.new(t([[0.4, 1.5, 3.0], [7.0, 9.0, 0.8], [20.0, 30.0, 25.0]], dtype), True)
        dist(p, 'd0', 'Dirichlet', 1, [c], lambda: D.Dirichlet(p.vars[c], validate_args=True))

        def fn():
            x = p.dists['d0'].rsample((4,))
            loss = (x * mc.weights(x.numel(), x.dtype).reshape(x.shape)).sum()
            return [x.detach()] + list(torch.autograd.grad(loss, [p.vars[c]]))
        p.run('gradr d0 4 %s' % c, fn, draws=True)
    return build


def beta_grad(dtype):
    def build(p):
        a = p.new(t([0.5, 2.0, 8.0], dtype), True)
        b = p.new(t([1.5, 0.7, 9.0], dtype), True)
        dist(p, 'd0', 'Beta', 1, [a, b], lambda: D.Beta(p.vars[a], p.vars[b], validate_args=True))

        def fn():
            x = p.dists['d0'].rsample((5,))
            loss = (x * mc.weights(x.numel(), x.dtype).reshape(x.shape)).sum()
            return [x.detach()] + list(torch.autograd.grad(loss, [p.vars[a], p.vars[b]]))
        p.run('gradr d0 5 %s %s' % (a, b), fn, draws=True)
    return build


def wishart_df_message(p):
    # f"{df}" of a 0-dim tensor is its number
    df = p.new(t(0.5))
    cov = p.new(t([[2.0, 0.3], [0.3, 1.5]]))
    p.run('dist d0 1 Wishart %s %s - -' % (df, cov),
          lambda: [D.Wishart(p.vars[df], covariance_matrix=p.vars[cov], validate_args=True)][:0])


def wishart_entropy_repr(p):
    # entropy() reads covariance_matrix, so the repr in later messages lists it
    df = p.new(t(2.5))
    prec = p.new(t([[2.0, 0.3], [0.3, 1.5]]))
    dist(p, 'd0', 'Wishart', 1, [df, '-', prec, '-'],
         lambda: D.Wishart(p.vars[df], precision_matrix=p.vars[prec], validate_args=True))
    p.run('prop d0 entropy', lambda: [p.dists['d0'].entropy()])
    x = p.new(t([[-1.0, 0.0], [0.0, 1.0]]))
    p.run('logprob d0 %s' % x, lambda: [p.dists['d0'].log_prob(p.vars[x])])


def expand_keeps_computed(fam):
    def build(p):
        # expand copies whichever of probs and logits was computed already, so the expanded repr lists both
        if fam == 'Geometric':
            lg = p.new(t(-1.0))
            dist(p, 'd0', 'Geometric', 1, ['-', lg], lambda: D.Geometric(logits=p.vars[lg], validate_args=True))
            shape = '4'
        else:
            lg = p.new(t([[0.5, -1.0, 2.0]]))
            dist(p, 'd0', 'Categorical', 1, ['-', lg], lambda: D.Categorical(logits=p.vars[lg], validate_args=True))
            shape = '2,1'
        p.run('sample d0 2', lambda: [p.dists['d0'].sample((2,))], draws=True)
        target = tuple(int(v) for v in shape.split(','))
        p.run('expand d1 d0 %s' % shape, lambda: [])
        p.dists['d1'] = p.dists['d0'].expand(target)
        x = p.new(t([0.5, 0.5, 0.5, 0.5]) if fam == 'Geometric' else t([[0.5], [1.0]]))
        p.run('logprob d1 %s' % x, lambda: [p.dists['d1'].log_prob(p.vars[x])])
    return build


def gamma_samples_f32(p):
    # sample_gamma<float, double>: 1.0f / alpha, alpha + 1.0f and alpha - 1.0f / 3.0f in float (the test compares these
    # float32 samples bit for bit)
    c = p.new(t([0.3, 0.7, 2.5, 5.0, 11.0], torch.float32))
    r = p.new(t([1.0, 2.0, 0.5, 1.5, 3.0], torch.float32))
    dist(p, 'd0', 'Gamma', 1, [c, r], lambda: D.Gamma(p.vars[c], p.vars[r], validate_args=True))
    p.run('sample d0 40', lambda: [p.dists['d0'].sample((40,))], draws=True)


def wishart_expand_keeps_computed(p):
    # expand copies the covariance_matrix the entropy computed, so the expanded repr lists it
    df = p.new(t([3.5, 4.0]))
    tril = p.new(t([[1.5, 0.0], [0.3, 0.8]]))
    dist(p, 'd0', 'Wishart', 1, [df, '-', '-', tril],
         lambda: D.Wishart(p.vars[df], scale_tril=p.vars[tril], validate_args=True))
    p.run('prop d0 entropy', lambda: [p.dists['d0'].entropy()])
    p.run('expand d1 d0 3,2', lambda: [])
    p.dists['d1'] = p.dists['d0'].expand((3, 2))
    x = p.new(t([[-1.0, 0.0], [0.0, 1.0]]))
    p.run('logprob d1 %s' % x, lambda: [p.dists['d1'].log_prob(p.vars[x])])


def main():
    out = []
    out += program('event_shape_message', 1, event_shape_message)
    out += program('categorical_sample_zero', 2, categorical_sample_zero)
    out += program('wishart_draws', 3, wishart_draws)
    out += program('gamma_grad_f64', 4, gamma_grad(torch.float64))
    out += program('gamma_grad_f32', 5, gamma_grad(torch.float32))
    out += program('dirichlet_grad_f64', 6, dirichlet_grad(torch.float64))
    out += program('dirichlet_grad_f32', 7, dirichlet_grad(torch.float32))
    out += program('beta_grad_f64', 8, beta_grad(torch.float64))
    out += program('beta_grad_f32', 9, beta_grad(torch.float32))
    out += program('wishart_df_message', 10, wishart_df_message)
    out += program('wishart_entropy_repr', 11, wishart_entropy_repr)
    out += program('expand_keeps_computed_geometric', 12, expand_keeps_computed('Geometric'))
    out += program('expand_keeps_computed_categorical', 13, expand_keeps_computed('Categorical'))
    out += program('gamma_samples_f32', 14, gamma_samples_f32)
    out += program('wishart_expand_keeps_computed', 15, wishart_expand_keeps_computed)
    conc = torch.tensor([1.0, 2.0], requires_grad=True)
    out += ['=== dirichlet_node', 'node ' + type(D.Dirichlet(conc).rsample().grad_fn).__name__]
    sys.stdout.write('\n'.join(out) + '\n')


main()
