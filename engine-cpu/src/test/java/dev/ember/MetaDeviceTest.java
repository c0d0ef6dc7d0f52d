package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.Init;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta device: tensors with shapes, strides and types and no data. Shapes, strides and types of results are
 * PyTorch's meta results (resources/metadevice/gen_meta_shapes.py, PyTorch 1.13, 2.x where they differ); the
 * materialization flows load PyTorch's state dicts and compare outputs with PyTorch's
 * (resources/metadevice/gen_meta_models.py); seeded init after {@code toEmpty} is compared with the same model built on
 * the CPU from the same seed (one generator stream: the values must be equal).
 */
class MetaDeviceTest {
    private static final Device META = Device.META;

    @AfterEach
    void restoreDefaultDevice() {
        Ember.setDefaultDevice(Device.CPU);
    }

    private static Tensor e(int... shape) {
        return Tensor.empty(shape).to(META);
    }

    private static Tensor e(DType dtype, int... shape) {
        return Tensor.empty(dtype, shape).to(META);
    }

    /** The cases of meta_shapes.txt, by name: each gives one tensor or a list of them (name.0, name.1, ...). */
    private static Map<String, Supplier<Object>> cases() {
        Map<String, Supplier<Object>> c = new LinkedHashMap<>();
        try (DeviceScope s = Ember.deviceScope(META)) {
            // the factories run in the scope when the supplier runs: each supplier opens its own below
            assertSame(META, s.device());
        }
        c.put("empty", () -> scoped(() -> Tensor.empty(2, 3)));
        c.put("zeros_i64", () -> scoped(() -> Tensor.zeros(DType.INT64, 2, 3)));
        c.put("ones_f64", () -> scoped(() -> Tensor.ones(DType.FLOAT64, 4)));
        c.put("full", () -> scoped(() -> Tensor.full(new int[] {2, 2}, 7.0)));
        c.put("randn", () -> scoped(() -> Tensor.randn(3, 4)));
        c.put("rand_like", () -> e(2, 3).randLike());
        c.put("arange_int", () -> scoped(() -> Tensor.arange(5)));
        c.put("arange_float", () -> scoped(() -> Tensor.arange(0.0, 1.0, 0.25)));
        c.put("zeros_like", () -> e(2, 3).zerosLike());
        c.put("new_full", () -> e(2, 3).newFull(new int[] {4}, 2.0));
        c.put("new_zeros_i32", () -> e(2, 3).newZeros(2, 2).to(DType.INT32));
        c.put("to_meta", () -> Tensor.ones(2, 3).to(META));
        c.put("to_meta_t", () -> Tensor.ones(2, 3).t().to(META));
        c.put("to_meta_i16", () -> Tensor.ones(DType.INT16, 3).to("meta"));
        c.put("t", () -> e(2, 3).t());
        c.put("view", () -> e(2, 3).view(3, 2));
        c.put("permute", () -> e(2, 3, 4).permute(2, 0, 1));
        c.put("unsqueeze", () -> e(2, 3).unsqueeze(1));
        c.put("slice", () -> e(2, 3).slice(1, 1, 3, 1));
        c.put("select", () -> e(2, 3).select(0, 1));
        c.put("expand", () -> e(3, 1).expand(3, 4));
        c.put("reshape_t", () -> e(2, 3).t().reshape(6));
        c.put("contiguous_t", () -> e(2, 3).t().contiguous());
        c.put("flatten", () -> e(2, 3, 4).flatten(1));
        c.put("squeeze", () -> e(2, 1, 3).squeeze());
        c.put("chunk", () -> e(4, 6).chunk(3, 1));
        c.put("transpose", () -> e(2, 3, 4).transpose(0, 2));
        c.put("cat", () -> Tensor.cat(List.of(e(2, 3), e(1, 3)), 0));
        c.put("stack", () -> Tensor.stack(List.of(e(2, 3), e(2, 3)), 1));
        c.put("add_bcast", () -> e(2, 3).add(e(3)));
        c.put("mul_promote", () -> e(2, 3).mul(e(DType.FLOAT64, 3)));
        c.put("int_plus_float", () -> e(DType.INT64, 2, 3).add(1.5));
        c.put("int_div", () -> e(DType.INT64, 2, 3).div(e(DType.INT64, 2, 3)));
        c.put("gt", () -> e(2, 3).gt(0.0));
        c.put("add_t", () -> e(2, 3).t().add(e(3, 2)));
        c.put("where", () -> Tensor.where(e(2, 3).gt(0.0), e(2, 3), e(DType.FLOAT64, 1, 3)));
        c.put("exp", () -> e(2, 3).exp());
        c.put("clamp", () -> e(2, 3).clampMin(0.0));
        c.put("inplace_add", () -> e(2, 3).clone().add_(1.0));
        c.put("sum", () -> e(2, 3).sum());
        c.put("sum_dim", () -> e(2, 3, 4).sum(1, true));
        c.put("mean_dim", () -> e(2, 3, 4).mean(new int[] {0, 2}, false));
        c.put("sum_int", () -> e(DType.INT32, 2, 3).sum(0));
        c.put("max_dim", () -> {
            Tensor.ValuesIndices r = e(2, 3).max(1);
            return List.of(r.values(), r.indices());
        });
        c.put("argmax", () -> e(2, 3).argmax(0));
        c.put("softmax", () -> e(2, 3, 4).softmax(-1));
        c.put("log_softmax", () -> e(2, 3).logSoftmax(0));
        c.put("layer_norm", () -> Functional.layerNorm(e(2, 3, 4), new int[] {4}, e(4), e(4), 1e-5));
        c.put("group_norm", () -> Functional.groupNorm(e(2, 4, 5), 2, e(4), e(4), 1e-5));
        c.put("batch_norm_eval", () -> Functional.batchNorm(e(2, 3, 5), e(3), e(3), e(3), e(3), false, 0.1, 1e-5));
        c.put("mm", () -> e(2, 3).matmul(e(3, 4)));
        c.put("bmm", () -> e(5, 2, 3).bmm(e(5, 3, 4)));
        c.put("matmul_bcast", () -> e(5, 2, 3).matmul(e(3, 4)));
        c.put("matvec", () -> e(2, 3).matmul(e(3)));
        c.put("linear", () -> Functional.linear(e(4, 3), e(5, 3), e(5)));
        c.put("linear_3d", () -> Functional.linear(e(2, 4, 3), e(5, 3), null));
        c.put("conv2d", () -> Functional.conv2d(e(1, 3, 8, 8), e(4, 3, 3, 3), e(4), new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}, 1));
        c.put("conv1d", () -> Functional.conv1d(e(2, 3, 10), e(4, 3, 3), null));
        c.put("max_pool2d", () -> Functional.maxPool2d(e(1, 2, 6, 6), 2));
        c.put("avg_pool2d", () -> Functional.avgPool2d(e(1, 2, 6, 6), new int[] {3, 3}, new int[] {2, 2},
                new int[] {0, 0}, false, true));
        c.put("embedding", () -> Functional.embedding(e(DType.INT64, 2, 4), e(10, 5)));
        c.put("max_pool3d", () -> Functional.maxPool3d(e(1, 2, 4, 4, 4), 2));
        c.put("adaptive_max_pool3d", () -> Functional.adaptiveMaxPool3d(e(1, 2, 4, 4, 4), 2));
        c.put("adaptive_max_pool2d", () -> {
            Tensor.ValuesIndices r = Functional.adaptiveMaxPool2dWithIndices(e(1, 2, 5, 5), new int[] {2, 2});
            return List.of(r.values(), r.indices());
        });
        c.put("bce", () -> Functional.binaryCrossEntropy(e(2, 3), e(2, 3)));
        c.put("multinomial", () -> e(3, 5).multinomial(2, false));
        c.put("randperm", () -> scoped(() -> Tensor.randperm(6)));
        c.put("dropout", () -> Functional.dropout(e(2, 3), 0.5, true));
        c.put("cumprod", () -> e(2, 3).cumprod(1));
        c.put("bernoulli", () -> e(2, 3).bernoulli());
        c.put("bernoulli_p", () -> e(2, 3).bernoulli_(e(2, 3)));
        c.put("normal_tt", () -> Tensor.normal(e(2, 3), e(3)));
        c.put("normal_td", () -> Tensor.normal(e(2, 3), 1.0));
        c.put("var_mean", () -> {
            Tensor.VarMean r = e(2, 3, 4).varMean(new int[] {1}, 1, false);
            return List.of(r.var(), r.mean());
        });
        c.put("std_mean", () -> {
            Tensor.StdMean r = e(2, 3, 4).stdMean();
            return List.of(r.std(), r.mean());
        });
        c.put("fmod_int", () -> e(DType.INT64, 2, 3).fmod(e(DType.INT64, 3)));
        c.put("remainder_int", () -> e(DType.INT64, 2, 3).remainder(e(DType.INT64, 2, 3)));
        c.put("multi_margin", () -> Functional.multiMarginLoss(e(4, 5), e(DType.INT64, 4)));
        c.put("multilabel_margin", () -> Functional.multilabelMarginLoss(e(4, 5), e(DType.INT64, 4, 5)));
        c.put("gelu", () -> Functional.gelu(e(2, 3)));
        c.put("cross_entropy", () -> Functional.crossEntropy(e(4, 5), e(DType.INT64, 4)));
        c.put("mse", () -> Functional.mseLoss(e(2, 3), e(2, 3)));
        c.put("sdpa", () -> Functional.scaledDotProductAttention(e(2, 3, 5, 4), e(2, 3, 6, 4), e(2, 3, 6, 7)));
        c.put("grad_linear", () -> {
            Tensor x = e(4, 3).requiresGrad_(true);
            Tensor w = e(5, 3).requiresGrad_(true);
            Tensor b = e(5).requiresGrad_(true);
            Functional.linear(x, w, b).relu().sum().backward();
            return List.of(x.grad(), w.grad(), b.grad());
        });
        c.put("grad_conv", () -> {
            Tensor x = e(1, 3, 8, 8).requiresGrad_(true);
            Tensor w = e(4, 3, 3, 3).requiresGrad_(true);
            Functional.conv2d(x, w, null, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1).sum().backward();
            return List.of(x.grad(), w.grad());
        });
        c.put("grad_layer_norm", () -> {
            Tensor x = e(2, 3, 4).requiresGrad_(true);
            Tensor w = e(4).requiresGrad_(true);
            Functional.layerNorm(x, new int[] {4}, w, null, 1e-5).pow(2.0).mean().backward();
            return List.of(x.grad(), w.grad());
        });
        c.put("grad_prod", () -> {
            Tensor x = e(2, 3).requiresGrad_(true);
            x.prod(1, false).sum().backward();
            return x.grad();
        });
        c.put("grad_cumprod", () -> {
            Tensor x = e(2, 3).requiresGrad_(true);
            x.cumprod(1).sum().backward();
            return x.grad();
        });
        return c;
    }

    private static Tensor scoped(Supplier<Tensor> f) {
        try (DeviceScope s = Ember.deviceScope(META)) {
            return f.get();
        }
    }

    private static List<String[]> expected() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = MetaDeviceTest.class.getResourceAsStream("/metadevice/meta_shapes.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    rows.add(line.split("\\|", -1));
                }
            }
        }
        return rows;
    }

    private static int[] ints(String csv) {
        return csv.isEmpty() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void resultsHavePyTorchsShapesStridesAndTypes() throws IOException {
        Map<String, Supplier<Object>> cases = cases();
        Map<String, Tensor> results = new LinkedHashMap<>();
        for (Map.Entry<String, Supplier<Object>> e : cases.entrySet()) {
            Object r = e.getValue().get();
            if (r instanceof Tensor) {
                results.put(e.getKey(), (Tensor) r);
            } else {
                List<?> l = (List<?>) r;
                for (int i = 0; i < l.size(); i++) {
                    results.put(e.getKey() + "." + i, (Tensor) l.get(i));
                }
            }
        }
        List<String[]> rows = expected();
        assertEquals(98, rows.size());
        List<String> failures = new ArrayList<>();
        for (String[] row : rows) {
            Tensor t = results.remove(row[0]);
            if (t == null) {
                failures.add(row[0] + ": no case");
                continue;
            }
            String got = Arrays.toString(t.shape()) + " " + Arrays.toString(t.stride()) + " " + t.dtype().torchName()
                    + " " + t.device();
            String want = Arrays.toString(ints(row[1])) + " " + Arrays.toString(ints(row[2])) + " torch." + row[3]
                    + " meta";
            if (!got.equals(want)) {
                failures.add(row[0] + ": got " + got + ", want " + want);
            }
        }
        assertTrue(results.isEmpty(), "cases without an expected row: " + results.keySet());
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void printsAsPyTorch() throws IOException {
        String text;
        try (InputStream in = MetaDeviceTest.class.getResourceAsStream("/metadevice/meta_print.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] want = text.strip().split("\n----\n");
        Tensor grad = e(2).requiresGrad_(true);
        List<Tensor> got = List.of(e(2, 3), scoped(() -> Tensor.arange(5)), e(), e(0, 3), e(DType.FLOAT64, 4),
                e(DType.BOOL, 2, 2), e(2, 3).asParameter(), grad.mul(2.0));
        assertEquals(want.length, got.size());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.get(i).toString(), "printout " + i);
        }
        // 2.x's ParameterList / ParameterDict extra_repr name a CUDA tensor's device only, so a meta parameter prints as
        // a CPU one, with torch.typename's torch.meta.FloatTensor in the dict (1.13 printed the list so and could not
        // print the dict: "Unimplemented backend Meta")
        dev.ember.nn.ParameterList cpuList = new dev.ember.nn.ParameterList(Tensor.empty(2, 3).asParameter());
        dev.ember.nn.ParameterList metaList = new dev.ember.nn.ParameterList(e(2, 3).asParameter());
        assertEquals(cpuList.toString(), metaList.toString());
        assertTrue(metaList.toString().contains("Parameter containing: [torch.float32 of size 2x3]"), metaList.toString());
        dev.ember.nn.ParameterDict cpuDict = new dev.ember.nn.ParameterDict(Map.of("a", Tensor.empty(2, 3).asParameter()));
        dev.ember.nn.ParameterDict metaDict = new dev.ember.nn.ParameterDict(Map.of("a", e(2, 3).asParameter()));
        assertEquals(cpuDict.toString().replace("torch.FloatTensor", "torch.meta.FloatTensor"), metaDict.toString());
        assertTrue(metaDict.toString().contains("(a): Parameter containing: [torch.meta.FloatTensor of size 2x3]"),
                metaDict.toString());
    }

    @Test
    void tenBillionElementsCostNothing() {
        // 40 GB of float32 if it had data: this JVM's heap could not hold it
        Tensor big = scoped(() -> Tensor.empty(100_000, 100_000));
        assertTrue(big.isMeta());
        assertEquals(10_000_000_000L, big.numel());
        assertArrayEquals(new int[] {100_000, 1}, big.stride());
        Tensor y = big.add(1.0).mul(big).matmul(e(100_000, 8));
        assertArrayEquals(new int[] {100_000, 8}, y.shape());
        assertArrayEquals(new int[] {100_000}, big.sum(1).shape());
        assertArrayEquals(new int[] {1, 100_000}, big.t().stride());
        assertArrayEquals(new int[] {100_000, 1}, big.t().contiguous().stride());
        // a model of 20 billion parameters, built on the meta device
        Module m;
        try (DeviceScope s = Ember.deviceScope(META)) {
            m = new Sequential(new Linear(100_000, 100_000), new Linear(100_000, 100_000));
        }
        long n = 0;
        for (Tensor p : m.parameters()) {
            assertTrue(p.isMeta());
            n += p.numel();
        }
        assertEquals(2L * (100_000L * 100_000L + 100_000L), n);
        assertArrayEquals(new int[] {3, 100_000}, m.forward(e(3, 100_000)).shape());
        // Ember's limits on a meta tensor (PyTorch has none): its strides and its views' storage offsets are ints
        assertEquals(21_000L * 100_000L, big.select(0, 21_000).storageOffset());
        assertEquals("the view would start at element 9999900000 of its storage; Ember's storage offsets are at most "
                + "2147483647 (a meta tensor may be larger, but no view of it can start past that element)",
                assertThrows(IllegalArgumentException.class, () -> big.select(0, 99_999)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> big.narrow(0, 50_000, 10));
        assertThrows(IllegalArgumentException.class, () -> big.slice(0, 50_000, 50_010, 1));
        assertThrows(IllegalArgumentException.class, () -> big.flip(0));
        assertEquals("a tensor of sizes=[10, 100000, 100000] would have stride 10000000000 in dimension 0; Ember's strides "
                + "are at most 2147483647", assertThrows(IllegalArgumentException.class,
                () -> scoped(() -> Tensor.empty(10, 100_000, 100_000))).getMessage());
        // pdist of 50000 rows: 1.25 billion pairs, no host table of them
        Tensor rows = scoped(() -> Tensor.empty(50_000, 50_000)).requiresGrad_(true);
        Tensor d = Functional.pdist(rows);
        assertArrayEquals(new int[] {1_249_975_000}, d.shape());
        d.sum().backward();
        assertArrayEquals(rows.shape(), rows.grad().shape());
        // to_sparse reads the nonzero positions: refused before any size arithmetic
        assertEquals("aten::_to_sparse: attempted to run this operator with Meta tensors, but there was no fake impl or "
                + "Meta kernel registered", assertThrows(UnsupportedOperationException.class, big::toSparse).getMessage());
        // a size whose byte count overflows is still PyTorch's error
        assertThrows(IllegalArgumentException.class, () -> scoped(() -> Tensor.empty(Integer.MAX_VALUE,
                Integer.MAX_VALUE, Integer.MAX_VALUE)));
    }

    @Test
    void deviceParsingScopesAndIsMeta() {
        assertSame(META, Device.of("meta"));
        assertEquals("meta", META.type());
        assertEquals("meta", META.toString());
        assertFalse(META.isCpu());
        assertTrue(META.isMeta());
        assertFalse(Device.CPU.isMeta());
        assertFalse(Tensor.ones(2).isMeta());
        try (DeviceScope outer = Ember.deviceScope(META)) {
            assertSame(META, Ember.defaultDevice());
            try (DeviceScope inner = Ember.deviceScope(Device.CPU)) {
                assertSame(Device.CPU, Tensor.zeros(2).device());
            }
            assertSame(META, Tensor.zeros(2).device());
            outer.close();
            outer.close(); // idempotent
            assertSame(Device.CPU, Ember.defaultDevice());
        }
        Ember.setDefaultDevice(META);
        assertTrue(Tensor.randn(2, 2).isMeta());
        assertTrue(new Linear(3, 2).parameters().get(0).isMeta());
        Ember.setDefaultDevice(Device.CPU);
        assertFalse(Tensor.randn(2, 2).isMeta());
        assertThrows(IllegalArgumentException.class, () -> Ember.deviceScope(null));
        // autocast serves no meta device, and an op of meta tensors is cast by neither autocast (PyTorch: meta tensors
        // carry no autocast dispatch key)
        assertEquals("User specified an unsupported autocast device_type 'meta'",
                assertThrows(IllegalArgumentException.class, () -> DeviceType.of(META)).getMessage());
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            assertEquals(DType.FLOAT32, e(2, 3).matmul(e(3, 4)).dtype());
            assertEquals(DType.BFLOAT16, Tensor.ones(2, 3).matmul(Tensor.ones(3, 4)).dtype());
        }
    }

    @Test
    void whatNeedsDataIsRefusedInPyTorchsWords() {
        Tensor x = e(2, 3);
        assertEquals("Tensor.item() cannot be called on meta tensors",
                assertThrows(IllegalStateException.class, () -> x.sum().item()).getMessage());
        String copyOut = "Cannot copy out of meta tensor; no data! Please use torch.nn.Module.to_empty() instead of "
                + "torch.nn.Module.to() when moving module from meta to a different device.";
        assertEquals(copyOut, assertThrows(UnsupportedOperationException.class, () -> x.to("cpu")).getMessage());
        assertEquals(copyOut, assertThrows(UnsupportedOperationException.class, x::cpu).getMessage());
        assertEquals(copyOut, assertThrows(UnsupportedOperationException.class, x::toList).getMessage());
        assertEquals(copyOut, assertThrows(UnsupportedOperationException.class, x::toFloatArray).getMessage());
        assertEquals(copyOut, assertThrows(UnsupportedOperationException.class,
                () -> Tensor.zeros(2, 3).copy_(x)).getMessage());
        // data-dependent output shapes: PyTorch 2.x's words for an operator without a meta kernel
        String noKernel = ": attempted to run this operator with Meta tensors, but there was no fake impl or Meta kernel "
                + "registered";
        assertEquals("aten::nonzero" + noKernel, assertThrows(UnsupportedOperationException.class, x::nonzero).getMessage());
        assertEquals("aten::masked_select" + noKernel, assertThrows(UnsupportedOperationException.class,
                () -> x.maskedSelect(x.gt(0.0))).getMessage());
        assertEquals("aten::_unique2" + noKernel, assertThrows(UnsupportedOperationException.class, x::unique).getMessage());
        // mixing devices: PyTorch 2.x's message, the meta device named first either way
        String mixed = "Expected all tensors to be on the same device, but found at least two devices, meta and cpu!";
        assertEquals(mixed, assertThrows(IllegalArgumentException.class, () -> x.add(Tensor.ones(2, 3))).getMessage());
        assertEquals(mixed, assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(x)).getMessage());
        assertEquals(mixed, assertThrows(IllegalArgumentException.class,
                () -> x.matmul(Tensor.ones(3, 2))).getMessage());
        // a number meeting a meta tensor is fine
        assertTrue(x.add(1.0).isMeta());
        // bincount's length is its largest value: no meta kernel in PyTorch 2.x (MetaDeviceGapsTest has the others)
        assertEquals("aten::bincount" + noKernel, assertThrows(UnsupportedOperationException.class,
                () -> e(DType.INT64, 4).bincount()).getMessage());
        // a Java boolean of a meta tensor is Python's bool(...): item()'s words; equal has no meta kernel in 2.x
        assertEquals("Tensor.item() cannot be called on meta tensors",
                assertThrows(IllegalStateException.class, () -> x.gt(0.0).all()).getMessage());
        assertEquals("Tensor.item() cannot be called on meta tensors",
                assertThrows(IllegalStateException.class, () -> x.allclose(x)).getMessage());
        assertEquals("aten::equal" + noKernel, assertThrows(UnsupportedOperationException.class, () -> x.equal(x))
                .getMessage());
        // a Java value an Ember op reads from the elements names the op and the meta device
        Tensor p = e(2, 3).asParameter();
        p.mul(p).sum().backward();
        UnsupportedOperationException host = assertThrows(UnsupportedOperationException.class,
                () -> dev.ember.nn.utils.ClipGrad.clipGradNorm_(List.of(p), 1.0, 2.0, true, null));
        assertTrue(host.getMessage().startsWith("ClipGrad.clipGradNorm_"), host.getMessage());
        assertTrue(host.getMessage().contains(" needs the values of a tensor on the meta device, which has no data"),
                host.getMessage());
        // the type names PyTorch 2.x gives: Tensor.type() and, untranslated, in messages
        assertEquals("torch.meta.FloatTensor", x.type());
        assertEquals("expand(MetaFloatType{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or equal "
                + "to the number of dimensions in the tensor (2)",
                assertThrows(IllegalArgumentException.class, () -> x.expand(3)).getMessage());
        // and nothing changed: the tensor is still a meta tensor of its shape
        assertArrayEquals(new int[] {2, 3}, x.shape());
        assertTrue(x.isMeta());
    }

    @Test
    void initAndFillsAreNoOpsThatDrawNothing() {
        Ember.manualSeed(7);
        Tensor reference = Tensor.rand(5);
        Ember.manualSeed(7);
        Module m;
        try (DeviceScope s = Ember.deviceScope(META)) {
            m = new Sequential(new Linear(4, 3), new Conv2d(2, 3, 3), new Embedding(5, 2), new LayerNorm(3));
            Tensor w = Tensor.empty(3, 4);
            Init.kaimingUniform_(w);
            Init.normal_(w);
            Init.xavierUniform_(w);
            Init.constant_(w, 2.0);
            w.fill_(3.0).uniform_(0, 1).zero_();
            assertTrue(w.isMeta());
        }
        // PyTorch's meta random kernels draw nothing: the default generator is where the seed put it
        assertArrayEquals(reference.toFloatArray(), Tensor.rand(5).toFloatArray());
        for (Tensor p : m.parameters()) {
            assertTrue(p.isMeta());
            assertTrue(p.isParameter());
            assertTrue(p.requiresGrad());
        }
    }

    @Test
    void stateDictAndModuleToMeta() {
        Ember.manualSeed(1);
        Sequential cpu = new Sequential(new Linear(4, 3), new LayerNorm(3));
        List<Tensor> before = cpu.parameters();
        assertSame(cpu, cpu.to(META));
        List<Tensor> after = cpu.parameters();
        for (int i = 0; i < before.size(); i++) {
            assertSame(before.get(i), after.get(i)); // parameters keep their identity
            assertTrue(after.get(i).isMeta());
            assertTrue(after.get(i).requiresGrad());
        }
        Map<String, Tensor> sd = cpu.stateDict();
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias"), new ArrayList<>(sd.keySet()));
        assertArrayEquals(new int[] {3, 4}, sd.get("0.weight").shape());
        assertTrue(sd.values().stream().allMatch(Tensor::isMeta));
        // to(cpu) of a meta module is refused with PyTorch's advice, and changes nothing
        UnsupportedOperationException err = assertThrows(UnsupportedOperationException.class, () -> cpu.to(Device.CPU));
        assertTrue(err.getMessage().startsWith("Cannot copy out of meta tensor; no data!"));
        assertTrue(cpu.parameters().stream().allMatch(Tensor::isMeta));
        // forward and backward on meta: meta gradients of the parameters' shapes
        Tensor loss = cpu.forward(e(5, 4)).pow(2.0).sum();
        loss.backward();
        for (Tensor p : cpu.parameters()) {
            assertTrue(p.grad().isMeta());
            assertArrayEquals(p.shape(), p.grad().shape());
        }
    }

    @Test
    void toEmptyThenSeededInitEqualsTheModelBuiltOnTheCpu() {
        Ember.manualSeed(42);
        Sequential onCpu = new Sequential(new Linear(6, 5), new Conv2d(2, 3, 3), new Linear(5, 2));
        Sequential built;
        try (DeviceScope s = Ember.deviceScope(META)) {
            built = new Sequential(new Linear(6, 5), new Conv2d(2, 3, 3), new Linear(5, 2));
        }
        List<Tensor> params = built.parameters();
        assertSame(built, built.toEmpty(Device.CPU));
        List<Tensor> materialized = built.parameters();
        for (int i = 0; i < params.size(); i++) {
            assertSame(params.get(i), materialized.get(i));
            assertFalse(materialized.get(i).isMeta());
            assertTrue(materialized.get(i).requiresGrad());
            assertArrayEquals(onCpu.parameters().get(i).shape(), materialized.get(i).shape());
        }
        // PyTorch's reset_parameters, in the constructors' order, from the same seed: one generator stream, so the
        // values are the CPU model's exactly
        Ember.manualSeed(42);
        for (int i = 0; i < built.size(); i++) {
            Module layer = built.get(i);
            Tensor w = layer.namedParameters().get("weight");
            Init.defaultWeight_(w);
            Init.defaultBias_(layer.namedParameters().get("bias"), w);
        }
        Map<String, Tensor> want = onCpu.stateDict();
        built.stateDict().forEach((k, v) -> assertArrayEquals(want.get(k).toFloatArray(), v.toFloatArray(), k));
    }

    @Test
    void toEmptyWithoutRecurseMovesOnlyTheModulesOwnTensors() {
        Module m;
        try (DeviceScope s = Ember.deviceScope(META)) {
            m = new dev.ember.nn.TransformerEncoderLayer(4, 2, 8, 0.0, true);
        }
        m.toEmpty(Device.CPU, false);
        // the layer's tensors are all its submodules': nothing moved
        assertTrue(m.parameters().stream().allMatch(Tensor::isMeta));
        m.toEmpty(Device.CPU);
        assertTrue(m.parameters().stream().noneMatch(Tensor::isMeta));
        assertThrows(IllegalArgumentException.class, () -> m.toEmpty(null));
    }

    private static Module model(String name) {
        switch (name) {
            case "mlp": return new Sequential(new Linear(6, 8), new LayerNorm(8), new ReLU(), new Linear(8, 4));
            case "conv": return new Sequential(new Conv2d(2, 3, 3, 1, 1), new ReLU(), new Conv2d(3, 2, 3, 2, 0));
            case "emb": return new Sequential(new Embedding(10, 5), new Linear(5, 3));
            default: return new TransformerEncoderLayer(8, 2, 16, 0.0, true);
        }
    }

    @Test
    void builtOnMetaThenLoadedWithAssignComputesPyTorchsOutputs() throws IOException {
        Map<String, Tensor> all = Safetensors.load(Path.of("src/test/resources/metadevice/meta_models.safetensors"));
        for (String name : List.of("mlp", "conv", "emb", "enc")) {
            Module m;
            try (DeviceScope s = Ember.deviceScope(META)) {
                m = model(name);
            }
            assertTrue(m.parameters().stream().allMatch(Tensor::isMeta), name);
            // the meta model's state dict has the checkpoint's keys and shapes
            Map<String, Tensor> sd = new LinkedHashMap<>();
            all.forEach((k, v) -> {
                if (k.startsWith(name + ".") && !k.endsWith(".input") && !k.endsWith(".output")) {
                    sd.put(k.substring(name.length() + 1), v);
                }
            });
            Map<String, Tensor> metaSd = m.stateDict();
            assertEquals(sd.keySet(), metaSd.keySet(), name);
            metaSd.forEach((k, v) -> assertArrayEquals(sd.get(k).shape(), v.shape(), name + " " + k));
            m.loadStateDict(sd, true, true);
            assertTrue(m.parameters().stream().noneMatch(Tensor::isMeta), name);
            assertTrue(m.parameters().stream().allMatch(Tensor::requiresGrad), name);
            m.eval();
            Tensor y;
            try (GradMode off = Ember.noGrad()) {
                y = m.forward(all.get(name + ".input"));
            }
            Tensor want = all.get(name + ".output");
            assertArrayEquals(want.shape(), y.shape(), name);
            float[] w = want.toFloatArray();
            float[] g = y.toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], g[i], 1e-5 + 1e-5 * Math.abs(w[i]), name + " [" + i + "]");
            }
        }
    }

    @Test
    void toEmptyThenLoadWithoutAssignCopiesTheValues() throws IOException {
        Map<String, Tensor> all = Safetensors.load(Path.of("src/test/resources/metadevice/meta_models.safetensors"));
        Module m;
        try (DeviceScope s = Ember.deviceScope(META)) {
            m = model("mlp");
        }
        m.toEmpty(Device.CPU);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("mlp.") && !k.endsWith(".input") && !k.endsWith(".output")) {
                sd.put(k.substring(4), v);
            }
        });
        m.loadStateDict(sd);
        m.stateDict().forEach((k, v) -> assertArrayEquals(sd.get(k).toFloatArray(), v.toFloatArray(), k));
    }

    @Test
    void transformerTrainingStepOnMeta() {
        Ember.manualSeed(3);
        Tensor reference = Tensor.rand(4);
        Ember.manualSeed(3);
        dev.ember.nn.Transformer model;
        try (DeviceScope s = Ember.deviceScope(META)) {
            model = new dev.ember.nn.Transformer(8, 2, 1, 1, 16, 0.1, "relu", 1e-5, true, false, true);
        }
        model.train();
        Tensor out = model.forward(e(2, 5, 8), e(2, 4, 8));
        assertTrue(out.isMeta());
        assertArrayEquals(new int[] {2, 4, 8}, out.shape());
        assertArrayEquals(new int[] {32, 8, 1}, out.stride());
        out.pow(2.0).mean().backward();
        List<Tensor> params = model.parameters();
        for (Tensor p : params) {
            assertTrue(p.grad().isMeta());
            assertArrayEquals(p.shape(), p.grad().shape());
        }
        dev.ember.optim.Adam adam = new dev.ember.optim.Adam(params, 1e-3);
        adam.step();
        dev.ember.optim.SGD sgd = new dev.ember.optim.SGD(params, 0.1, 0.9, 0.0, 0.0, false);
        sgd.step();
        assertTrue(model.parameters().stream().allMatch(Tensor::isMeta));
        // dropout on meta tensors drew nothing
        assertArrayEquals(reference.toFloatArray(), Tensor.rand(4).toFloatArray());
    }

    @Test
    void loadingWithoutAssignIntoAMetaModelWarnsThatItCopiesNothing() throws IOException {
        Map<String, Tensor> all = Safetensors.load(Path.of("src/test/resources/metadevice/meta_models.safetensors"));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("mlp.") && !k.endsWith(".input") && !k.endsWith(".output")) {
                sd.put(k.substring(4), v);
            }
        });
        Module m;
        try (DeviceScope s = Ember.deviceScope(META)) {
            m = model("mlp");
        }
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.ember");
        List<String> got = new ArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage().contains("meta parameter")) {
                    got.add(r.getLevel() + ": " + r.getMessage());
                }
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
            m.loadStateDict(sd);
        } finally {
            jul.removeHandler(h);
        }
        // PyTorch 2.x's _load_from_state_dict: one warning per entry, in the module's order, the copy a no-op
        List<String> want = new ArrayList<>();
        for (String k : m.stateDict().keySet()) {
            want.add("WARNING: for " + k + ": copying from a non-meta parameter in the checkpoint to a meta parameter in "
                    + "the current model, which is a no-op. (Did you mean to pass `assign=True` to assign items in the "
                    + "state dictionary to their corresponding key in the module instead of copying them in place?)");
        }
        assertEquals(want, got);
        assertTrue(m.parameters().stream().allMatch(Tensor::isMeta));
    }
}
