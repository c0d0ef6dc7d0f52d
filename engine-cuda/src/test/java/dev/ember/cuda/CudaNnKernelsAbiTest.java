package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Layout;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a GPU: every launch {@link CudaNnKernels} makes agrees with the kernel it names in nn.cu. The kernels'
 * signatures are read from the source (its function-like macros expanded), the launches recorded by a fake device, and
 * each argument checked against its parameter: an int for {@code int}, a double for {@code double}, a long for
 * {@code unsigned long long}, an int array of the
 * struct's size for a struct, a device pointer of the parameter's element type for a pointer; the block size a
 * multiple of 32, and the one {@code __launch_bounds__} names where a kernel declares it.
 */
class CudaNnKernelsAbiTest {
    private static final Path SOURCE = Path.of("src/main/cuda/nn.cu");

    /** A parameter: its kind (int, double, struct, pointer), the struct's size in ints or the pointer's element type. */
    private record Param(String kind, int ints, String element) {
    }

    private record Kernel(int launchBounds, List<Param> params) {
    }

    private record Launch(String kernel, int blocks, int threads, Object[] args) {
    }

    private Map<String, Kernel> kernels;
    private final List<Launch> launches = new ArrayList<>();
    private final Map<CUdeviceptr, DType> pointers = new IdentityHashMap<>();
    private CachingAllocator allocator;
    private CudaNnKernels nn;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(SOURCE), "not run from the engine-cuda module directory");
        kernels = parse(Files.readString(SOURCE));
        allocator = HostToolchain.fakeAllocator();
        nn = new CudaNnKernels(new CudaNnKernels.Device() {
            @Override
            public void launchNn(String kernel, int blocks, int threads, Object shape, Object... args) {
                launches.add(new Launch(kernel, blocks, threads, args));
            }

            @Override
            public Storage allocate(DType dtype, long numel) {
                return storage(dtype, numel);
            }
        });
    }

    private CudaStorage storage(DType dtype, long numel) {
        CudaStorage s = new CudaStorage(dtype, numel, allocator.allocate(Math.max(1, numel) * dtype.itemSize()),
                Device.cuda(0), allocator);
        pointers.put(s.ptr, dtype);
        return s;
    }

    // ------------------------------------------------------------------ reading nn.cu

    private static Map<String, Kernel> parse(String src) {
        String text = src.replaceAll("//[^\n]*", "").replace("\\\n", " ");
        Map<String, int[]> structs = new HashMap<>();
        Matcher sm = Pattern.compile("struct (\\w+) \\{([^}]*)\\};").matcher(text);
        while (sm.find()) {
            int ints = 0;
            for (String decl : sm.group(2).split(";")) {
                decl = decl.trim();
                if (decl.isEmpty()) {
                    continue;
                }
                assertTrue(decl.startsWith("int "), "struct " + sm.group(1) + " holds ints only: " + decl);
                for (String item : decl.substring(4).split(",")) {
                    Matcher arr = Pattern.compile("\\[(\\d+)\\]").matcher(item);
                    ints += arr.find() ? Integer.parseInt(arr.group(1)) : 1;
                }
            }
            structs.put(sm.group(1), new int[] {ints});
        }
        StringBuilder expanded = new StringBuilder(text.replaceAll("(?m)^#define[^\n]*", ""));
        Matcher dm = Pattern.compile("#define (\\w+)\\(([^)]*)\\)([^\n]*)").matcher(text);
        while (dm.find()) {
            String name = dm.group(1);
            String[] formals = dm.group(2).split(",");
            Matcher use = Pattern.compile("(?m)^" + name + "\\(([^)]*)\\)\\s*$").matcher(text);
            while (use.find()) {
                String[] actuals = use.group(1).split(",");
                assertEquals(formals.length, actuals.length, "arguments of " + use.group());
                String body = dm.group(3);
                for (int i = 0; i < formals.length; i++) {
                    body = body.replaceAll("\\b" + formals[i].trim() + "\\b", Matcher.quoteReplacement(actuals[i].trim()));
                }
                expanded.append('\n').append(body.replaceAll("\\s*##\\s*", ""));
            }
        }
        Map<String, Kernel> out = new HashMap<>();
        Matcher km = Pattern.compile("extern \"C\" __global__ void\\s+(?:__launch_bounds__\\((\\d+)\\)\\s+)?(\\w+)\\(([^)]*)\\)")
                .matcher(expanded);
        while (km.find()) {
            List<Param> params = new ArrayList<>();
            for (String p : km.group(3).split(",")) {
                String type = p.trim().replaceAll("\\s*\\w+$", "").trim();
                if (type.contains("*")) {
                    params.add(new Param("pointer", 0, type.replace("const", "").replace("*", "").trim()));
                } else if (type.equals("int") || type.equals("double")) {
                    params.add(new Param(type, 0, null));
                } else if (type.equals("unsigned long long")) {
                    params.add(new Param("long", 0, null));
                } else {
                    String struct = type.replace("nnk::", "");
                    assertNotNull(structs.get(struct), "struct " + struct);
                    params.add(new Param("struct", structs.get(struct)[0], null));
                }
            }
            out.put(km.group(2), new Kernel(km.group(1) == null ? 0 : Integer.parseInt(km.group(1)), params));
        }
        assertTrue(out.size() >= 30, "kernels found in nn.cu: " + out.keySet());
        return out;
    }

    // ------------------------------------------------------------------ checks

    /** Checks every recorded launch against its kernel's signature, and returns the kernels' names in order. */
    private List<String> checkLaunches() {
        List<String> names = new ArrayList<>();
        for (Launch l : launches) {
            Kernel k = kernels.get(l.kernel());
            assertNotNull(k, "nn.cu has no kernel " + l.kernel());
            names.add(l.kernel());
            assertEquals(k.params().size(), l.args().length, l.kernel() + ": argument count");
            assertTrue(l.blocks() >= 1 && l.blocks() <= 65535, l.kernel() + ": blocks " + l.blocks());
            assertTrue(l.threads() >= 32 && l.threads() <= 1024 && l.threads() % 32 == 0,
                    l.kernel() + ": threads " + l.threads());
            if (k.launchBounds() > 0) {
                assertEquals(k.launchBounds(), l.threads(), l.kernel() + ": the block size its kernel assumes");
            }
            for (int i = 0; i < l.args().length; i++) {
                Param p = k.params().get(i);
                Object a = l.args()[i];
                String where = l.kernel() + " argument " + i;
                switch (p.kind()) {
                    case "int":
                        assertTrue(a instanceof Integer, where + " is an int: " + a);
                        break;
                    case "double":
                        assertTrue(a instanceof Double, where + " is a double: " + a);
                        break;
                    case "long":
                        assertTrue(a instanceof Long, where + " is a long: " + a);
                        break;
                    case "struct":
                        assertTrue(a instanceof int[], where + " is a struct of ints");
                        assertEquals(p.ints(), ((int[]) a).length, where + ": the struct's size");
                        break;
                    default:
                        assertTrue(a instanceof CUdeviceptr, where + " is a device pointer");
                        DType t = pointers.get(a);
                        if (t != null && !p.element().equals("void")) {
                            assertEquals(p.element().equals("float") ? DType.FLOAT32 : DType.FLOAT64, t,
                                    where + ": the element type of " + p.element() + "*");
                        }
                        if (t != null && p.element().equals("void")) {
                            assertTrue(t.isFloatingPoint(), where);
                        }
                }
            }
        }
        launches.clear();
        return names;
    }

    @Test
    void rowNormLaunchesMatchTheKernels() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Layout x = new Layout(new int[] {300, 40}, new int[] {1, 300}, 5);
            Layout dense = Layout.contiguous(300, 40);
            for (boolean rms : new boolean[] {false, true}) {
                assertTrue(nn.rowNorm(rms, storage(t, 12005), x, storage(t, 40), rms ? null : storage(t, 40), 1e-5,
                        storage(t, 12000), dense, rms ? null : storage(t, 300), storage(t, 300)));
                assertTrue(nn.rowNormBackward(rms, storage(t, 12000), dense, storage(t, 12005), x,
                        rms ? null : storage(t, 300), storage(t, 300), storage(t, 40), storage(t, 12000), dense,
                        storage(t, 40), rms ? null : storage(t, 40)));
                assertEquals(List.of("rownorm_" + sfx(t), "rownorm_back_" + sfx(t), "rownorm_param_partial_" + sfx(t),
                        "nn_column_total_" + sfx(t)), checkLaunches());
                assertTrue(nn.rowNormBackward(rms, storage(t, 12000), dense, storage(t, 12005), x,
                        rms ? null : storage(t, 300), storage(t, 300), null, null, dense, storage(t, 40), null));
                assertEquals(List.of("rownorm_param_partial_" + sfx(t), "nn_column_total_" + sfx(t)), checkLaunches());
            }
        }
        assertFalse(nn.rowNorm(false, storage(DType.INT64, 4), Layout.contiguous(2, 2), null, null, 1e-5,
                storage(DType.INT64, 4), Layout.contiguous(2, 2), storage(DType.INT64, 2), storage(DType.INT64, 2)));
        assertTrue(launches.isEmpty());
    }

    @Test
    void rowSplitCoversEveryRowOnce() {
        for (int m : new int[] {0, 1, 7, 8, 9, 100, 3001, 65536, 1 << 20}) {
            for (int n : new int[] {1, 7, 96, 384, 5000, 100000}) {
                int[] s = CudaNnKernels.rowSplit(m, n);
                assertTrue(s[0] >= 1 && s[1] >= 1, m + " x " + n);
                assertTrue((long) s[0] * s[1] >= m && (long) s[0] * (s[1] - 1) < Math.max(1, m), m + " x " + n);
            }
        }
    }

    @Test
    void channelNormLaunchesMatchTheKernels() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Layout x = Layout.contiguous(4, 6, 9);
            assertTrue(nn.groupNorm(storage(t, 216), x, 3, storage(t, 6), null, 1e-5, storage(t, 216), x,
                    storage(t, 12), storage(t, 12)));
            assertTrue(nn.groupNormBackward(storage(t, 216), x, storage(t, 216), x, 3, storage(t, 12), storage(t, 12),
                    null, storage(t, 216), x, storage(t, 6), storage(t, 6)));
            for (boolean training : new boolean[] {true, false}) {
                assertTrue(nn.batchNorm(storage(t, 216), x, null, storage(t, 6), training, 1e-5, storage(t, 6),
                        storage(t, 6), training ? storage(t, 6) : null, storage(t, 216), x));
                assertTrue(nn.batchNormBackward(storage(t, 216), x, storage(t, 216), x, storage(t, 6), storage(t, 6),
                        storage(t, 6), training, storage(t, 216), x, storage(t, 6), null));
            }
            assertEquals(List.of("groupnorm_" + sfx(t), "groupnorm_back_" + sfx(t), "groupnorm_param_" + sfx(t),
                    "batchnorm_" + sfx(t), "batchnorm_back_" + sfx(t), "batchnorm_" + sfx(t), "batchnorm_back_" + sfx(t)),
                    checkLaunches());
        }
    }

    @Test
    void attentionLaunchesMatchTheKernels() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int e : new int[] {1, 64, 65, 128}) {
                for (DType maskType : new DType[] {null, DType.FLOAT32, DType.FLOAT64}) {
                    int b = 2;
                    int h = 4;
                    int hk = 2;
                    int l = 33;
                    int s = 70;
                    Layout q = Layout.contiguous(b, h, l, e);
                    Layout k = Layout.contiguous(b, hk, s, e);
                    Layout o = new Layout(new int[] {b, h, l, e}, new int[] {l * h * e, e, h * e, 1}, 0);
                    Layout lse = Layout.contiguous(b, h, l);
                    Layout m = new Layout(new int[] {b, h, l, s}, new int[] {0, 0, s, 1}, 0);
                    Storage mask = maskType == null ? null : storage(maskType, (long) l * s);
                    assertTrue(nn.attention(storage(t, q.numel()), q, storage(t, k.numel()), k, storage(t, k.numel()), k,
                            mask, m, true, 0.125, storage(t, o.numel()), o, storage(t, lse.numel()), lse));
                    int[] geo = (int[]) launches.get(0).args()[0];
                    assertEquals(List.of(b, h, hk, l, s, e, e, h / hk), List.of(geo[0], geo[1], geo[2], geo[3], geo[4],
                            geo[5], geo[6], geo[7]));
                    assertTrue(nn.attentionBackward(storage(t, o.numel()), q, storage(t, q.numel()), q,
                            storage(t, k.numel()), k, storage(t, k.numel()), k, mask, m, true, 0.125,
                            storage(t, o.numel()), o, storage(t, lse.numel()), lse, storage(t, q.numel()), q,
                            storage(t, k.numel()), k, storage(t, k.numel()), k));
                    String d = e <= 64 ? "_d64" : "_d128";
                    assertEquals(List.of("attn_fwd_" + sfx(t) + d, "attn_delta_" + sfx(t), "attn_bwd_dq_" + sfx(t) + d,
                            "attn_bwd_dkv_" + sfx(t) + d), checkLaunches());
                    // with dropout: the same kernels, the dropout arguments (threshold, scale, seed, offset, kind)
                    Object[] drop = CudaNnKernels.dropArgs(t, 0.3, -5L, 1L << 40);
                    assertTrue(nn.attention(storage(t, q.numel()), q, storage(t, k.numel()), k, storage(t, k.numel()), k,
                            mask, m, true, 0.125, drop, storage(t, o.numel()), o, storage(t, lse.numel()), lse));
                    assertEquals(List.of(0.125, drop[0], drop[1], -5L, 1L << 40, t == DType.FLOAT32 ? 1 : 2),
                            java.util.Arrays.asList(launches.get(0).args()).subList(1, 7));
                    assertTrue(nn.attentionBackward(storage(t, o.numel()), q, storage(t, q.numel()), q,
                            storage(t, k.numel()), k, storage(t, k.numel()), k, mask, m, true, 0.125, drop,
                            storage(t, o.numel()), o, storage(t, lse.numel()), lse, storage(t, q.numel()), q,
                            storage(t, k.numel()), k, storage(t, k.numel()), k));
                    assertEquals(List.of(0.125, drop[0], drop[1], -5L, 1L << 40, t == DType.FLOAT32 ? 1 : 2),
                            java.util.Arrays.asList(launches.get(3).args()).subList(1, 7));
                    assertEquals(List.of("attn_fwd_" + sfx(t) + d, "attn_delta_" + sfx(t), "attn_bwd_dq_" + sfx(t) + d,
                            "attn_bwd_dkv_" + sfx(t) + d), checkLaunches());
                }
            }
            // past the kernels' head dimension: the host default (nothing launched)
            Layout wide = Layout.contiguous(1, 1, 4, 129);
            assertFalse(nn.attention(storage(t, wide.numel()), wide, storage(t, wide.numel()), wide,
                    storage(t, wide.numel()), wide, null, null, false, 0.1, storage(t, wide.numel()), wide,
                    storage(t, 4), Layout.contiguous(1, 1, 4)));
            assertTrue(launches.isEmpty());
        }
        assertEquals(0, CudaNnKernels.headDimInstance(129, 8));
        assertEquals(128, CudaNnKernels.headDimInstance(8, 128));
        assertEquals(64, CudaNnKernels.headDimInstance(64, 64));
    }

    private static String sfx(DType t) {
        return t == DType.FLOAT32 ? "f32" : "f64";
    }
}
