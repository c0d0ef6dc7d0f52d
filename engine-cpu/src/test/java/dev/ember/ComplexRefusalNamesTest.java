package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op Ember refuses on a complex tensor, on complex64 and complex128 CPU tensors: the exception and message are
 * PyTorch's (complexrefusals/expected.txt, written by make_expected.py from PyTorch 1.13, 2.x where it differs), the
 * kernel named as PyTorch's dispatch names it ({@code "erfinv_vml_cpu"}, not the Java method), or PyTorch's own words
 * ({@code clamp is not supported for complex types}); the inputs are unchanged after the refusal. PyTorch's
 * RuntimeError is Ember's UnsupportedOperationException for these refusals (what Ember has always thrown for them).
 *
 * <p>Each id (PyTorch's op name, an in-place variant as {@code op_}) maps to every Ember spelling of that op (aliases,
 * the functional forms), each of which must refuse in the same words.
 */
class ComplexRefusalNamesTest {
    /** id to the Ember calls of that op on {@code x} and {@code y} (fresh complex tensors of one shape and type). */
    private static final Map<String, List<BiFunction<Tensor, Tensor, Object>>> OPS = new LinkedHashMap<>();

    @SafeVarargs
    private static void op(String id, BiFunction<Tensor, Tensor, Object>... calls) {
        OPS.put(id, List.of(calls));
    }

