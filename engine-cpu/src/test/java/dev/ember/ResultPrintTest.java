package dev.ember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.data.DataLoader;
import dev.ember.nn.AdaptiveLogSoftmaxWithLoss;
import dev.ember.nn.Functional;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.utils.Fusion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code System.out.println(result)} shows for the results of ops that return more than one tensor, against
 * PyTorch's {@code print} of the same call (resources/resultprint/make_expected.py, PyTorch 1.13): the
 * {@code torch.return_types.*} structseqs under each op's own name (one record, {@link Tensor.ValuesIndices}, serves
 * max, min, sort, topk, kthvalue, median, nanmedian, mode, cummax and cummin, each printed as its op's
 * structseq, and a pooling's {@code return_indices} as a plain tuple; {@link SlogdetResult} slogdet and
 * linalg_slogdet; {@link QrResult} qr and linalg_qr; {@link LuResult} lu_unpack and linalg_lu; {@link SvdUsvResult}
 * svd, and svd_lowrank's plain tuple), plain tuples where PyTorch returns tuples (unique, var_mean, native_layer_norm,
 * MultiheadAttention, autograd.functional, fuse_conv_bn_weights), AdaptiveLogSoftmaxWithLoss's {@code _ASMoutput} and
 * a DataLoader batch's list. Ember printed the Java records ({@code ValuesIndices[values=..., indices=...]}). The
 * structseq names were checked against PyTorch 2.x's torch/return_types.py and native_functions.yaml, which name
 * them as 1.13 does.
 */
class ResultPrintTest {

    private static Map<String, String> texts;

    private static synchronized Map<String, String> texts() {
        if (texts == null) {
            texts = ExpectedLines.barTexts("/resultprint/texts.txt");
        }
        return texts;
    }

    private static void check(String name, Object result) throws Exception {
        String expected = texts().get(name);
        assertNotNull(expected, name);
        assertEquals(expected, String.valueOf(result), name);
    }

    private static Tensor x() {
        return Tensor.tensor(new double[][] {{1, 5, 2, 5}, {4, 0, 3, 3}, {2, 2, 7, 1}}, DType.FLOAT32);
    }

