package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Layout;
import dev.ember.backend.OptimizerKind;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a GPU: every launch {@link CudaOptimKernels} makes agrees with the kernel it names in optim_kernels.cu (read
 * from the source): the kind's ordinal for {@code int kind}, the 32 ints of 16 doubles' bits for the struct
 * {@code OptimHyper}, a long for {@code i64 n}, and device pointers at each operand's offset, null for the state a kind
 * does not use; the grid within the kernels' limits; and the cases the kernels do not take are refused (so CudaBackend
 * runs the host default).
 */
class CudaOptimKernelsAbiTest {
    private static final Path SOURCE = Path.of("src/main/cuda/optim_kernels.cu");

    private record Launch(String kernel, int blocks, int threads, Object[] args) {
    }

    private Map<String, List<String>> kernels;
    private final List<Launch> launches = new ArrayList<>();
    private CachingAllocator allocator;
    private CudaOptimKernels optim;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(SOURCE), "not run from the engine-cuda module directory");
        kernels = new HashMap<>();
        String text = Files.readString(SOURCE).replaceAll("//[^\n]*", "");
        Matcher km = Pattern.compile("extern \"C\" __global__ void\\s+(\\w+)\\(([^)]*)\\)").matcher(text);
        while (km.find()) {
            List<String> types = new ArrayList<>();
            for (String p : km.group(2).split(",")) {
                types.add(p.trim().replaceAll("\\s*\\w+$", "").replace("const", "").trim());
            }
            kernels.put(km.group(1), types);
        }
        assertEquals(2, kernels.size(), kernels.toString());
        Matcher hm = Pattern.compile("struct OptimHyper \\{\\s*double h\\[(\\d+)\\];\\s*\\};").matcher(text);
        assertTrue(hm.find(), "struct OptimHyper");
        assertEquals(OptimizerKind.MAX_HYPER, Integer.parseInt(hm.group(1)));
        for (OptimizerKind k : OptimizerKind.values()) {
            Matcher dm = Pattern.compile("#define OPT_" + k.name() + " (\\d+)").matcher(text);
            assertTrue(dm.find(), "OPT_" + k.name());
            assertEquals(k.ordinal(), Integer.parseInt(dm.group(1)), "the kernels' code of " + k);
            assertTrue(k.slots().size() <= OptimizerKind.MAX_HYPER && k.maxState() <= OptimizerKind.MAX_STATE);
        }
        allocator = HostToolchain.fakeAllocator();
        optim = new CudaOptimKernels((kernel, blocks, threads, shape, args) ->
                launches.add(new Launch(kernel, blocks, threads, args)));
    }

    private CudaStorage storage(DType dtype, long numel) {
        return new CudaStorage(dtype, numel, allocator.allocate(Math.max(1, numel) * dtype.itemSize()), Device.cuda(0),
                allocator);
    }

    private static double[] hyper(OptimizerKind kind) {
        double[] h = new double[kind.slots().size()];
        for (int i = 0; i < h.length; i++) {
            h[i] = 0.1 * (i + 1) + Math.PI * 1e-9;
        }
        return h;
    }

    /** Launches {@code kind} over n elements with {@code states} state tensors, the parameter at {@code offset}. */
    private boolean launch(OptimizerKind kind, DType dtype, int n, int states, int offset) {
        CudaStorage p = storage(dtype, n + offset);
        CudaStorage g = storage(dtype, n);
        Storage[] s = new Storage[states];
        Layout[] ls = new Layout[states];
        for (int i = 0; i < states; i++) {
            s[i] = storage(dtype, n);
            ls[i] = Layout.contiguous(n);
        }
        Layout pl = new Layout(new int[] {n}, new int[] {1}, offset);
        boolean done = optim.update(kind, hyper(kind), p, pl, g, Layout.contiguous(n), s, ls);
        if (done && n > 0) {
            Launch l = launches.get(launches.size() - 1);
            String where = kind + " " + dtype;
            assertEquals("optim_update_" + (dtype == DType.FLOAT32 ? "f32" : "f64"), l.kernel(), where);
            List<String> types = kernels.get(l.kernel());
            assertNotNull(types, l.kernel());
            assertEquals(types.size(), l.args().length, where + ": argument count");
            assertEquals("int", types.get(0));
            assertEquals(kind.ordinal(), l.args()[0], where);
            assertEquals("OptimHyper", types.get(1));
            int[] words = (int[]) l.args()[1];
            assertEquals(2 * OptimizerKind.MAX_HYPER, words.length, where);
            double[] h = hyper(kind);
            for (int i = 0; i < OptimizerKind.MAX_HYPER; i++) {
                long bits = (words[2 * i] & 0xFFFFFFFFL) | ((long) words[2 * i + 1] << 32);
                assertEquals(i < h.length ? Double.doubleToRawLongBits(h[i]) : 0L, bits, where + " slot " + i);
            }
            assertEquals("i64", types.get(2));
            assertEquals((long) n, l.args()[2], where);
            String element = dtype == DType.FLOAT32 ? "float*" : "double*";
            for (int i = 3; i < 8; i++) {
                assertEquals(element, types.get(i).replace(" ", ""), where + " parameter " + i);
                assertTrue(l.args()[i] instanceof CUdeviceptr, where + " argument " + i);
            }
            long size = dtype.itemSize();
            assertEquals(p.ptr.withByteOffset(offset * size).toString(), l.args()[3].toString(), where + ": param");
            assertEquals(g.ptr.toString(), l.args()[4].toString(), where + ": grad");
            for (int i = 0; i < 3; i++) {
                String expected = i < states ? ((CudaStorage) s[i]).ptr.toString() : new CUdeviceptr().toString();
                assertEquals(expected, l.args()[5 + i].toString(), where + ": state " + i);
            }
            assertEquals(256, l.threads());
            assertEquals(Math.min(65535, (n + 255) / 256), l.blocks(), where + ": blocks");
        }
        return done;
    }

    @Test
    void everyKindLaunchesItsKernelWithTheSignaturesArguments() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (OptimizerKind kind : OptimizerKind.values()) {
                for (int states = kind.minState(); states <= kind.maxState(); states++) {
                    launches.clear();
                    assertTrue(launch(kind, dtype, 1000, states, 5), kind + " " + dtype);
                    assertEquals(1, launches.size(), "one launch per parameter");
                }
            }
        }
        // a large parameter: a grid of the most blocks, the loop strides over the rest
        launches.clear();
        assertTrue(launch(OptimizerKind.ADAM, DType.FLOAT32, 1 << 25, 2, 0));
        assertEquals(65535, launches.get(0).blocks());
    }

    @Test
    void anEmptyParameterLaunchesNothingAndOtherTypesOrLayoutsAreRefused() {
        launches.clear();
        assertTrue(launch(OptimizerKind.SGD, DType.FLOAT32, 0, 1, 0));
        assertTrue(launches.isEmpty());
        CudaStorage h = storage(DType.FLOAT16, 8);
        CudaStorage hg = storage(DType.FLOAT16, 8);
        assertFalse(optim.update(OptimizerKind.SGD, hyper(OptimizerKind.SGD), h, Layout.contiguous(8), hg,
                Layout.contiguous(8), new Storage[0], new Layout[0]));
        CudaStorage p = storage(DType.FLOAT32, 8);
        CudaStorage g = storage(DType.FLOAT32, 8);
        Layout transposed = new Layout(new int[] {2, 4}, new int[] {1, 2}, 0);
        assertFalse(optim.update(OptimizerKind.SGD, hyper(OptimizerKind.SGD), p, Layout.contiguous(2, 4), g, transposed,
                new Storage[0], new Layout[0]));
        assertTrue(launches.isEmpty());
    }
}
