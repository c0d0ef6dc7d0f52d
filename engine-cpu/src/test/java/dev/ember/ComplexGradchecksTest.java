package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Numerical gradchecks (and gradgradchecks where the formula is differentiable) of the complex paths that the
 * PyTorch-value tests cover only at first order or only in value: cov and corrcoef (with the conjugate PyTorch's
 * formula takes), pairwise_distance, dist, linalg.lu_factor and lu_solve, float_power. Each function is checked as a
 * function of the real views of complex float64 inputs (what PyTorch's gradcheck does for complex inputs: the
 * Wirtinger derivatives through the real and imaginary parts), at points away from the functions' kinks.
 */
class ComplexGradchecksTest {
    private static Tensor cz(Tensor pairs) {
        return ComplexTest.cz(pairs);
    }

    private static Tensor input(int shift, double add, int... shape) {
        return ComplexTest.seq(shift, shape).add(add).toDouble().requiresGrad_(true);
    }

    /** A complex [3, 3] real view whose LU needs a row exchange and stays away from singular. */
    private static Tensor matrix(int shift) {
        return ComplexTest.seq(shift, 3, 3, 2).add(Tensor.eye(3).toDouble().mul(3.0).unsqueeze(-1)
                .expand(3, 3, 2)).toDouble().requiresGrad_(true);
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Map<String, Function<Tensor[], Tensor>> fs = new LinkedHashMap<>();
        fs.put("cov", x -> cz(x[0]).cov().viewAsReal());
        fs.put("cov correction=0 aweights", x -> cz(x[0]).cov(0, null, x[1].select(-1, 0).select(0, 0).abs().add(0.5))
                .viewAsReal());
        fs.put("corrcoef", x -> cz(x[0]).corrcoef().viewAsReal());
        fs.put("pairwise_distance p=2", x -> Tensor.pairwiseDistance(cz(x[0]), cz(x[1]), 2, 1e-6, false));
        fs.put("pairwise_distance p=1.5 keepdim", x -> Tensor.pairwiseDistance(cz(x[0]), cz(x[1]), 1.5, 1e-6, true));
        fs.put("dist", x -> cz(x[0]).dist(cz(x[1])));
        fs.put("dist p=3", x -> cz(x[0]).dist(cz(x[1]), 3));
        fs.put("float_power tensor", x -> cz(x[0]).floatPower(cz(x[1])).viewAsReal());
        fs.put("float_power number", x -> cz(x[0]).floatPower(2.5).viewAsReal());
        Map<String, Function<Tensor[], Tensor>> lu = new LinkedHashMap<>();
        lu.put("lu_factor", x -> cz(x[0]).linalgLuFactor().LU().viewAsReal());
        lu.put("lu_solve left", x -> {
            LuFactorResult f = cz(x[0]).linalgLuFactor();
            return Tensor.linalgLuSolve(f.LU(), f.pivots(), cz(x[1]), true, false).viewAsReal();
        });
        lu.put("lu_solve right adjoint", x -> {
            LuFactorResult f = cz(x[0]).linalgLuFactor();
            return Tensor.linalgLuSolve(f.LU(), f.pivots(), cz(x[1]), false, true).viewAsReal();
        });
        lu.put("linalg.lu", x -> {
            LuResult r = cz(x[0]).linalgLu();
            return Tensor.cat(List.of(r.L().flatten(), r.U().flatten()), 0).viewAsReal();
        });
        List<DynamicTest> tests = new java.util.ArrayList<>();
        fs.forEach((name, f) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            Tensor a = input(1, 0.1, 2, 4, 2);
            Tensor b = input(4, 0.2, 2, 4, 2);
            assertTrue(Autograd.gradcheck(f::apply, a, b), name);
            assertTrue(Autograd.gradgradcheck(f::apply, a, b), name);
        })));
        lu.forEach((name, f) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            Tensor a = matrix(2);
            Tensor b = input(5, 0.3, 3, 3, 2);
            assertTrue(Autograd.gradcheck(f::apply, a, b), name);
            assertTrue(Autograd.gradgradcheck(f::apply, a, b), name);
        })));
        return tests;
    }
}
