package dev.ember;

import dev.ember.amp.GradScaler;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Ember#autocast}: PyTorch 2.x's op lists for the CPU (against torch 1.13's CPU autocast where it agrees, see
 * autocast/make_expected.py) and for CUDA (on the fake CUDA device), values and gradients of small models under
 * bfloat16 autocast against PyTorch's, nesting, disabling, thread-locality, the warning for an unsupported dtype, the
 * weight cast cache, and GradScaler with float16 autocast.
 */
class AutocastTest {
    private static final PyTorchCases CASES = new PyTorchCases("/autocast/expected.txt");
    /** PyTorch's default tolerances for bfloat16 in torch.testing.assert_close. */
    private static final double BF16_RTOL = 1.6e-2;
    private static final double BF16_ATOL = 1e-5;

    private static boolean has(String key) {
        try {
            CASES.value(key);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static String dtype(String key) {
        return CASES.value(key);
    }

    private static Tensor in(String key, int... shape) {
        return Tensor.tensor(CASES.values(key), DType.FLOAT32).reshape(shape);
    }

    /** The same calls as the script's OPS, on a device. */
    private static Map<String, Supplier<Tensor>> ops(Device d, DType reduced) {
        Ember.manualSeed(0);
        Tensor x = Tensor.randn(4, 4).to(d);
        Tensor y = Tensor.randn(4, 4).to(d);
        Tensor b3 = Tensor.randn(2, 4, 4).to(d);
        Tensor v = Tensor.randn(4).to(d);
        Tensor img = Tensor.randn(1, 2, 5, 5).to(d);
        Tensor w = Tensor.randn(3, 2, 3, 3).to(d);
        Tensor s1 = Tensor.randn(1, 2, 6).to(d);
        Tensor w1 = Tensor.randn(3, 2, 3).to(d);
        Tensor wt = Tensor.randn(2, 3, 3, 3).to(d);
        Tensor tgt = Tensor.tensor(new long[] {0, 1, 2, 3}).to(d);
        Tensor xr = x.to(reduced);
        String r = reduced == DType.BFLOAT16 ? "_bf16" : "_f16";
        Map<String, Supplier<Tensor>> m = new LinkedHashMap<>();
        m.put("mm", () -> x.mm(y));
        m.put("bmm", () -> b3.bmm(b3));
        m.put("matmul", () -> x.matmul(y));
        m.put("linear", () -> Functional.linear(x, y, v));
        m.put("addmm", () -> v.addmm(x, y));
        m.put("addbmm", () -> x.addbmm(b3, b3));
        m.put("baddbmm", () -> b3.baddbmm(b3, b3));
        m.put("mv", () -> x.mv(v));
        m.put("dot", () -> v.dot(v));
        m.put("dot" + r, () -> v.to(reduced).dot(v.to(reduced)));
        m.put("einsum", () -> Tensor.einsum("ij,jk->ik", x, y));
        m.put("conv2d", () -> Functional.conv2d(img, w, null));
        m.put("conv1d", () -> Functional.conv1d(s1, w1, null));
        m.put("conv_transpose2d", () -> Functional.convTranspose2d(img, wt, null));
        m.put("scaled_dot_product_attention", () -> Functional.scaledDotProductAttention(b3, b3, b3));
        m.put("softmax", () -> x.softmax(1));
        m.put("log_softmax", () -> x.logSoftmax(1));
        m.put("softmax" + r, () -> xr.softmax(1));
        m.put("log_softmax" + r, () -> xr.logSoftmax(1));
        m.put("exp", () -> x.exp());
        m.put("exp" + r, () -> xr.exp());
        m.put("pow", () -> x.pow(2));
        m.put("pow" + r, () -> xr.pow(2));
        m.put("sum", () -> x.sum());
        m.put("sum" + r, () -> xr.sum());
        m.put("mean" + r, () -> xr.mean());
        m.put("prod", () -> x.prod());
        m.put("prod" + r, () -> xr.prod());
        m.put("cumsum" + r, () -> xr.cumsum(0));
        m.put("norm" + r, () -> xr.norm());
        m.put("logsumexp" + r, () -> xr.logsumexp(1));
        m.put("layer_norm" + r, () -> Functional.layerNorm(xr, new int[] {4}));
        m.put("group_norm" + r, () -> Functional.groupNorm(img.to(reduced), 1));
        m.put("mse" + r, () -> Functional.mseLoss(xr, y));
        m.put("l1" + r, () -> Functional.l1Loss(xr, y));
        m.put("smooth_l1" + r, () -> Functional.smoothL1Loss(xr, y));
        m.put("huber" + r, () -> Functional.huberLoss(xr, y));
        m.put("cross_entropy" + r, () -> Functional.crossEntropy(xr, tgt));
        m.put("nll" + r, () -> Functional.nllLoss(xr, tgt, "mean"));
        m.put("bce_logits" + r, () -> Functional.binaryCrossEntropyWithLogits(xr, y.sigmoid(), "mean"));
        m.put("bce" + r, () -> Functional.binaryCrossEntropy(xr.sigmoid(), y.sigmoid(), "mean"));
        m.put("trace" + r, () -> xr.trace());
        m.put("kl" + r, () -> Functional.kLDivLoss(xr, y.softmax(1), "batchmean", false));
        Tensor ones = Tensor.ones(4).to(d);
        m.put("margin_ranking" + r, () -> Functional.marginRankingLoss(xr.select(0, 0), y.select(0, 0), ones));
        m.put("cosine_embedding" + r, () -> Functional.cosineEmbeddingLoss(xr, y, ones));
        m.put("softplus" + r, () -> Functional.softplus(xr));
        m.put("reflection_pad2d" + r, () -> Functional.pad(img.to(reduced), new int[] {1, 1, 1, 1}, "reflect"));
        m.put("reflection_pad1d" + r, () -> Functional.pad(s1.to(reduced), new int[] {1, 1}, "reflect"));
        m.put("replication_pad2d" + r, () -> Functional.pad(img.to(reduced), new int[] {1, 1, 1, 1}, "replicate"));
        m.put("circular_pad" + r, () -> Functional.pad(img.to(reduced), new int[] {1, 1, 1, 1}, "circular"));
        m.put("cat_mixed", () -> Tensor.cat(List.of(x, xr), 0));
        m.put("cat" + r, () -> Tensor.cat(List.of(xr, xr), 0));
        m.put("stack_mixed", () -> Tensor.stack(List.of(xr, x), 0));
        m.put("index_copy_mixed", () -> xr.indexCopy(0, Tensor.tensor(new long[] {0}).to(d), x.narrow(0, 0, 1)));
        m.put("index_put_mixed", () -> xr.indexPut(new Index[] {Index.of(Tensor.tensor(new long[] {0}).to(d))},
                x.narrow(0, 0, 1), false));
        m.put("atan2_mixed", () -> xr.atan2(y));
        Tensor inp = Tensor.randn(2, 4).to(d);
        Tensor hx = Tensor.randn(2, 3).to(d);
        Tensor[] g3 = {Tensor.randn(9, 4).to(d), Tensor.randn(9, 3).to(d), Tensor.randn(9).to(d)};
        Tensor[] g4 = {Tensor.randn(12, 4).to(d), Tensor.randn(12, 3).to(d), Tensor.randn(12).to(d)};
        m.put("tensordot", () -> Tensor.tensordot(x, y, new int[] {1}, new int[] {0}));
        m.put("addmv", () -> v.addmv(x, v));
        m.put("gru_cell", () -> Tensor.gruCell(inp, hx, g3[0], g3[1], g3[2], g3[2]));
        m.put("lstm_cell", () -> Tensor.lstmCell(inp, hx, hx, g4[0], g4[1], g4[2], g4[2]).h());
        m.put("mm_f64", () -> x.to(DType.FLOAT64).mm(y.to(DType.FLOAT64)));
        m.put("mm_int", () -> tgt.reshape(2, 2).mm(tgt.reshape(2, 2)));
        return m;
    }

    @Test
    void cpuListOutputDtypes() {
        Map<String, Supplier<Tensor>> ops = ops(Device.CPU, DType.BFLOAT16);
        int checked = 0;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            for (Map.Entry<String, Supplier<Tensor>> e : ops.entrySet()) {
                String key = "cpu.dtype." + e.getKey();
                if (!has(key)) {
                    continue;
                }
                assertEquals(dtype(key), e.getValue().get().dtype().torchName(), key);
                checked++;
            }
        }
        assertEquals(56, checked);
        // outside the scope, the same ops keep their types
        assertEquals(DType.FLOAT32, ops.get("mm").get().dtype());
        assertEquals(DType.FLOAT32, ops.get("conv2d").get().dtype());
    }

    @Test
    void cudaListOutputDtypesOnTheFakeDevice() {
        Backends2.registerFakeCuda();
        Map<String, Supplier<Tensor>> ops = ops(Device.cuda(0), DType.FLOAT16);
        int checked = 0;
        try (AutocastMode ac = Ember.autocast("cuda")) {
            assertEquals(DType.FLOAT16, ac.dtype());
            assertTrue(ac.isEnabled());
            for (Map.Entry<String, Supplier<Tensor>> e : ops.entrySet()) {
                String key = "cuda.dtype." + e.getKey();
                if (!has(key)) {
                    continue;
                }
                Tensor out = e.getValue().get();
                assertEquals(dtype(key), out.dtype().torchName(), key);
                assertEquals("cuda", out.device().type(), key);
                checked++;
            }
            // binary_cross_entropy is banned on CUDA, as PyTorch's binary_cross_entropy_banned
            IllegalArgumentException bce = assertThrows(IllegalArgumentException.class, () -> ops.get("bce_f16").get());
            assertTrue(bce.getMessage().startsWith("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are "
                    + "unsafe to autocast."), bce.getMessage());
            // the CUDA scope leaves CPU tensors alone
            Tensor a = Tensor.randn(2, 2);
            assertEquals(DType.FLOAT32, a.mm(a).dtype());
        }
        assertEquals(46, checked);
    }

    @Test
    void cpuScopeLeavesCudaTensorsAlone() {
        Backends2.registerFakeCuda();
        Tensor a = Tensor.randn(2, 2).to(Device.cuda(0));
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            assertEquals(DType.FLOAT32, a.mm(a).dtype());
            assertEquals(DType.BFLOAT16, a.cpu().mm(a.cpu()).dtype());
        }
    }