    static {
        // pointwise, real-only special functions and roundings
        op("erf", (x, y) -> x.erf(), (x, y) -> Special.erf(x));
        op("erf_", (x, y) -> x.erf_());
        op("erfc", (x, y) -> x.erfc(), (x, y) -> Special.erfc(x));
        op("erfc_", (x, y) -> x.erfc_());
        op("erfinv", (x, y) -> x.erfinv(), (x, y) -> Special.erfinv(x));
        op("erfinv_", (x, y) -> x.erfinv_());
        op("lgamma", (x, y) -> x.lgamma());
        op("lgamma_", (x, y) -> x.lgamma_());
        op("digamma", (x, y) -> x.digamma(), (x, y) -> Special.digamma(x));
        op("digamma_", (x, y) -> x.digamma_());
        op("special.psi", (x, y) -> Special.psi(x));
        op("special.gammaln", (x, y) -> Special.gammaln(x));
        op("special.ndtr", (x, y) -> Special.ndtr(x));
        op("special.entr", (x, y) -> Special.entr(x));
        op("special.erfcx", (x, y) -> Special.erfcx(x));
        op("special.i0e", (x, y) -> Special.i0e(x));
        op("special.i1", (x, y) -> Special.i1(x));
        op("special.i1e", (x, y) -> Special.i1e(x));
        op("special.log_ndtr", (x, y) -> Special.logNdtr(x));
        op("special.ndtri", (x, y) -> Special.ndtri(x));
        op("mvlgamma", (x, y) -> x.mvlgamma(1));
        op("special.multigammaln", (x, y) -> Special.multigammaln(x, 1));
        op("logsigmoid", (x, y) -> Functional.logsigmoid(x), (x, y) -> x.logSigmoid());
        op("relu", (x, y) -> x.relu(), (x, y) -> Functional.relu(x));
        op("relu_", (x, y) -> x.relu_(), (x, y) -> Functional.relu_(x));
        op("relu6", (x, y) -> Functional.relu6(x), (x, y) -> Functional.relu6(x, false));
        op("threshold", (x, y) -> Functional.threshold(x, 0.5, 0.0), (x, y) -> NNFunctions.threshold(x, 0.5, 0.0));
        op("threshold_", (x, y) -> Functional.threshold_(x, 0.5, 0.0), (x, y) -> NNFunctions.threshold_(x, 0.5, 0.0));
        op("hardtanh", (x, y) -> Functional.hardtanh(x), (x, y) -> Functional.hardtanh(x, -1.0, 1.0));
        op("hardtanh_", (x, y) -> Functional.hardtanh_(x, -1.0, 1.0));
        op("ceil", (x, y) -> x.ceil());
        op("ceil_", (x, y) -> x.ceil_());
        op("floor", (x, y) -> x.floor());
        op("floor_", (x, y) -> x.floor_());
        op("trunc", (x, y) -> x.trunc());
        op("trunc_", (x, y) -> x.trunc_());
        op("fix", (x, y) -> x.fix());
        op("fix_", (x, y) -> x.fix_());
        op("round", (x, y) -> x.round());
        op("round_", (x, y) -> x.round_());
        op("frac", (x, y) -> x.frac());
        op("frac_", (x, y) -> x.frac_());
        op("sign", (x, y) -> x.sign());
        op("sign_", (x, y) -> x.sign_());
        // bitwise
        op("bitwise_and", (x, y) -> x.bitwiseAnd(y), (x, y) -> x.bitwiseAnd(1L));
        op("bitwise_and_", (x, y) -> x.bitwiseAnd_(y), (x, y) -> x.bitwiseAnd_(1L));
        op("bitwise_or", (x, y) -> x.bitwiseOr(y), (x, y) -> x.bitwiseOr(1L));
        op("bitwise_or_", (x, y) -> x.bitwiseOr_(y), (x, y) -> x.bitwiseOr_(1L));
        op("bitwise_xor", (x, y) -> x.bitwiseXor(y), (x, y) -> x.bitwiseXor(1L));
        op("bitwise_xor_", (x, y) -> x.bitwiseXor_(y), (x, y) -> x.bitwiseXor_(1L));
        op("bitwise_not", (x, y) -> x.bitwiseNot());
        op("bitwise_not_", (x, y) -> x.bitwiseNot_());
        op("bitwise_left_shift", (x, y) -> x.bitwiseLeftShift(y), (x, y) -> x.bitwiseLeftShift(1L));
        op("bitwise_left_shift_", (x, y) -> x.bitwiseLeftShift_(y), (x, y) -> x.bitwiseLeftShift_(1L));
        op("bitwise_right_shift", (x, y) -> x.bitwiseRightShift(y), (x, y) -> x.bitwiseRightShift(1L));
        op("bitwise_right_shift_", (x, y) -> x.bitwiseRightShift_(y), (x, y) -> x.bitwiseRightShift_(1L));
        // comparisons
        op("lt", (x, y) -> x.lt(y), (x, y) -> x.lt(0.5));
        op("lt_", (x, y) -> x.lt_(y), (x, y) -> x.lt_(0.5));
        op("le", (x, y) -> x.le(y), (x, y) -> x.le(0.5));
        op("le_", (x, y) -> x.le_(y), (x, y) -> x.le_(0.5));
        op("gt", (x, y) -> x.gt(y), (x, y) -> x.gt(0.5));
        op("gt_", (x, y) -> x.gt_(y), (x, y) -> x.gt_(0.5));
        op("ge", (x, y) -> x.ge(y), (x, y) -> x.ge(0.5));
        op("ge_", (x, y) -> x.ge_(y), (x, y) -> x.ge_(0.5));
        op("less", (x, y) -> x.less(y), (x, y) -> x.less(0.5));
        op("less_", (x, y) -> x.less_(y), (x, y) -> x.less_(0.5));
        op("less_equal", (x, y) -> x.lessEqual(y), (x, y) -> x.lessEqual(0.5));
        op("less_equal_", (x, y) -> x.lessEqual_(y), (x, y) -> x.lessEqual_(0.5));
        op("greater", (x, y) -> x.greater(y), (x, y) -> x.greater(0.5));
        op("greater_", (x, y) -> x.greater_(y), (x, y) -> x.greater_(0.5));
        op("greater_equal", (x, y) -> x.greaterEqual(y), (x, y) -> x.greaterEqual(0.5));
        op("greater_equal_", (x, y) -> x.greaterEqual_(y), (x, y) -> x.greaterEqual_(0.5));
        op("lt.real_self", (x, y) -> x.real().contiguous().lt(y));
        op("lt.mixed", (x, y) -> x.to(DType.COMPLEX64).lt(y.to(DType.COMPLEX128)));
        // binary min / max family, clamp family, heaviside
        op("maximum", (x, y) -> x.maximum(y));
        op("minimum", (x, y) -> x.minimum(y));
        op("max.other", (x, y) -> x.max(y));
        op("min.other", (x, y) -> x.min(y));
        op("fmax", (x, y) -> x.fmax(y));
        op("fmin", (x, y) -> x.fmin(y));
        op("clamp", (x, y) -> x.clamp(0.5, 1.0), (x, y) -> x.clamp(0L, 1L));
        op("clamp_", (x, y) -> x.clamp_(0.5, 1.0), (x, y) -> x.clamp_(0L, 1L));
        op("clamp_min", (x, y) -> x.clampMin(0.5), (x, y) -> x.clampMin(0L));
        op("clamp_min_", (x, y) -> x.clampMin_(0.5), (x, y) -> x.clampMin_(0L));
        op("clamp_max", (x, y) -> x.clampMax(0.5), (x, y) -> x.clampMax(0L));
        op("clamp_max_", (x, y) -> x.clampMax_(0.5), (x, y) -> x.clampMax_(0L));
        op("clip", (x, y) -> x.clip(0.5, 1.0), (x, y) -> x.clip(0L, 1L));
        op("clip_", (x, y) -> x.clip_(0.5, 1.0), (x, y) -> x.clip_(0L, 1L));
        op("clamp.Tensor", (x, y) -> x.clamp(y, y));
        op("clamp_min.Tensor", (x, y) -> x.clampMin(y));
        op("clamp_max.Tensor", (x, y) -> x.clampMax(y));
        op("heaviside", (x, y) -> x.heaviside(y));
        op("heaviside_", (x, y) -> x.heaviside_(y));
        op("heaviside.real_self", (x, y) -> x.real().contiguous().heaviside(y));
        // reductions, sorting, scans
        op("max", (x, y) -> x.max());
        op("min", (x, y) -> x.min());
        op("max.dim", (x, y) -> x.max(1), (x, y) -> x.max(1, true));
        op("min.dim", (x, y) -> x.min(1), (x, y) -> x.min(1, true));
        op("amax", (x, y) -> x.amax(new int[] {1}, false), (x, y) -> x.amax());
        op("amin", (x, y) -> x.amin(new int[] {1}, false), (x, y) -> x.amin());
        op("argmax", (x, y) -> x.argmax(), (x, y) -> x.argmax(1));
        op("argmin", (x, y) -> x.argmin(), (x, y) -> x.argmin(1));
        op("aminmax", (x, y) -> x.aminmax(), (x, y) -> x.aminmax(1, false));
        op("sort", (x, y) -> x.sort(), (x, y) -> x.sort(1, true));
        op("argsort", (x, y) -> x.argsort(), (x, y) -> x.argsort(1, true));
        op("msort", (x, y) -> x.msort());
        op("topk", (x, y) -> x.topk(1));
        op("kthvalue", (x, y) -> x.kthvalue(1), (x, y) -> x.kthvalue(1, 0, true));
        op("median", (x, y) -> x.median());
        op("nanmedian", (x, y) -> x.nanmedian());
        op("median.dim", (x, y) -> x.median(1, false));
        op("nanmedian.dim", (x, y) -> x.nanmedian(1, false));
        op("mode", (x, y) -> x.mode(1, false), (x, y) -> x.mode());
        op("cummax", (x, y) -> x.cummax(1));
        op("cummin", (x, y) -> x.cummin(1));
        op("unique", (x, y) -> x.unique(), (x, y) -> x.unique(true, true, true));
        op("unique_consecutive", (x, y) -> x.uniqueConsecutive(), (x, y) -> x.uniqueConsecutive(true, false));
        op("unique.dim", (x, y) -> x.unique(true, false, false, 0));
        op("unique_consecutive.dim", (x, y) -> x.uniqueConsecutive(false, false, 0));
        op("unique_consecutive.dim0_1d", (x, y) -> x.select(0, 0).uniqueConsecutive(false, false, 0));
        op("unique_consecutive.dim-1_1d", (x, y) -> x.select(0, 0).uniqueConsecutive(false, false, -1));
        op("searchsorted", (x, y) -> Tensor.searchsorted(x, y));
        op("bucketize", (x, y) -> x.bucketize(y.select(0, 0).contiguous()));
        op("gaussian_nll_loss", (x, y) -> Functional.gaussianNllLoss(x, y, x.abs().to(x.dtype())));
    }

