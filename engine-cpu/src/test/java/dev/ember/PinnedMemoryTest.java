package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.PinnedBuffer;
import dev.ember.cpu.CpuBackend;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.TensorDataset;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tensor.pinMemory / isPinned / to(device, nonBlocking) and DataLoader pinMemory(true), through a fake CUDA device served
 * by the CPU (its pinned buffers are the SPI's default heap buffers and its uploads the default fromPinned), a counting
 * device that shows what the SPI is asked, and a CUDA backend that cannot run (PyTorch's behaviour without an
 * accelerator). Expected messages: pinned/make_expected.py.
 */
class PinnedMemoryTest {
    private static final PyTorchCases CASES = new PyTorchCases("/pinned/expected.txt");
    private static final Device CUDA = Device.cuda(0);
    private static final String[] NAMES = {"bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64",
        "float16", "bfloat16"};
    private static final DType[] TYPES = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16};

    private static void fakeCuda() {
        Backends2.registerFakeCuda(Set.of("allocatePinned", "fromPinned"));
    }

    /** Values of any type, compared exactly (float64 holds every element of these types). */
    private static double[] values(Tensor t) {
        return t.cpu().to(DType.FLOAT64).toDoubleArray();
    }

    private static Tensor sample(DType dtype, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        // values every type holds exactly: -3..., with bool as nonzero
        return Tensor.arange(0, n, 1, DType.FLOAT64).sub(3).remainder(7).sub(2).to(dtype).reshape(shape);
    }

    @Test
    void everyTypeArrivesIntact() {
        fakeCuda();
        for (DType t : TYPES) {
            Tensor x = sample(t, 3, 5);
            Tensor p = x.pinMemory();
            assertTrue(p.isPinned(), t.toString());
            assertFalse(x.isPinned());
            assertEquals(Device.CPU, p.device());
            assertEquals(t, p.dtype());
            assertArrayEquals(x.shape(), p.shape());
            assertArrayEquals(values(x), values(p), t.toString());
            Tensor d = p.to(CUDA, true);
            assertEquals(CUDA, d.device());
            assertEquals(t, d.dtype());
            assertArrayEquals(new int[] {3, 5}, d.shape());
            assertArrayEquals(values(x), values(d), t.toString());
            // a second upload of the same pinned tensor, and a view at an offset
            assertArrayEquals(values(x.narrow(0, 1, 2)), values(p.narrow(0, 1, 2).to(CUDA, true)), t.toString());
            assertArrayEquals(values(x), values(p.to(CUDA, true)), t.toString());
        }
    }

    @Test
    void layoutsAndSizes() {
        fakeCuda();
        Tensor x = sample(DType.FLOAT32, 4, 3).t(); // PyTorch's _pin_memory keeps the sizes and strides
        Tensor p = x.pinMemory();
        assertFalse(p.isContiguous());
        assertArrayEquals(x.stride(), p.stride());
        assertEquals(12, p.storage().numel());
        assertArrayEquals(values(x), values(p));
        Tensor expanded = Tensor.arange(3).toFloat().expand(4, 3).pinMemory(); // stride 0 kept: a storage of 3
        assertArrayEquals(new int[] {0, 1}, expanded.stride());
        assertEquals(3, expanded.storage().numel());
        assertArrayEquals(values(Tensor.arange(3).toFloat().expand(4, 3)), values(expanded.to(CUDA, true)));
        Tensor gaps = sample(DType.INT64, 4, 6).narrow(1, 1, 3).pinMemory(); // strides (6, 1) from offset 0: extent 21
        assertArrayEquals(new int[] {6, 1}, gaps.stride());
        assertEquals(21, gaps.storage().numel());
        assertArrayEquals(values(sample(DType.INT64, 4, 6).narrow(1, 1, 3)), values(gaps.to(CUDA, true)));
        assertArrayEquals(values(x), values(p.to(CUDA, true)));
        // views of a pinned tensor are pinned (they share its memory); contiguous or not, they upload
        assertTrue(p.t().isPinned());
        assertTrue(p.t().isContiguous());
        assertArrayEquals(values(x.t()), values(p.t().to(CUDA, true)));
        assertArrayEquals(values(x.select(1, 2)), values(p.select(1, 2).to(CUDA, true)));
        assertArrayEquals(values(x.select(0, 1)), values(p.select(0, 1).to(CUDA, true)));
        // pinning a pinned tensor: itself
        assertSame(p, p.pinMemory());
        // empty and 0-dim
        Tensor e = Tensor.zeros(0, 4).pinMemory();
        assertTrue(e.isPinned());
        assertArrayEquals(new int[] {0, 4}, e.to(CUDA, true).shape());
        Tensor s = Tensor.scalar(2.5).pinMemory();
        assertEquals(0, s.dim());
        assertEquals(2.5, s.to(CUDA, true).item());
        // an unpinned tensor: a non_blocking request is an ordinary copy (from pageable memory, synchronous)
        assertArrayEquals(values(x), values(x.to(CUDA, true)));
        // the same device: the tensor itself
        assertSame(p, p.to(Device.CPU, true));
        Tensor d = p.to(CUDA, true);
        assertSame(d, d.to(CUDA, true));
        // device to host stays synchronous and unpinned
        Tensor back = d.to(Device.CPU, true);
        assertFalse(back.isPinned());
        assertArrayEquals(values(x), values(back));
    }

    @Test
    void inPlaceChangesBeforeTheUploadAreUploaded() {
        fakeCuda();
        Tensor p = Tensor.arange(6).toFloat().pinMemory();
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, values(p.to(CUDA, true)));
        p.add_(1);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, values(p.to(CUDA, true)));
        p.data().mul_(2); // a data() handle has a version counter of its own: the upload still sees the change
        assertArrayEquals(new double[] {2, 4, 6, 8, 10, 12}, values(p.to(CUDA, true)));
        try (InferenceMode on = Ember.inferenceMode()) {
            Tensor q = Tensor.ones(3).pinMemory();
            q.fill_(7);
            assertArrayEquals(new double[] {7, 7, 7}, values(q.to(CUDA, true)));
        }
    }

    @Test
    void errorsAreTorchs() {
        fakeCuda();
        for (int i = 0; i < TYPES.length; i++) {
            Tensor d = Tensor.zeros(TYPES[i], 2).to(CUDA);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, d::pinMemory);
            assertEquals(CASES.error("pin_meta_" + NAMES[i]).replace("'Meta", "'CUDA"), e.getMessage());
            assertFalse(d.isPinned());
        }
        Tensor x = Tensor.ones(2);
        assertEquals(CASES.value("is_pinned_cpu"), x.isPinned() ? "True" : "False");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.to((Device) null, true));
        assertTrue(e.getMessage().contains("device"), e.getMessage());
        // a pinned tensor closed: its handles fail as closed tensors do
        Tensor p = Tensor.ones(2).pinMemory();
        p.close();
        assertThrows(IllegalStateException.class, p::isPinned);
    }

    @Test
    void autograd() {
        fakeCuda();
        Tensor x = Tensor.arange(0, 6, 1, DType.FLOAT64).reshape(2, 3).requiresGrad_(true);
        Tensor p = x.pinMemory();
        assertEquals("PinMemoryBackward0", p.gradFn().name());
        Tensor d = p.to(CUDA, true);
        assertEquals("ToCopyBackward0", d.gradFn().name());
        d.mul(d).sum().backward();
        assertEquals(Device.CPU, x.grad().device());
        assertArrayEquals(values(x.detach().mul(2)), values(x.grad()));
        assertTrue(Autograd.gradcheck(in -> in[0].pinMemory().to(CUDA, true).pow(2).sum(),
                Tensor.arange(0, 4, 1, DType.FLOAT64).add(0.5).requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(in -> in[0].pinMemory().to(CUDA, true).pow(3).sum(),
                Tensor.arange(0, 4, 1, DType.FLOAT64).add(0.5).requiresGrad_(true)));
        // no grad: no history
        try (GradMode off = Ember.noGrad()) {
            assertNull(x.pinMemory().gradFn());
        }
    }

    /** A CUDA stand-in that counts what the pinned-memory SPI is asked. */
    private static final class Counting {
        final AtomicInteger allocated = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final List<Boolean> nonBlocking = new ArrayList<>();

        void register() {
            CpuBackend cpu = new CpuBackend();
            Backend b = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "deviceType":
                                return "cuda";
                            case "allocatePinned":
                                allocated.incrementAndGet();
                                return new PinnedBuffer((Long) args[0]) {
                                    @Override
                                    public void close() {
                                        closed.incrementAndGet();
                                    }
                                };
                            case "fromPinned":
                                synchronized (nonBlocking) {
                                    nonBlocking.add((Boolean) args[4]);
                                }
                                break;
                            default:
                                break;
                        }
                        try {
                            return method.invoke(cpu, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            Backends.register(b);
        }
    }

    @Test
    void theBufferLivesAsLongAsTheStorage() {
        Counting c = new Counting();
        c.register();
        try {
            Tensor p = Tensor.ones(3, 4).pinMemory();
            assertEquals(1, c.allocated.get());
            Tensor view = p.narrow(0, 1, 2);
            Tensor d = view.to(CUDA, true);
            assertEquals(List.of(true), c.nonBlocking);
            assertArrayEquals(new double[8], values(d.sub(1)));
            p.to(CUDA); // a blocking copy does not use the buffer
            assertEquals(List.of(true), c.nonBlocking);
            p.close();
            assertEquals(0, c.closed.get(), "a view still holds the storage");
            view.close();
            assertEquals(1, c.closed.get());
            // a tensor not pinned never allocates
            Tensor.ones(2).to(CUDA, true);
            assertEquals(1, c.allocated.get());
        } finally {
            fakeCuda();
        }
    }

    @Test
    void withoutAnAcceleratorNothingIsPinned() {
        CpuBackend cpu = new CpuBackend();
        Backend none = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "deviceType":
                            return "cuda";
                        case "isAvailable":
                            return false;
                        case "unavailableReason":
                            return "the CUDA driver reports no device";
                        case "deviceCount":
                            return 0;
                        default:
                            try {
                                return method.invoke(cpu, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
        Backends.register(none);
        try {
            Tensor x = Tensor.arange(6).toFloat();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, x::pinMemory);
            assertEquals("Cannot access accelerator device when none is available.", e.getMessage());
            assertFalse(x.isPinned());
            // DataLoader(pin_memory=True): PyTorch warns and does not pin
            for (int workers : new int[] {0, 2}) {
                List<List<Tensor>> batches = new ArrayList<>();
                DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x.reshape(6, 1)))
                        .batchSize(4).numWorkers(workers).pinMemory(true).build();
                loader.forEach(batches::add);
                assertEquals(2, batches.size());
                assertFalse(batches.get(0).get(0).isPinned());
                assertArrayEquals(new double[] {0, 1, 2, 3}, values(batches.get(0).get(0)));
                assertArrayEquals(new double[] {4, 5}, values(batches.get(1).get(0)));
            }
        } finally {
            fakeCuda();
        }
    }

    @Test
    void dataLoaderPinsBatchesOnItsWorkers() {
        fakeCuda();
        Tensor x = Tensor.arange(40).toFloat().reshape(10, 4);
        Tensor y = Tensor.arange(10).reshape(10);
        for (int workers : new int[] {0, 2}) {
            List<Tensor> pinnedOn = new ArrayList<>();
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(4)
                    .numWorkers(workers).pinMemory(true).build();
            for (int epoch = 0; epoch < 2; epoch++) {
                int k = 0;
                for (List<Tensor> b : loader) {
                    assertTrue(b.get(0).isPinned());
                    assertTrue(b.get(1).isPinned());
                    assertEquals(DType.INT64, b.get(1).dtype());
                    Tensor xd = b.get(0).to(CUDA, true);
                    Tensor yd = b.get(1).to(CUDA, true);
                    assertArrayEquals(values(x.narrow(0, 4 * k, xd.size(0))), values(xd));
                    assertArrayEquals(values(y.narrow(0, 4 * k, yd.size(0))), values(yd));
                    pinnedOn.add(b.get(0));
                    k++;
                }
                assertEquals(3, k);
            }
            // with pinMemory(Device) too: pinned, then moved with a non-blocking copy
            List<Tensor> moved = DataLoader.builder(new TensorDataset(x, y)).batchSize(4).numWorkers(workers)
                    .pinMemory(true).pinMemory(CUDA).build().iterator().next();
            assertEquals(CUDA, moved.get(0).device());
            assertArrayEquals(values(x.narrow(0, 0, 4)), values(moved.get(0)));
        }
        // the data set's own tensors (no automatic batching) are pinned copies; the data set's stay as they are
        Tensor own = Tensor.ones(3);
        Dataset<Tensor> one = new Dataset<>() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public Tensor get(int index) {
                return own;
            }
        };
        Tensor got = DataLoader.builder(one).batchSize(null).pinMemory(true).build().iterator().next();
        assertTrue(got.isPinned());
        assertFalse(own.isPinned());
        assertFalse(own.isClosed());
        // a device tensor in a batch: pin_memory's error, in the caller
        Dataset<Tensor> onDevice = new Dataset<>() {
            @Override
            public int size() {
                return 2;
            }

            @Override
            public Tensor get(int index) {
                return Tensor.ones(2).to(CUDA);
            }
        };
        for (int workers : new int[] {0, 1}) {
            var it = DataLoader.builder(onDevice).batchSize(2).numWorkers(workers).pinMemory(true).build().iterator();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, it::next);
            String msg = "cannot pin 'CUDAFloatType' only dense CPU tensors can be pinned";
            assertEquals(workers == 0 ? msg : "Caught IllegalArgumentException in DataLoader worker 0: " + msg,
                    e.getMessage());
            it.close();
        }
    }
}
