# Expected outcomes for SavedOutputAlwaysTest: a node whose backward reads its result saves it whatever needs a
# gradient, as PyTorch's generated code saves every output of a node (only saved INPUTS are guarded by
# should_compute_output): copysign (the result is read by self's formula only), linalg.solve / solve_ex,
# linalg.solve_triangular and linalg.lu_solve (the result is read by A's / LU's formula only). With only the other
# operand requiring grad, an in-place change of the result before the backward is refused all the same; Ember saved
# the result only where the first operand's gradient was computed, so it ran (found in session 64 while making
# copysign_ of a detach() of an inference tensor refuse as PyTorch does).
# One line per case: "<name>|err|<message>" when the backward after y.add_(1) is refused, else "<name>|ok|<grad>";
# then "<name>_clean|ok|<grad of the operand requiring grad after y.sum().backward() without the in-place change>".
#   run: cd engine-cpu/src/test/resources/savedoutputalways && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (2.x's generated nodes save their outputs the same way).
import torch

torch.set_default_dtype(torch.float64)
A = torch.tensor([[4.0, 1.0, -0.5], [0.5, 3.0, 1.0], [-1.0, 0.25, 5.0]])
B = [[1.0, -2.0], [0.5, 3.0], [-1.5, 2.5]]
X = [1.0, -2.0, 3.0, -0.5]
O = [-1.0, 2.0, -3.0, 0.5]


def cases():
    yield "copysign", lambda o: torch.tensor(X).copysign(o), O
    yield "solve", lambda b: torch.linalg.solve(A, b), B
    yield "solve_right", lambda b: torch.linalg.solve(A, b.t(), left=False), B
    yield "solve_ex", lambda b: torch.linalg.solve_ex(A, b)[0], B
    yield "solve_triangular", lambda b: torch.linalg.solve_triangular(A.triu(), b, upper=True), B
    yield "solve_triangular_right", lambda b: torch.linalg.solve_triangular(A.tril(), b.t(), upper=False, left=False), B
    lu, piv = torch.linalg.lu_factor(A)
    yield "lu_solve", lambda b: torch.linalg.lu_solve(lu, piv, b), B


f = lambda t: ",".join(repr(x) for x in t.detach().flatten().tolist())
for name, op, data in cases():
    o = torch.tensor(data, requires_grad=True)
    y = op(o)
    y.add_(1)
    try:
        y.sum().backward()
        print("|".join([name, "ok", f(o.grad)]))
    except RuntimeError as e:
        print("|".join([name, "err", str(e)]))
    o = torch.tensor(data, requires_grad=True)
    op(o).sum().backward()
    print("|".join([name + "_clean", "ok", f(o.grad)]))
