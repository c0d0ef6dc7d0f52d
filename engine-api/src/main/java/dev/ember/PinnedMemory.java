package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import dev.ember.backend.PinnedBuffer;
import dev.ember.backend.Storage;

/**
 * Pinned CPU tensors and non-blocking uploads, as {@code torch.Tensor.pin_memory}, {@code is_pinned} and
 * {@code to(device, non_blocking=True)}.
 *
 * <p><b>What a pinned tensor is.</b> Ember's CPU storages are Java arrays, which the JVM may move and which the CPU
 * kernels compute on; a device cannot copy from them asynchronously. A pinned CPU tensor therefore keeps its array and
 * owns, beside it, a host buffer of the accelerator's backend ({@link Backend#allocatePinned}: page-locked memory from
 * {@code cuMemHostAlloc} on CUDA), freed with the storage. {@link #to} with {@code nonBlocking} writes the array's bytes
 * into that buffer on the calling thread (a host memcpy, so that in-place changes made through any handle, views and
 * {@code data()} included, are always uploaded) and queues the copy from it ({@link Backend#fromPinned}) without
 * waiting for the device. PyTorch's pinned tensor is one allocation in page-locked memory; Ember's costs the memory
 * twice and a host memcpy per upload, and gives the same asynchronous device copy.
 *
 * <p>Without an accelerator nothing is pinned: {@code pinMemory()} fails with PyTorch 2.x's message and
 * {@code isPinned()} is false.
 */
final class PinnedMemory {
    private PinnedMemory() {
    }

    /** The host buffer of a pinned CPU storage ({@link StorageLease#pinned}). */
    static final class Pin {
        final PinnedBuffer buffer;

        Pin(PinnedBuffer buffer) {
            this.buffer = buffer;
        }
    }

    /**
     * The accelerator whose page-locked memory pins host tensors: the {@code cuda} backend when one is installed and
     * usable here.
     *
     * @throws IllegalArgumentException otherwise, with PyTorch 2.x's message (at::getAccelerator(checked=true))
     */
    static Backend accelerator() {
        Backend b = Backends.find("cuda");
        if (b == null || !b.isAvailable() || b.deviceCount() < 1) {
            throw new IllegalArgumentException("Cannot access accelerator device when none is available.");
        }
        return Backends.forDevice(Device.cuda(0));
    }

    /** Whether a CUDA backend that can pin is here ({@code torch.accelerator.is_available()}). */
    static boolean acceleratorAvailable() {
        Backend b = Backends.find("cuda");
        return b != null && b.isAvailable() && b.deviceCount() > 0;
    }

    static boolean isPinned(Tensor t) {
        return t.device.isCpu() && t.lease().pinned != null;
    }

    /**
     * {@code t.pin_memory()}: itself when pinned, else a pinned copy with t's sizes and strides over a storage of their
     * extent, as PyTorch's {@code _pin_memory} (grad_fn PinMemoryBackward0).
     */
    static Tensor pin(Tensor t) {
        if (!t.device.isCpu()) {
            throw new IllegalArgumentException("cannot pin '" + t.device.type().toUpperCase(java.util.Locale.ROOT)
                    + Format.scalarType(t.dtype) + "Type' only dense CPU tensors can be pinned");
        }
        if (isPinned(t)) {
            return t;
        }
        Backend device = accelerator();
        // _pin_memory's layout: the sizes and strides of self over a storage of just their extent, offset 0
        Layout layout = new Layout(t.shape, t.layout.strides(), 0);
        Backend cpu = Tensor.backendFor(Device.CPU);
        Tensor out = new Tensor(cpu.allocateZeroed(t.dtype, layout.extent(), Device.CPU.index()), layout, Device.CPU, cpu,
                new int[1]);
        PinnedBuffer buffer = null;
        try {
            if (out.numel() > 0) {
                t.backend.copy(t.storage(), t.layout, out.storage(), out.layout);
            }
            buffer = device.allocatePinned(Math.multiplyExact(out.storage().numel(), (long) t.dtype.itemSize()));
        } catch (RuntimeException | Error e) {
            if (buffer != null) {
                buffer.close();
            }
            out.close();
            throw e;
        }
        out.lease().pinned = new Pin(buffer);
        return ArithmeticOps.record(out, "PinMemoryBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g});
    }

    /**
     * {@code t.to(device, non_blocking)}: from a pinned CPU tensor to a device with {@code nonBlocking}, the copy is
     * queued from the pinned buffer and this returns at once; every other case is {@link ViewOps#toDevice} (from
     * pageable memory synchronous as PyTorch's; device to host always synchronous).
     */
    static Tensor to(Tensor t, Device device, boolean nonBlocking) {
        if (t.device.equals(device)) {
            return t;
        }
        Pin pin = t.device.isCpu() ? t.lease().pinned : null;
        if (!nonBlocking || pin == null || device.isCpu() || !t.layout.isContiguous()) {
            return ViewOps.toDevice(t, device);
        }
        Backend target = Tensor.backendFor(device);
        Storage s;
        synchronized (pin) {
            // the elements' current bytes at the buffer's start (after an earlier copy still reading it is done)
            t.backend.writePinned(t.storage(), t.layout, pin.buffer);
            s = target.fromPinned(pin.buffer, t.dtype, 0, t.numel(), true, device.index());
        }
        Tensor out = new Tensor(s, Layout.contiguous(t.shape), device, target, new int[1]);
        Device from = t.device;
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.to(from)});
    }
}
