package dev.ember;

/**
 * The kinds of device, without an ordinal, as PyTorch's {@code device.type} strings: what {@link Ember#autocast} is
 * keyed by ({@code torch.autocast(device_type="cuda")}).
 */
public enum DeviceType {
    /** The host ({@code "cpu"}). */
    CPU("cpu"),
    /** NVIDIA GPUs ({@code "cuda"}). */
    CUDA("cuda");

    private final String type;

    DeviceType(String type) {
        this.type = type;
    }

    /**
     * The device type named by PyTorch's string, {@code "cpu"} or {@code "cuda"}, as {@code torch.autocast} takes it.
     *
     * @param type the name
     * @return the device type
     * @throws IllegalArgumentException for null or any other string (PyTorch's "User specified an unsupported autocast
     *     device_type '...'")
     */
    public static DeviceType of(String type) {
        Args.require(type, "autocast", "device_type", 1, "str");
        for (DeviceType t : values()) {
            if (t.type.equals(type)) {
                return t;
            }
        }
        throw new IllegalArgumentException("User specified an unsupported autocast device_type '" + type + "'");
    }

    /**
     * The device type of a device ({@code torch.device.type}).
     *
     * @param device the device
     * @return its type
     * @throws IllegalArgumentException for the meta device, which autocast does not serve (PyTorch's words)
     */
    public static DeviceType of(Device device) {
        Args.require(device, "device_type", "device", 1, "torch.device");
        if (device.isMeta()) {
            throw new IllegalArgumentException("User specified an unsupported autocast device_type 'meta'");
        }
        return device.isCpu() ? CPU : CUDA;
    }

    /** PyTorch's string, {@code "cpu"} or {@code "cuda"}. */
    @Override
    public String toString() {
        return type;
    }
}
