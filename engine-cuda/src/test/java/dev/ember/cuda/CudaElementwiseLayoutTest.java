package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The elementwise output layouts ElementwiseLayoutTest checks against PyTorch on the CPU (TensorIterator's strides
 * permutation of the operands) hold on CUDA with the CPU's values: unary ops and activations, casts, binary ops with
 * broadcasting and Java numbers, comparisons and {@code where} over transposed, channels-last, gapped, expanded and
 * mixed-layout operands, and the gradient of a channels-last input through a chain of elementwise ops.
 */
class CudaElementwiseLayoutTest {
    private static final Generator GEN = new Generator(2041);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor channelsLast(Tensor t) {
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    private static void same(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        Tensor[] dev = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            dev[i] = in[i].to(GPU);
        }
        Tensor c = f.apply(in);
        Tensor g = f.apply(dev);
        assertArrayEquals(c.stride(), g.stride(), name + ": strides");
        Tensor cv = c.dtype() == DType.FLOAT32 ? c : c.to(DType.FLOAT32);
        Tensor gv = (g.dtype() == DType.FLOAT32 ? g : g.to(DType.FLOAT32)).cpu();
        assertArrayEquals(cv.contiguous().toDoubleArray(), gv.contiguous().toDoubleArray(), 1e-5, name + ": values");
    }

    @Test
    void outputsTakeTheCpuLayout() {
        Tensor base = uniform(GEN, 2.0, 3, 4);
        Tensor t = base.t();
        Tensor rowMajor = uniform(GEN, 2.0, 4, 3);
        Tensor cl = channelsLast(uniform(GEN, 2.0, 2, 3, 5, 4));
        Tensor c4 = uniform(GEN, 2.0, 2, 3, 5, 4);
        Tensor bias = uniform(GEN, 2.0, 3, 1, 1);
        Tensor gaps = uniform(GEN, 2.0, 4, 6).slice(1, 0, 6, 2);
        Tensor expanded = uniform(GEN, 2.0, 4, 1).expand(4, 3);
        same("relu transposed", a -> a[0].relu(), t);
        same("sigmoid channels-last", a -> a[0].sigmoid(), cl);
        same("gelu channels-last", a -> Functional.gelu(a[0]), cl);
        same("exp gaps", a -> a[0].exp(), gaps);
        same("neg expanded", a -> a[0].neg(), expanded);
        same("to float64 channels-last", a -> a[0].to(DType.FLOAT64), cl);
        same("to int64 transposed", a -> a[0].mul(4L).to(DType.INT64), t);
        same("add transposed + row-major", a -> a[0].add(a[1]), t, rowMajor);
        same("add row-major + transposed", a -> a[0].add(a[1]), rowMajor, t);
        same("add channels-last + contiguous", a -> a[0].add(a[1]), cl, c4);
        same("add contiguous + channels-last", a -> a[0].add(a[1]), c4, cl);
        same("mul channels-last * bias", a -> a[0].mul(a[1]), cl, bias);
        same("add bias + channels-last", a -> a[0].add(a[1]), bias, cl);
        same("add alpha", a -> a[0].add(a[1], 2), t, rowMajor);
        same("add scalar transposed", a -> a[0].add(1.5), t);
        same("rsub scalar channels-last", a -> a[0].rsub(2L), cl);
        same("gt transposed", a -> a[0].gt(a[1]), t, rowMajor);
        same("gt scalar channels-last", a -> a[0].gt(0L), cl);
        same("where transposed condition", a -> Tensor.where(a[0].gt(0L), a[1], a[1].neg()), t, rowMajor);
        same("where channels-last with bias", a -> Tensor.where(a[0].gt(0L), a[0], a[1]), cl, bias);
        same("add_ keeps self", a -> a[0].clone().add_(a[1]), t, rowMajor);
    }

    @Test
    void gradientsOfAChannelsLastChainTakeTheCpuLayout() {
        Tensor x = channelsLast(uniform(GEN, 2.0, 2, 3, 4, 5)).to(DType.FLOAT64);
        Tensor w = channelsLast(uniform(GEN, 2.0, 2, 3, 4, 5)).to(DType.FLOAT64);
        Tensor[] grads = new Tensor[2];
        Tensor[][] pairs = {{x, w}, {x.to(GPU), w.to(GPU)}};
        for (int i = 0; i < 2; i++) {
            Tensor in = pairs[i][0].clone().requiresGrad_(true);
            Tensor y = in.sigmoid().mul(in).add(in.relu().mul(0.5)).sub(in.exp().div(4.0));
            grads[i] = Autograd.grad(List.of(y), List.of(in), List.of(pairs[i][1]), false).get(0);
        }
        assertArrayEquals(grads[0].stride(), grads[1].stride(), "gradient strides");
        assertArrayEquals(grads[0].stride(), x.stride(), "channels-last gradient");
        assertArrayEquals(grads[0].contiguous().toDoubleArray(), grads[1].cpu().contiguous().toDoubleArray(), 1e-12);
    }
}
