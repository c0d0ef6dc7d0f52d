# Writes expected.txt for RandomTest.java: PyTorch's errors for the random ops (the numbers themselves are Ember's:
# its Philox streams differ from PyTorch's, so RandomTest checks distributions, not values), and the grad_fn names.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; 2.x facts in ERRORS_2X, with their source).
import torch

ERRORS_2X = {
    # Distributions.cpp (2.x) exponential_impl_: TORCH_CHECK(lambda > 0.0, "exponential_ expects lambda > 0.0, but found
    # lambda=", lambda); 1.13 accepted 0 and said ">= 0.0" for a negative lambda
    "exponential_zero": "exponential_ expects lambda > 0.0, but found lambda=0",
    "exponential_neg": "exponential_ expects lambda > 0.0, but found lambda=-1",
}


def err(key, fn):
    print("=== " + key)
    try:
        fn()
        print("error RuntimeError " + ERRORS_2X[key] if key in ERRORS_2X else "value none")
    except Exception as e:
        msg = ERRORS_2X.get(key, str(e).split("\nException raised from")[0].split("\n")[0])
        print("error", "IndexError" if isinstance(e, IndexError) else "RuntimeError", msg)


o = torch.ones
err("randperm_neg", lambda: torch.randperm(-1))
err("randperm_bool", lambda: torch.randperm(5, dtype=torch.bool))
err("multinomial_3d", lambda: torch.multinomial(o(2, 2, 2), 1))
err("multinomial_0d", lambda: torch.multinomial(torch.tensor(1.0), 1))
err("multinomial_long", lambda: torch.multinomial(o(3, dtype=torch.long), 1))
err("multinomial_n0", lambda: torch.multinomial(o(3), 0))
err("multinomial_too_many", lambda: torch.multinomial(o(3), 4))
err("multinomial_neg", lambda: torch.multinomial(torch.tensor([1.0, -1.0, 1.0]), 1))
err("multinomial_nan", lambda: torch.multinomial(torch.tensor([1.0, float("nan"), 1.0]), 2))
err("multinomial_inf", lambda: torch.multinomial(torch.tensor([1.0, float("inf"), 1.0]), 1))
err("multinomial_zero", lambda: torch.multinomial(torch.tensor([[1.0, 1.0], [0.0, 0.0]]), 1))
err("multinomial_repl_neg", lambda: torch.multinomial(torch.tensor([1.0, -1.0, 1.0]), 2, True))
err("multinomial_repl_nan", lambda: torch.multinomial(torch.tensor([1.0, float("nan"), 1.0]), 2, True))
err("multinomial_repl_inf", lambda: torch.multinomial(torch.tensor([1.0, float("inf"), 1.0]), 2, True))
err("multinomial_repl_zero", lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 2, True))
err("bernoulli_range", lambda: torch.bernoulli(torch.tensor([0.5, 1.5])))
err("bernoulli_long", lambda: torch.bernoulli(torch.tensor([0, 1])))
err("bernoulli_p_range", lambda: o(3).bernoulli_(1.5))
err("bernoulli_p_neg", lambda: o(3).bernoulli_(-0.5))
err("bernoulli_tensor_range", lambda: o(3).bernoulli_(torch.tensor([0.5, 2.0, 0.0])))
err("bernoulli_new_range", lambda: torch.bernoulli(o(3), 1.5))
err("normal_std", lambda: torch.normal(0.0, -1.0, size=(3,)))
err("normal_std_tensor", lambda: torch.normal(torch.zeros(3), torch.tensor([1.0, -1.0, 1.0])))
err("normal_std_float", lambda: torch.normal(torch.zeros(3), -1.0))
err("normal_shape", lambda: torch.normal(torch.zeros(3), o(4)))
err("normal_long_mean", lambda: torch.normal(torch.zeros(3, dtype=torch.long), 1.0))
err("normal__std", lambda: torch.zeros(3).normal_(0, -1))
err("normal__long", lambda: torch.zeros(3, dtype=torch.long).normal_())
err("uniform__range", lambda: torch.zeros(3).uniform_(2, 1))
err("uniform__inf", lambda: torch.zeros(3).uniform_(0, float("inf")))
err("uniform__from_range", lambda: torch.zeros(3).uniform_(-1e39, 0))
err("uniform__span", lambda: torch.zeros(3).uniform_(-3e38, 3e38))
err("uniform__long", lambda: torch.zeros(3, dtype=torch.long).uniform_())
err("exponential_zero", lambda: torch.zeros(3).exponential_(0))
err("exponential_neg", lambda: torch.zeros(3).exponential_(-1))
err("exponential_long", lambda: torch.zeros(3, dtype=torch.long).exponential_())
err("randint_like_range", lambda: torch.randint_like(torch.zeros(3), 5, 5))
err("randint_like_neg", lambda: torch.randint_like(torch.zeros(3), -5))
x = torch.zeros(3, requires_grad=True)
err("normal__leaf", lambda: x.normal_())
err("uniform__leaf", lambda: x.uniform_())
err("exponential__leaf", lambda: x.exponential_())
err("bernoulli__leaf", lambda: x.bernoulli_(0.5))

# grad_fn names of the random ops that record one
y = torch.zeros(3, requires_grad=True) * 1
p = torch.full((3,), 0.5, requires_grad=True)
nodes = {
    "normal_": y.clone().normal_().grad_fn.name(),
    "uniform_": y.clone().uniform_().grad_fn.name(),
    "exponential_": y.clone().exponential_().grad_fn.name(),
    "bernoulli_float": y.clone().bernoulli_(0.5).grad_fn.name(),
    "bernoulli_tensor": y.clone().bernoulli_(p).grad_fn.name(),
    "bernoulli": torch.bernoulli(p).grad_fn.name(),
    "normal_tensor_tensor": torch.normal(p, p).grad_fn.name(),
    "normal_tensor_float": torch.normal(p, 1.0).grad_fn.name(),
    "normal_float_tensor": torch.normal(0.0, p).grad_fn.name(),
}
print("=== nodes")
for k, v in nodes.items():
    print(k, v)
