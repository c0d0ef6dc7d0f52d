package dev.ember.cuda;

import dev.ember.Complex;
import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Session 54's overloads on CUDA against the CPU backend (Leftovers54Test and Leftovers54GradTest check the CPU against
 * PyTorch): complex pow by a real / Java complex exponent with 2.x's shortcuts (0.5, -0.5, -1, 2, -2, 3: a zero base
 * gives inf+nanj for the negative ones) and by a tensor (glibc's cpow rule at a zero base), {@code pow(Complex, Tensor)},
 * the {@code *_like} / {@code new_*} factories with a dtype (on the source's device), a Java boolean as the scalar of
 * add / mul / div / eq / ne / where, and {@code dtype=} of vector_norm / matrix_norm / linalg.norm / norm: the same
 * dtype, shape and device, values (complex ones through their real views) and the gradients of every floating or
 * complex input within {@link CudaParityTest#assertClose}'s tolerance, NaN where the CPU's is NaN.
 */
@ExtendWith(CudaGate.class)
class CudaLeftovers54Test {
    private static final Complex[] Z = {Complex.of(1.5, -0.5), Complex.of(-0.75, 2), Complex.of(0.25, 0.5), Complex.of(3, 1),
        Complex.of(0, 0), Complex.of(-2, 0)};
    private static final Complex[] E = {Complex.of(0.5, -1), Complex.of(2, 0.25), Complex.of(-1.5, 0), Complex.of(1, 1),
        Complex.of(2, 0), Complex.of(0, 0)};
    private static final double[][] XM = {{1.5, -2.0, 3.0, 0.5}, {0.25, 4.0, -1.0, 2.0}, {-3.0, 1.0, 0.75, -0.5}};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParity.parityOfEveryInput(name, f, false, false, in));
    }

    @TestFactory
    List<DynamicTest> session54Overloads() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType dt : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            Tensor z = Tensor.tensor(Z, dt);
            Tensor nonzero = z.narrow(0, 0, 4);
            for (double e : new double[] {0.5, -0.5, -1, 2, -2, 3, 0}) {
                t.add(p(dt + " ** " + e + " (zero base included)", x -> x[0].pow(e), z));
                t.add(p(dt + " ** Complex(" + e + ", 0)", x -> x[0].pow(Complex.of(e, 0)), nonzero));
            }
            t.add(p(dt + " ** 2.5", x -> x[0].pow(2.5), nonzero));
            t.add(p(dt + " ** (1.5-0.5j)", x -> x[0].pow(Complex.of(1.5, -0.5)), nonzero));
            t.add(p(dt + " ** tensor, forward at a zero base", x -> x[0].detach().pow(x[1].detach()), z,
                    Tensor.tensor(E, dt)));
            t.add(p(dt + " ** tensor", x -> x[0].pow(x[1]), nonzero, Tensor.tensor(E, dt).narrow(0, 0, 4)));
            t.add(p("pow(Complex, " + dt + ")", x -> Tensor.pow(Complex.of(1, 2), x[0]), Tensor.tensor(E, dt)));
        }
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
            Tensor e = Tensor.tensor(new double[] {0.0, 1.0, -1.5, 2.5}).to(dt);
            t.add(p("pow(Complex, " + dt + ")", x -> Tensor.pow(Complex.of(-0.5, 0.25), x[0]), e));
        }
        Tensor xl = Tensor.tensor(new double[][] {{1.5, -2.0, 3.0}, {0.25, 4.0, -1.0}});
        t.add(p("zerosLike(int32)", x -> x[0].zerosLike(DType.INT32), xl));
        t.add(p("onesLike(complex128)", x -> x[0].onesLike(DType.COMPLEX128), xl));
        t.add(p("fullLike(2.5, float64)", x -> x[0].fullLike(2.5, DType.FLOAT64), xl));
        t.add(p("fullLike(300L, int16)", x -> x[0].fullLike(300L, DType.INT16), xl));
        t.add(p("fullLike(true, float32)", x -> x[0].fullLike(true, DType.FLOAT32), xl));
        t.add(p("newZeros(int64)", x -> x[0].newZeros(new int[] {2, 2}, DType.INT64), xl));
        t.add(p("newOnes(float64)", x -> x[0].newOnes(new int[] {3}, DType.FLOAT64), xl));
        t.add(p("newFull(7L, uint8)", x -> x[0].newFull(new int[] {2}, 7L, DType.UINT8), xl));
        t.add(p("newFull(true, int32)", x -> x[0].newFull(new int[] {1, 2}, true, DType.INT32), xl));
        t.add(p("newEmpty(bfloat16) zeroed", x -> x[0].newEmpty(new int[] {3, 1}, DType.BFLOAT16).zero_(), xl));
        Tensor mask = Tensor.tensor(new boolean[] {true, false, true});
        Tensor[] operands = {mask, Tensor.tensor(new long[] {1, -2, 0}, DType.INT8), Tensor.tensor(new double[] {1.5, -2.0, 0.0}),
            Tensor.tensor(new Complex[] {Complex.of(1, 1), Complex.of(-2, 0), Complex.of(0.5, 0)})};
        for (Tensor o : operands) {
            for (boolean s : new boolean[] {true, false}) {
                String n = o.dtype() + " with " + s;
                t.add(p("add " + n, x -> x[0].add(s), o));
                t.add(p("mul " + n, x -> x[0].mul(s), o));
                t.add(p("div " + n, x -> x[0].div(s), o));
                t.add(p("eq " + n, x -> x[0].eq(s), o));
                t.add(p("ne " + n, x -> x[0].ne(s), o));
                t.add(p("where(mask, x, " + s + ") " + o.dtype(), x -> Tensor.where(x[1], x[0], s), o, mask));
                t.add(p("where(mask, " + s + ", x) " + o.dtype(), x -> Tensor.where(x[1], s, x[0]), o, mask));
            }
        }
        Tensor xm = Tensor.tensor(XM);
        int[] last2 = {-2, -1};
        t.add(p("vector_norm(3, dtype=float64)", x -> x[0].vectorNorm(3.0, new int[] {1}, false, DType.FLOAT64), xm));
        t.add(p("norm(3, dtype=float64)", x -> x[0].norm(3.0, new int[] {1}, false, DType.FLOAT64), xm));
        t.add(p("norm(fro, dtype=float64)", x -> x[0].norm("fro", null, false, DType.FLOAT64), xm));
        t.add(p("linalg.norm(None, dtype=float64)", x -> x[0].linalgNorm((Double) null, null, false, DType.FLOAT64), xm));
        t.add(p("matrix_norm(1, dtype=float64)", x -> x[0].matrixNorm(1.0, last2, false, DType.FLOAT64), xm));
        t.add(p("matrix_norm(-inf, dtype=float64)", x -> x[0].matrixNorm(Double.NEGATIVE_INFINITY, last2, false,
                DType.FLOAT64), xm));
        t.add(p("matrix_norm(nuc, dtype=complex128) of complex64",
                x -> x[0].matrixNorm("nuc", last2, false, DType.COMPLEX128), xm.to(DType.COMPLEX64)));
        t.add(p("matrix_norm(1, float64 to float32)", x -> x[0].matrixNorm(1.0, last2, false, DType.FLOAT32),
                xm.toDouble()));
        return t;
    }
}