    @Test
    void promoteRejectsTheOtherReducedType() {
        Tensor a = Tensor.randn(2, 2);
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            // PyTorch's prioritize: a float16 tensor under bfloat16 autocast
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.cat(List.of(a.to(DType.BFLOAT16), a.to(DType.FLOAT16)), 0));
            assertEquals("Unexpected floating ScalarType in at::autocast::prioritize", e.getMessage());
            // float64 is ignored by promote and never cast
            assertEquals(DType.FLOAT64, Tensor.cat(List.of(a.to(DType.FLOAT64), a.to(DType.BFLOAT16)), 0).dtype());
        }
    }

    private static void close(double[] expected, Tensor actual, double rtol, double atol, String what) {
        double[] got = actual.to(DType.FLOAT64).toDoubleArray();
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < got.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            if (Math.abs(got[i] - expected[i]) > tol) {
                fail(what + "[" + i + "]: expected " + expected[i] + " got " + got[i]);
            }
        }
    }

    @Test
    void mlpForwardAndBackwardMatchPyTorch() {
        Tensor x = in("mlp.in.x", 6, 8);
        Tensor w1 = in("mlp.in.w1", 16, 8).requiresGrad_(true);
        Tensor b1 = in("mlp.in.b1", 16).requiresGrad_(true);
        Tensor w2 = in("mlp.in.w2", 4, 16).requiresGrad_(true);
        Tensor b2 = in("mlp.in.b2", 4).requiresGrad_(true);
        Tensor tg = Tensor.tensor(new long[] {0, 3, 1, 2, 2, 1});
        Tensor logits;
        Tensor loss;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            Tensor h = Functional.linear(x, w1, b1).relu();
            logits = Functional.linear(h, w2, b2);
            loss = Functional.crossEntropy(logits, tg);
        }
        assertEquals(dtype("mlp.logits.dtype"), logits.dtype().torchName());
        assertEquals(dtype("mlp.loss.dtype"), loss.dtype().torchName());
        // the linear is one addmm on bfloat16 casts of the weights (ToCopyBackward0 back to float32)
        assertEquals("AddmmBackward0", logits.gradFn().name());
        for (Node n : logits.gradFn().nextFunctions()) {
            if (n != null && n.name().equals("TBackward0")) {
                assertEquals("ToCopyBackward0", n.nextFunctions().get(0).name());
            }
        }
        close(CASES.values("mlp.logits"), logits, BF16_RTOL, 1e-2, "logits");
        close(CASES.values("mlp.loss"), loss, BF16_RTOL, BF16_ATOL, "loss");
        loss.backward();
        String[] names = {"w1", "b1", "w2", "b2"};
        Tensor[] params = {w1, b1, w2, b2};
        for (int i = 0; i < 4; i++) {
            assertEquals(DType.FLOAT32, params[i].dtype());
            assertEquals(dtype("mlp.grad." + names[i] + ".dtype"), params[i].grad().dtype().torchName());
            close(CASES.values("mlp.grad." + names[i]), params[i].grad(), 3e-2, 2e-3, "grad " + names[i]);
        }
    }

    @Test
    void cnnForwardAndBackwardMatchPyTorch() {
        Tensor x = in("cnn.in.x", 2, 2, 6, 6);
        Tensor cw = in("cnn.in.cw", 3, 2, 3, 3).requiresGrad_(true);
        Tensor cb = in("cnn.in.cb", 3).requiresGrad_(true);
        Tensor fw = in("cnn.in.fw", 5, 48).requiresGrad_(true);
        Tensor fb = in("cnn.in.fb", 5).requiresGrad_(true);
        Tensor y = in("cnn.in.y", 2, 5);
        Tensor c;
        Tensor o;
        Tensor loss;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            c = Functional.conv2d(x, cw, cb).relu();
            o = Functional.linear(c.flatten(1, -1), fw, fb);
            loss = Functional.mseLoss(o, y);
        }
        assertEquals(dtype("cnn.conv.dtype"), c.dtype().torchName());
        assertEquals(dtype("cnn.loss.dtype"), loss.dtype().torchName());
        close(CASES.values("cnn.out"), o, BF16_RTOL, 1e-2, "out");
        close(CASES.values("cnn.loss"), loss, BF16_RTOL, 1e-3, "loss");
        loss.backward();
        String[] names = {"cw", "cb", "fw", "fb"};
        Tensor[] params = {cw, cb, fw, fb};
        for (int i = 0; i < 4; i++) {
            assertEquals(DType.FLOAT32, params[i].grad().dtype(), names[i]);
            close(CASES.values("cnn.grad." + names[i]), params[i].grad(), 3e-2, 5e-3, "grad " + names[i]);
        }
    }

    @Test
    void attentionForwardAndBackwardMatch2xSemantics() {
        Tensor q = in("attn.in.q", 2, 3, 4).requiresGrad_(true);
        Tensor k = in("attn.in.k", 2, 3, 4).requiresGrad_(true);
        Tensor v = in("attn.in.v", 2, 3, 4).requiresGrad_(true);
        Tensor out;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            out = Functional.scaledDotProductAttention(q, k, v);
        }
        assertEquals(DType.BFLOAT16, out.dtype());
        close(CASES.values("attn.out"), out, BF16_RTOL, 1e-2, "attention");
        out.sum().backward();
        Tensor[] in = {q, k, v};
        String[] names = {"q", "k", "v"};
        for (int i = 0; i < 3; i++) {
            assertEquals(DType.FLOAT32, in[i].grad().dtype());
            close(CASES.values("attn.grad." + names[i]), in[i].grad(), 5e-2, 2e-2, "grad " + names[i]);
        }
    }

    @Test
    void defaultsNestingAndDisablingInside() {
        assertFalse(Ember.isAutocastEnabled(DeviceType.CPU));
        assertFalse(Ember.isAutocastEnabled("cuda"));
        assertEquals(DType.BFLOAT16, Ember.getAutocastDtype("cpu"));
        assertEquals(DType.FLOAT16, Ember.getAutocastDtype(DeviceType.CUDA));
        Tensor a = Tensor.randn(3, 3);
        try (AutocastMode outer = Ember.autocast("cpu", DType.BFLOAT16)) {
            assertTrue(Ember.isAutocastEnabled("cpu"));
            assertFalse(Ember.isAutocastEnabled("cuda"));
            assertEquals(DType.BFLOAT16, a.mm(a).dtype());
            try (AutocastMode off = Ember.autocast("cpu", null, false)) {
                assertFalse(Ember.isAutocastEnabled("cpu"));
                assertEquals(DType.BFLOAT16, Ember.getAutocastDtype("cpu"));
                assertEquals(DType.FLOAT32, a.mm(a).dtype());
                try (AutocastMode half = Ember.autocast("cpu", DType.FLOAT16)) {
                    assertEquals(DType.FLOAT16, a.mm(a).dtype());
                    assertEquals(DType.FLOAT16, Ember.getAutocastDtype("cpu"));
                    try (AutocastMode inherit = Ember.autocast("cpu")) {
                        // dtype null: the thread's current autocast dtype, as torch.get_autocast_dtype
                        assertEquals(DType.FLOAT16, inherit.dtype());
                    }
                }
                assertFalse(Ember.isAutocastEnabled("cpu"));
                assertEquals(DType.BFLOAT16, Ember.getAutocastDtype("cpu"));
            }
            assertTrue(Ember.isAutocastEnabled("cpu"));
            assertEquals(DType.BFLOAT16, a.mm(a).dtype());
        }
        assertFalse(Ember.isAutocastEnabled("cpu"));
        assertEquals(DType.FLOAT32, a.mm(a).dtype());
    }

    @Test
    void scopesCloseInOrderOnTheirThread() throws Exception {
        AutocastMode outer = Ember.autocast(DeviceType.CPU);
        AutocastMode inner = Ember.autocast(DeviceType.CPU, DType.FLOAT16);
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("innermost first"), e.getMessage());
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                inner.close();
            } catch (Throwable x) {
                other.set(x);
            }
        });
        t.start();
        t.join();
        assertTrue(other.get() instanceof IllegalStateException, String.valueOf(other.get()));
        inner.close();
        inner.close(); // twice: nothing
        outer.close();
        assertFalse(Ember.isAutocastEnabled(DeviceType.CPU));
        assertEquals(DType.BFLOAT16, Ember.getAutocastDtype(DeviceType.CPU));
        assertThrows(IllegalArgumentException.class, () -> Ember.autocast("tpu"));
        assertEquals("User specified an unsupported autocast device_type 'tpu'",
                assertThrows(IllegalArgumentException.class, () -> Ember.autocast("tpu")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ember.autocast((DeviceType) null));
    }

    @Test
    void otherThreadsAreUnaffected() throws Exception {
        Tensor a = Tensor.randn(3, 3);
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            AtomicReference<Object[]> seen = new AtomicReference<>();
            Thread t = new Thread(() -> seen.set(new Object[] {Ember.isAutocastEnabled("cpu"), a.mm(a).dtype()}));
            t.start();
            t.join();
            assertEquals(false, seen.get()[0]);
            assertEquals(DType.FLOAT32, seen.get()[1]);
            assertEquals(DType.BFLOAT16, a.mm(a).dtype());
        }
    }

    private static List<String> logged(Runnable body) {
        List<String> out = new ArrayList<>();
        Logger jul = Logger.getLogger("dev.ember");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                out.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
        }
        return out;
    }

    @Test
    void unsupportedDtypeWarnsAndDisables() {
        Tensor a = Tensor.randn(3, 3);
        List<String> log = logged(() -> {
            try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.FLOAT32)) {
                assertFalse(ac.isEnabled());
                assertFalse(Ember.isAutocastEnabled(DeviceType.CPU));
                assertEquals(DType.FLOAT32, a.mm(a).dtype());
            }
        });
        assertTrue(log.contains("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast "
                + "only supports dtype of torch.bfloat16, torch.float16 currently."), log.toString());
        // an explicitly disabled scope with the same dtype does not warn, as PyTorch (`... and enabled`)
        assertTrue(logged(() -> Ember.autocast(DeviceType.CPU, DType.FLOAT64, false).close()).isEmpty());
    }

    @Test
    void weightCastsAreCachedInTheScopeAndGradientsAccumulate() {
        Tensor w = Tensor.randn(4, 4).requiresGrad_(true);
        Tensor x1 = Tensor.randn(2, 4);
        Tensor x2 = Tensor.randn(2, 4);
        Tensor loss;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            Tensor y1 = x1.mm(w);
            Tensor y2 = x2.mm(w);
            assertEquals(1, Autocast.state().cache.size());
            // both products read the one bfloat16 copy of w: one ToCopyBackward0 node
            Node cast1 = y1.gradFn().nextFunctions().get(1);
            assertEquals("ToCopyBackward0", cast1.name());
            assertSame(cast1, y2.gradFn().nextFunctions().get(1));
            loss = y1.sum().add(y2.sum());
        }
        assertEquals(0, Autocast.state().cache.size());
        loss.backward();
        // d(sum(x1 w) + sum(x2 w))/dw = (x1 + x2)^T 1, in float32
        Tensor expected = x1.sum(0).add(x2.sum(0)).unsqueeze(1).expand(4, 4);
        close(expected.toDoubleArray(), w.grad(), BF16_RTOL, 1e-2, "grad w");
        assertEquals(DType.FLOAT32, w.grad().dtype());
        // a weight changed in place is cast again (its version moved on)
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            x1.mm(w);
            Object first = Autocast.state().cache.get(w)[0];
            try (GradMode g = Ember.noGrad()) {
                w.mul_(2);
            }
            x1.mm(w);
            assertNotEquals(first, Autocast.state().cache.get(w)[0]);
        }
        // no cache when the scope asks for none, nor in no-grad mode
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, null, true, false)) {
            x1.mm(w);
            assertNull(Autocast.state().cache.get(w));
        }
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU); GradMode g = Ember.noGrad()) {
            assertEquals(DType.BFLOAT16, x1.mm(w).dtype());
            assertNull(Autocast.state().cache.get(w));
        }
    }

    @Test
    void backwardInsideTheScopeKeepsGradientTypes() {
        Tensor w = Tensor.randn(4, 3).requiresGrad_(true);
        Tensor x = Tensor.randn(2, 4).requiresGrad_(true);
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            Tensor loss = x.mm(w).softmax(1).sum();
            assertEquals(DType.BFLOAT16, loss.dtype());
            loss.backward();
        }
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertEquals(DType.FLOAT32, x.grad().dtype());
        // against the same graph built from explicit casts without autocast
        Tensor w2 = w.detach().requiresGrad_(true);
        Tensor x2 = x.detach().requiresGrad_(true);
        x2.to(DType.BFLOAT16).mm(w2.to(DType.BFLOAT16)).softmax(1).sum().backward();
        close(w2.grad().toDoubleArray(), w.grad(), 0, 0, "w grad");
        close(x2.grad().toDoubleArray(), x.grad(), 0, 0, "x grad");
    }

    private static int countNodes(Node n, String name, java.util.Set<Node> seen) {
        if (n == null || !seen.add(n)) {
            return 0;
        }
        int c = n.name().equals(name) ? 1 : 0;
        for (Node m : n.nextFunctions()) {
            c += countNodes(m, name, seen);
        }
        return c;
    }

    @Test
    void aListedOpRunsWithAutocastOffInsideAndCastsATensorOnce() {
        Backends2.registerFakeCuda();
        Tensor q = Tensor.randn(2, 3, 4).to(Device.cuda(0)).requiresGrad_(true);
        Tensor k = Tensor.randn(2, 3, 4).to(Device.cuda(0)).requiresGrad_(true);
        Tensor v = Tensor.randn(2, 3, 4).to(Device.cuda(0)).requiresGrad_(true);
        try (AutocastMode ac = Ember.autocast(DeviceType.CUDA, DType.BFLOAT16)) {
            Tensor out = Functional.scaledDotProductAttention(q, k, v);
            assertEquals(DType.BFLOAT16, out.dtype());
            // q, k and v are cast once each; the softmax inside (float32 on CUDA's list) is not autocast again, as
            // PyTorch's wrapper excludes the Autocast keys around the op it wraps
            assertEquals(3, countNodes(out.gradFn(), "ToCopyBackward0", new java.util.HashSet<>()));
            // a tensor given twice to one op is cast once
            Tensor a = Tensor.randn(3, 3).to(Device.cuda(0)).requiresGrad_(true).mul(1.0);
            Tensor aa = a.mm(a);
            assertEquals(1, countNodes(aa.gradFn(), "ToCopyBackward0", new java.util.HashSet<>()));
            // an op off the list (cross_entropy on CUDA) is composed of autocast ops: log_softmax and nll_loss in float32
            Tensor logits = a.to(DType.BFLOAT16);
            Tensor ce = Functional.crossEntropy(logits, Tensor.tensor(new long[] {0, 1, 2}).to(Device.cuda(0)));
            assertEquals(DType.FLOAT32, ce.dtype());
        }
    }

    /**
     * Ops on neither list keep the reduced type of their input under autocast on both device types (PyTorch runs them as
     * they are): Ember's compositions must not pick up a listed op's cast on the way (its mean, var, norms do not sum
     * through {@code sum}'s entry).
     */
    @Test
    void offListOpsKeepTheReducedTypeOnBothDevices() {
        Backends2.registerFakeCuda();
        for (Device d : new Device[] {Device.CPU, Device.cuda(0)}) {
            DType r = d.isCpu() ? DType.BFLOAT16 : DType.FLOAT16;
            Ember.manualSeed(3);
            Tensor x = Tensor.randn(2, 3, 4, 4).to(d).to(r);
            Tensor m = Tensor.randn(4, 4).to(d).to(r);
            Tensor ch = Tensor.ones(3).to(d).to(r);
            Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
            ops.put("mean", () -> m.mean());
            ops.put("var", () -> m.var());
            ops.put("std", () -> m.std());
            ops.put("amax", () -> m.max());
            ops.put("relu", () -> m.relu());
            ops.put("gelu", () -> Functional.gelu(m));
            ops.put("silu", () -> Functional.silu(m));
            ops.put("tanh", () -> m.tanh());
            ops.put("sigmoid", () -> m.sigmoid());
            ops.put("logsigmoid", () -> Functional.logsigmoid(m));
            ops.put("sqrt", () -> m.abs().sqrt());
            ops.put("clamp", () -> m.clamp(-0.5, 0.5));
            ops.put("add", () -> m.add(m));
            ops.put("dropout", () -> Functional.dropout(m, 0.5, true));
            ops.put("batch_norm", () -> Functional.batchNorm(x, null, null, ch, ch, true, 0.1, 1e-5));
            ops.put("rms_norm", () -> Functional.rmsNorm(m, new int[] {4}, null, null));
            ops.put("max_pool2d", () -> Functional.maxPool2d(x, 2));
            ops.put("avg_pool2d", () -> Functional.avgPool2d(x, 2));
            ops.put("adaptive_avg_pool2d", () -> Functional.adaptiveAvgPool2d(x, 2));
            ops.put("embedding", () -> Functional.embedding(Tensor.tensor(new long[] {1, 2}).to(d), m));
            try (AutocastMode ac = Ember.autocast(DeviceType.of(d), r)) {
                for (Map.Entry<String, Supplier<Tensor>> e : ops.entrySet()) {
                    assertEquals(r, e.getValue().get().dtype(), d + " " + e.getKey());
                }
            }
        }
    }

    /**
     * Three SGD steps of two micro-batches each (a {@link TensorScope} and an autocast scope per micro-batch), with or
     * without one more autocast scope around the loop; the losses.
     */
    private static double[] threeSteps(boolean scopeAroundLoop) {
        Ember.manualSeed(9);
        Tensor w = Tensor.randn(3, 4).mul(0.5).detach().requiresGrad_(true);
        Tensor x = Tensor.randn(5, 4);
        Tensor y = Tensor.randn(5, 3);
        SGD opt = new SGD(List.of(w), 0.1);
        double[] losses = new double[6];
        // a scope around the loop keeps the nesting above 0, so the weight cache lives across the micro-batches
        try (AutocastMode outer = scopeAroundLoop ? Ember.autocast(DeviceType.CPU) : null) {
            for (int step = 0; step < 3; step++) {
                opt.zeroGrad();
                for (int mb = 0; mb < 2; mb++) {
                    try (TensorScope s = Ember.scope(); AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
                        Tensor loss = Functional.mseLoss(Functional.linear(x.narrow(0, mb, 4), w, null), y.narrow(0, mb, 4));
                        loss.backward();
                        losses[2 * step + mb] = loss.item();
                    }
                }
                opt.step();
            }
        }
        assertEquals(DType.FLOAT32, w.dtype());
        return losses;
    }

    @Test
    void oneScopeAroundATrainingLoopWithAStepScopeAndOptimizerSteps() {
        // the cached bfloat16 copy of w is neither stale after a step (its version moved) nor used after the step's
        // TensorScope closed it: the losses are those of a scope per step, whose cache starts empty each time
        double[] around = threeSteps(true);
        double[] perStep = threeSteps(false);
        assertEquals(java.util.Arrays.toString(perStep), java.util.Arrays.toString(around));
        assertTrue(around[2] < around[0] && around[4] < around[2], java.util.Arrays.toString(around));
    }

    @Test
    void integerAndOffListOpsAreUntouched() {
        Tensor a = Tensor.randn(3, 3);
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU)) {
            assertEquals(DType.FLOAT32, a.add(a).dtype());
            assertEquals(DType.FLOAT32, a.relu().dtype());
            Tensor i = Tensor.tensor(new long[] {1, 2, 3, 4}).reshape(2, 2);
            assertEquals(DType.INT64, i.mm(i).dtype());
            // a bfloat16 product added to a float32 tensor promotes as usual
            assertEquals(DType.FLOAT32, a.mm(a).add(a).dtype());
        }
    }

    @Test
    void gradScalerTrainingStepWithFloat16AutocastOnFakeCuda() {
        Backends2.registerFakeCuda();
        Device d = Device.cuda(0);
        Ember.manualSeed(5);
        Tensor x = Tensor.randn(16, 8).to(d);
        Tensor y = Tensor.randn(16, 4).to(d);
        Tensor w0 = Tensor.randn(4, 8).mul(0.3);
        Tensor b0 = Tensor.randn(4).mul(0.1);
        // the step with a scaler, and the same step without (gradients unscaled): equal in float32
        Tensor[] scaled = trainStep(x, y, w0, b0, new GradScaler("cuda"), d);
        Tensor[] plain = trainStep(x, y, w0, b0, null, d);
        for (int i = 0; i < 2; i++) {
            assertEquals(DType.FLOAT32, scaled[i].dtype());
            assertEquals("cuda", scaled[i].device().type());
            close(plain[i].cpu().toDoubleArray(), scaled[i].cpu(), 1e-3, 1e-4, "param " + i);
        }
        assertNotEquals(w0.toDoubleArray()[0], scaled[0].cpu().toDoubleArray()[0]);
        // an overflowing float16 forward skips the step and backs the scale off
        GradScaler scaler = new GradScaler("cuda");
        Tensor w = w0.to(d).detach().requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1);
        try (AutocastMode ac = Ember.autocast("cuda")) {
            Tensor out = x.mul(1e6).mm(w.t()); // the float16 cast overflows to inf
            assertEquals(DType.FLOAT16, out.dtype());
            scaler.scale(Functional.mseLoss(out, y)).backward();
        }
        scaler.step(opt);
        scaler.update();
        assertEquals(32768.0, scaler.getScale());
        close(w0.toDoubleArray(), w.cpu(), 0, 0, "skipped step");
    }

    private static Tensor[] trainStep(Tensor x, Tensor y, Tensor w0, Tensor b0, GradScaler scaler, Device d) {
        Tensor w = w0.to(d).detach().requiresGrad_(true);
        Tensor b = b0.to(d).detach().requiresGrad_(true);
        SGD opt = new SGD(List.of(w, b), 0.1);
        Tensor loss;
        try (AutocastMode ac = Ember.autocast(DeviceType.CUDA)) {
            Tensor out = Functional.linear(x, w, b);
            assertEquals(DType.FLOAT16, out.dtype());
            loss = Functional.mseLoss(out, y);
            assertEquals(DType.FLOAT32, loss.dtype());
        }
        if (scaler == null) {
            loss.backward();
            opt.step();
        } else {
            scaler.scale(loss).backward();
            scaler.step(opt);
            scaler.update();
            assertEquals(65536.0, scaler.getScale());
        }
        assertEquals(DType.FLOAT32, w.grad().dtype());
        return new Tensor[] {w.detach(), b.detach()};
    }
}
