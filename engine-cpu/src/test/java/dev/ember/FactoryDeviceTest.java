package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The factories' {@code device=} ({@code Tensor.zeros(dtype, device, shape...)} and its siblings): the tensor is made
 * on the device (meta here: metadata only), with the values, type and shape the same call makes on the default device
 * (the random ones from the same generator state); the default device and any open device scope are as they were
 * after the call.
 */
class FactoryDeviceTest {
    /** Each factory, given a device (null: the overload without one, PyTorch's device=None). */
    private static final List<Function<Device, Tensor>> FACTORIES = List.of(
            d -> d == null ? Tensor.empty(DType.FLOAT32, 2, 3) : Tensor.empty(DType.FLOAT32, d, 2, 3),
            d -> d == null ? Tensor.zeros(DType.FLOAT64, 2, 3) : Tensor.zeros(DType.FLOAT64, d, 2, 3),
            d -> d == null ? Tensor.ones(DType.INT64, 4) : Tensor.ones(DType.INT64, d, 4),
            d -> d == null ? Tensor.full(DType.FLOAT32, 1.5, 3, 1) : Tensor.full(DType.FLOAT32, d, 1.5, 3, 1),
            d -> d == null ? Tensor.arange(0.5, 3.0, 0.5, DType.FLOAT64)
                    : Tensor.arange(0.5, 3.0, 0.5, DType.FLOAT64, d),
            d -> d == null ? Tensor.linspace(-1, 1, 5, DType.FLOAT32) : Tensor.linspace(-1, 1, 5, DType.FLOAT32, d),
            d -> d == null ? Tensor.eye(2, 3, DType.BFLOAT16) : Tensor.eye(2, 3, DType.BFLOAT16, d),
            d -> d == null ? Tensor.rand(new Generator(7), DType.FLOAT64, 3)
                    : Tensor.rand(new Generator(7), DType.FLOAT64, d, 3),
            d -> d == null ? Tensor.randn(new Generator(7), DType.FLOAT32, 2, 2)
                    : Tensor.randn(new Generator(7), DType.FLOAT32, d, 2, 2));

    @Test
    void madeOnTheDeviceWithTheDefaultDevicesTypeAndShape() {
        for (Function<Device, Tensor> f : FACTORIES) {
            Tensor here = f.apply(null);
            Tensor meta = f.apply(Device.META);
            assertTrue(here.device().isCpu(), here.toString());
            assertTrue(meta.device().isMeta());
            assertEquals(here.dtype(), meta.dtype());
            assertArrayEquals(here.shape(), meta.shape());
            assertArrayEquals(here.layout().strides(), meta.layout().strides());
            Tensor cpu = f.apply(Device.CPU);
            assertTrue(cpu.device().isCpu());
            assertEquals(here.dtype(), cpu.dtype());
            assertArrayEquals(here.shape(), cpu.shape());
        }
        // values (empty's aside): the same call on the CPU device and with device=None agree (random ones from the same
        // seed)
        for (Function<Device, Tensor> f : FACTORIES.subList(1, FACTORIES.size())) {
            assertTrue(f.apply(Device.CPU).equal(f.apply(null)));
        }
        assertEquals(Device.CPU, Ember.defaultDevice(), "the default device is as it was");
    }

    @Test
    void anOpenScopeIsKeptAndOverriddenOnlyForTheCall() {
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            Tensor cpu = Tensor.zeros(DType.FLOAT32, Device.CPU, 2);
            assertTrue(cpu.device().isCpu());
            assertEquals(Device.META, Ember.defaultDevice());
            assertTrue(Tensor.zeros(DType.FLOAT32, 2).device().isMeta(), "no device: the scope's device");
        }
        assertEquals(Device.CPU, Ember.defaultDevice());
    }
}