    /** PyTorch's Python exception class to Ember's, for these refusals. */
    private static final Map<String, Class<? extends RuntimeException>> CLASSES = Map.of(
            "RuntimeError", UnsupportedOperationException.class);

    /** The make_expected.py input: [[0.5+0.25i, -1.5+1i, 3-2i], [0.5i, 2, 0.25+1.5i]] of {@code type}. */
    private static Tensor input(DType type) {
        Tensor re = Tensor.tensor(new double[] {0.5, -1.5, 3, 0, 2, 0.25}).reshape(2, 3);
        Tensor im = Tensor.tensor(new double[] {0.25, 1, -2, 0.5, 0, 1.5}).reshape(2, 3);
        return Tensor.complex(re, im).to(type);
    }

    private static List<String[]> expected() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = ComplexRefusalNamesTest.class.getResourceAsStream("/complexrefusals/expected.txt")) {
            assertNotNull(in, "complexrefusals/expected.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    rows.add(line.split("\t", 4));
                }
            }
        }
        return rows;
    }

    @Test
    void everyComplexRefusalIsPyTorchs() throws IOException {
        List<String[]> rows = expected();
        TreeMap<String, String> bad = new TreeMap<>();
        TreeSet<String> seen = new TreeSet<>();
        int checked = 0;
        for (String[] row : rows) {
            String id = row[0];
            DType type = row[1].equals("complex64") ? DType.COMPLEX64 : DType.COMPLEX128;
            Class<? extends RuntimeException> want = CLASSES.get(row[2]);
            assertNotNull(want, "no Ember class for " + row[2]);
            List<BiFunction<Tensor, Tensor, Object>> calls = OPS.get(id);
            if (calls == null) {
                bad.put(id, "no Ember call listed");
                continue;
            }
            seen.add(id);
            for (int i = 0; i < calls.size(); i++) {
                String key = id + "#" + i + " " + row[1];
                Tensor x = input(type);
                Tensor y = input(type).flip(1);
                Tensor xBefore = x.viewAsReal().clone();
                Tensor yBefore = y.viewAsReal().clone();
                Object result;
                try {
                    result = calls.get(i).apply(x, y);
                } catch (RuntimeException e) {
                    checked++;
                    if (e.getClass() != want || !row[3].equals(e.getMessage())) {
                        bad.put(key, e.getClass().getSimpleName() + ": " + e.getMessage() + " (PyTorch: " + row[2] + ": "
                                + row[3] + ")");
                    } else if (!xBefore.equal(x.viewAsReal()) || !yBefore.equal(y.viewAsReal())) {
                        bad.put(key, "refused but changed an input");
                    }
                    continue;
                }
                bad.put(key, "returned " + result + " where PyTorch refuses: " + row[3]);
            }
        }
        TreeSet<String> unused = new TreeSet<>(OPS.keySet());
        unused.removeAll(seen);
        assertEquals(new TreeSet<String>(), unused, "Ember calls listed without an expected refusal");
        assertEquals(new TreeMap<String, String>(), bad, "complex refusals unlike PyTorch's");
        assertTrue(checked >= 2 * OPS.size(), "checked " + checked);
    }
}
