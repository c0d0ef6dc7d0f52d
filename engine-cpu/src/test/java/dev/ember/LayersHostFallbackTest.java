package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The normalization family's {@code Backend} defaults, which run the CPU's kernels on host copies (what CUDA runs until
 * it has kernels of its own): every norm on a fake device whose normalization methods are those defaults gives the
 * CPU's values, statistics, running statistics and gradients, on non-contiguous and expanded inputs too.
 */
class LayersHostFallbackTest {
    private static final Device FAKE = Device.cuda(0);
    private static final Generator GEN = new Generator(5150);

    @BeforeAll
    static void fakeDevice() {
        Backends2.registerFakeCuda(Set.of("layerNorm", "layerNormBackward", "rmsNorm", "rmsNormBackward", "groupNorm",
                "groupNormBackward", "batchNorm", "batchNormBackward"));
    }

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    private static DynamicTest p(String name, java.util.function.Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> IndexingHostFallbackTest.parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> normsOnTheHostDefaults() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            String s = " " + d;
            t.add(p("layer_norm" + s, x -> Functional.layerNorm(x[0], new int[] {5}, x[1], x[2], 1e-5), r(d, 3, 4, 5), r(d, 5),
                    r(d, 5)));
            t.add(p("layer_norm non-contiguous" + s, x -> Functional.layerNorm(nc(x[0]), new int[] {4, 5}, null, null, 1e-5),
                    r(d, 3, 4, 5)));
            t.add(p("layer_norm expanded" + s, x -> Functional.layerNorm(x[0].expand(6, 7), new int[] {7}, x[1], null, 1e-5),
                    r(d, 1, 7), r(d, 7)));
            t.add(p("rms_norm" + s, x -> Functional.rmsNorm(nc(x[0]), new int[] {4}, x[1], null), r(d, 5, 4), r(d, 4)));
            t.add(p("group_norm" + s, x -> Functional.groupNorm(nc(x[0]), 2, x[1], x[2], 1e-5), r(d, 3, 4, 6), r(d, 4),
                    r(d, 4)));
            t.add(p("batch_norm" + s, x -> Functional.batchNorm(nc(x[0]), null, null, x[1], x[2], true, 0.1, 1e-5),
                    r(d, 5, 3, 4), r(d, 3), r(d, 3)));
            // running statistics that require grad are refused (native_batch_norm's autograd check), as PyTorch's:
            // parity makes every input require grad, so the statistics are taken detached
            t.add(p("batch_norm eval" + s, x -> Functional.batchNorm(x[0], x[3].detach().abs(),
                    x[3].detach().abs().add(0.5), x[1], x[2], false, 0.1, 1e-5), r(d, 5, 3), r(d, 3), r(d, 3), r(d, 3)));
            t.add(p("instance_norm" + s, x -> Functional.instanceNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                    r(d, 2, 3, 2, 2), r(d, 3), r(d, 3)));
            t.add(p("empty layer_norm" + s, x -> Functional.layerNorm(x[0], new int[] {3}, x[1], x[2], 1e-5), r(d, 0, 3),
                    r(d, 3), r(d, 3)));
        }
        return t;
    }

    @Test
    void statisticsAndRunningStatisticsAsTheCpus() {
        Tensor x = r(DType.FLOAT64, 4, 3, 5);
        NormResult cpu = Tensor.nativeLayerNorm(x, new int[] {5}, null, null, 1e-5);
        NormResult dev = Tensor.nativeLayerNorm(x.to(FAKE), new int[] {5}, null, null, 1e-5);
        assertArrayEquals(cpu.mean().toDoubleArray(), dev.mean().cpu().toDoubleArray());
        assertArrayEquals(cpu.rstd().toDoubleArray(), dev.rstd().cpu().toDoubleArray());
        NormResult gc = Tensor.nativeGroupNorm(x, null, null, 3, 1e-5);
        NormResult gd = Tensor.nativeGroupNorm(x.to(FAKE), null, null, 3, 1e-5);
        assertArrayEquals(gc.mean().toDoubleArray(), gd.mean().cpu().toDoubleArray());
        assertArrayEquals(gc.rstd().toDoubleArray(), gd.rstd().cpu().toDoubleArray());
        Tensor rm = Tensor.zeros(DType.FLOAT64, 3);
        Tensor rv = Tensor.ones(DType.FLOAT64, 3);
        Tensor rmd = rm.to(FAKE);
        Tensor rvd = rv.to(FAKE);
        NormResult bc = Tensor.nativeBatchNorm(x, null, null, rm, rv, true, 0.2, 1e-5);
        NormResult bd = Tensor.nativeBatchNorm(x.to(FAKE), null, null, rmd, rvd, true, 0.2, 1e-5);
        assertEquals(FAKE, bd.output().device());
        assertArrayEquals(bc.mean().toDoubleArray(), bd.mean().cpu().toDoubleArray());
        assertArrayEquals(bc.rstd().toDoubleArray(), bd.rstd().cpu().toDoubleArray());
        assertArrayEquals(rm.toDoubleArray(), rmd.cpu().toDoubleArray());
        assertArrayEquals(rv.toDoubleArray(), rvd.cpu().toDoubleArray());
    }
}
