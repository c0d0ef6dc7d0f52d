package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Func;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * {@link Func}'s transforms on CUDA against the CPU (no kernel of their own: they run each sample's ops, or autograd
 * with create_graph, on the device of their inputs): vmap, vmap of grad (per-sample gradients), jacrev and hessian,
 * forward and the gradients an outer backward takes through them.
 */
@ExtendWith(CudaGate.class)
class CudaFuncTest {
    private static final Generator GEN = new Generator(2611);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }


    @TestFactory
    List<DynamicTest> transforms() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("vmap dot", a -> Func.vmap(b -> b[0].dot(b[1])).apply(a[0], a[1]), r(5, 7), r(5, 7)));
        t.add(p("vmap in_dims (1, null) out_dim 1", a -> Func.vmap(b -> b[0].mul(b[1].exp()), new Integer[] {1, null}, 1)
                .apply(a[0], a[1]), r(4, 3), r(4)));
        t.add(p("vmap of grad", a -> Func.vmap(Func.grad(b -> b[0].sin().mul(b[1]).sum()), new Integer[] {0, null}, 0)
                .apply(a[0], a[1]), r(6, 5), r(5)));
        t.add(p("jacrev", a -> Func.jacrev(b -> b[1].matmul(b[0].tanh())).apply(a[0], a[1]), r(4), r(3, 4)));
        t.add(p("hessian", a -> Func.hessian(b -> b[0].sin().mul(b[0]).sum()).apply(a[0]), r(5)));
        t.add(p("jvp", a -> Func.jvp(b -> b[0].tanh().matmul(b[1]), new Tensor[] {a[0], a[1]}, new Tensor[] {a[2], a[3]})
                .jvp(), r(3, 4), r(4, 2), r(3, 4), r(4, 2)));
        t.add(p("vjp", a -> Func.vjp(b -> b[0].sin().mul(b[1]), a[0], a[1]).vjpFn().apply(a[2]).get(1), r(3, 4), r(4),
                r(3, 4)));
        return t;
    }
}