    private static Tensor f64(double[][] v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    private static final double[][] A = {{4, 1, 2}, {1, 3, 0}, {2, 0, 5}};
    private static final double[][] N = {{1, 2, 0}, {3, -1, 2}, {0.5, 1, 4}};
    private static final double[][] B = {{1, 0}, {2, 1}, {0, 3}};

    @Test
    void valuesIndicesPrintUnderTheirOpsNames() throws Exception {
        Tensor x = x();
        check("max", x.max(1));
        check("max_keepdim", x.max(1, true));
        check("min", x.min(1));
        check("sort", x.sort(1, false));
        check("sort_descending", x.sort(0, true));
        Tensor t = Tensor.tensor(new double[][] {{1, 5, 2, 4}, {4, 0, 3, -1}, {2, 6, 7, 1}}, DType.FLOAT32);
        check("topk", t.topk(2));
        check("topk_smallest", t.topk(3, 1, false, true));
        check("kthvalue", t.kthvalue(2));
        check("median", x.median(1, false));
        Tensor xn = Tensor.tensor(new double[][] {{1, Double.NaN, 2}, {4, 0, 3}}, DType.FLOAT32);
        check("nanmedian", xn.nanmedian(1, false));
        check("mode", x.mode(1, false));
        check("cummax", x.cummax(1));
        check("cummin", x.cummin(1));
        check("aminmax", x.aminmax(0, false));
        // the record built by its constructor (as a pooling builds it) prints as the plain tuple
        Tensor.ValuesIndices own = new Tensor.ValuesIndices(x.max(1).values(), x.max(1).indices());
        assertEquals("(" + own.values() + ", " + own.indices() + ")", own.toString());
    }

    @Test
    void poolingsReturnIndicesPrintAsTuples() throws Exception {
        Tensor p = Tensor.tensor(new double[][][] {{{1, 3, 2, 5, 4, 0}}}, DType.FLOAT32);
        check("max_pool1d_indices", Functional.maxPool1dWithIndices(p, 2, 2, 0, 1, false));
        check("adaptive_max_pool1d_indices", Functional.adaptiveMaxPool1dWithIndices(p, 2));
        Tensor q = Tensor.tensor(new double[][][][] {{{{1, 3}, {2, 5}}}}, DType.FLOAT32);
        check("max_pool2d_indices", Functional.maxPool2dWithIndices(q, new int[] {2, 2}, null, new int[] {0, 0},
                new int[] {1, 1}, false));
        check("adaptive_max_pool2d_indices", Functional.adaptiveMaxPool2dWithIndices(q, new int[] {1, 1}));
        Tensor r = Tensor.arange(8).to(DType.FLOAT32).reshape(1, 1, 2, 2, 2);
        check("max_pool3d_indices", Functional.maxPool3dWithIndices(r, new int[] {2, 2, 2}, new int[] {2, 2, 2},
                new int[] {0, 0, 0}, new int[] {1, 1, 1}, false));
        check("adaptive_max_pool3d_indices", Functional.adaptiveMaxPool3dWithIndices(r, new int[] {1, 1, 1}));
    }

    @Test
    void linalgResultsPrintAsTheirStructseqs() throws Exception {
        Tensor a = f64(A);
        Tensor n = f64(N);
        Tensor b = f64(B);
        check("slogdet", n.slogdet());
        check("linalg_slogdet", n.linalgSlogdet());
        Tensor m = f64(new double[][] {{3, 1}, {4, 2}});
        check("qr", m.qr());
        check("linalg_qr", m.linalgQr());
        check("linalg_qr_r", m.linalgQr("r"));
        LuFactorResult lu = n.linalgLuFactor();
        check("linalg_lu_factor", lu);
        check("linalg_lu_factor_ex", n.linalgLuFactorEx());
        check("lu_unpack", Tensor.luUnpack(lu.LU(), lu.pivots()));
        check("linalg_lu", n.linalgLu());
        Tensor d = f64(new double[][] {{1, 0, 0}, {0, 3, 0}, {0, 0, 2}});
        check("linalg_svd", d.linalgSvd());
        check("svd", d.svd());
        check("linalg_eigh", d.linalgEigh());
        check("linalg_eig", d.linalgEig());
        check("linalg_cholesky_ex", a.linalgCholeskyEx(false, false));
        check("linalg_inv_ex", a.linalgInvEx(false));
        check("linalg_solve_ex", a.linalgSolveEx(b));
        check("linalg_lstsq", n.linalgLstsq(b, null, null));
        check("geqrf", n.geqrf());
        check("linalg_ldl_factor", a.linalgLdlFactor());
        check("linalg_ldl_factor_ex", a.linalgLdlFactorEx(false, false));
        check("triangular_solve", b.triangularSolve(a.triu(), true, false, false));
        // svd_lowrank returns a plain tuple (U, S, V) in PyTorch
        SvdUsvResult low = a.svdLowrank(2, 2);
        assertEquals("(" + low.U() + ", " + low.S() + ", " + low.V() + ")", low.toString());
    }

    @Test
    void otherResultsPrintAsPyTorch() throws Exception {
        check("frexp", Tensor.tensor(new double[] {1, 2.5, -6, 0.375}, DType.FLOAT32).frexp());
        check("histogram", Tensor.tensor(new double[] {1, 2, 1, 4, 2.5, 0.5}, DType.FLOAT32).histogram(4));
        check("histogramdd", Tensor.histogramdd(Tensor.tensor(new double[][] {{0, 1}, {1, 0}, {2, 2}, {0.5, 1.5}},
                DType.FLOAT32), new int[] {2, 2}, null, null, false));
        Tensor u = Tensor.tensor(new long[] {2, 1, 1, 3, 2, 2});
        check("unique", u.unique(true, false, false));
        check("unique_inverse", u.unique(true, true, false));
        check("unique_counts", u.unique(true, false, true));
        check("unique_both", u.unique(true, true, true));
        check("unique_consecutive", u.uniqueConsecutive(true, true));
        check("unique_consecutive_counts", u.uniqueConsecutive(false, true));
        Tensor x = x();
        check("var_mean", x.varMean(new int[] {1}, 1, false));
        check("std_mean", x.stdMean(new int[] {1}, 1, false));
        check("native_layer_norm", Tensor.nativeLayerNorm(x, new int[] {4},
                Tensor.tensor(new double[] {1, 2, 3, 4}, DType.FLOAT32),
                Tensor.tensor(new double[] {0, 0.5, 0, -0.5}, DType.FLOAT32), 1e-5));
    }

    @Test
    void nnAndAutogradTuplesPrintAsPyTorch() throws Exception {
        check("mha_tuple", new MultiheadAttention.Output(Tensor.tensor(new double[][] {{0.5, 1}}, DType.FLOAT32), null));
        check("asm_output", new AdaptiveLogSoftmaxWithLoss.Output(Tensor.tensor(new double[] {-1.5, -0.25}, DType.FLOAT32),
                Tensor.scalar(0.875)));
        Tensor v = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT32);
        check("autograd_vjp", AutogradFunctional.vjp(t -> t.mul(t), v, Tensor.ones(3)));
        check("autograd_vjp_two", AutogradFunctional.vjp(t -> t[0].mul(t[1]), new Tensor[] {v, v.mul(2)}, Tensor.ones(3),
                false, false));
        check("func_jvp", Func.jvp(t -> t[0].sin(), new Tensor[] {v}, new Tensor[] {Tensor.ones(3)}));
        // torch.func.vjp and linearize return (output, function): the function prints with its (varying) address, as
        // 2.x's inner functions _vjp_with_argnums.<locals>.wrapper and linearize.<locals>.jvp_fn do
        String sin = texts().get("func_jvp").substring(1, texts().get("func_jvp").indexOf("), ") + 1);
        String vjp = Func.vjp(t -> t[0].sin(), v).toString();
        assertTrue(vjp.matches("\\Q(" + sin + ", <function _vjp_with_argnums.<locals>.wrapper at 0x\\E[0-9a-f]+>\\)"), vjp);
        String lin = Func.linearize(t -> t[0].sin(), v).toString();
        assertTrue(lin.matches("\\Q(" + sin + ", <function linearize.<locals>.jvp_fn at 0x\\E[0-9a-f]+>\\)"), lin);
        // fuse_conv_bn_weights returns Parameters (Ember returned plain tensors), requiring grad as conv_w and conv_b do
        Tensor cw = Tensor.tensor(new double[][][][] {{{{1, 2}, {3, 4}}}, {{{0.5, -1}, {2, 0}}}}, DType.FLOAT32)
                .requiresGrad_(true);
        check("fuse_conv_bn", Fusion.fuseConvBnWeights(cw, Tensor.tensor(new double[] {0.1, -0.2}, DType.FLOAT32).requiresGrad_(true),
                Tensor.tensor(new double[] {0.5, 1}, DType.FLOAT32), Tensor.tensor(new double[] {4, 0.25}, DType.FLOAT32),
                0, Tensor.tensor(new double[] {2, 1}, DType.FLOAT32), Tensor.tensor(new double[] {0, 1}, DType.FLOAT32),
                false));
        try (DataLoader<List<Tensor>, DataLoader.Batch> loader = DataLoader.of(
                Tensor.tensor(new double[][] {{1, 2}, {3, 4}, {5, 6}}, DType.FLOAT32), Tensor.tensor(new long[] {0, 1, 0}),
                2, false, 0, Device.CPU)) {
            check("loader_batch", loader.iterator().next());
        }
    }
}
