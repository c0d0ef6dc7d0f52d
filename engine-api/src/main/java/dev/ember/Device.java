package dev.ember;

/**
 * Where a tensor's storage lives: {@code cpu}, {@code cuda:N} or {@code meta}, as {@code torch.device}. A tensor on the
 * meta device has a shape, strides and a type but no elements: ops compute only the metadata of their results, so a
 * model far larger than memory can be built there and later materialized ({@code Module.toEmpty}).
 */
public final class Device {
    /** The host. */
    public static final Device CPU = new Device("cpu", -1);
    /** The meta device ({@code torch.device("meta")}): tensors with metadata and no data. */
    public static final Device META = new Device("meta", -1);

    private final String type;
    private final int index;

    private Device(String type, int index) {
        this.type = type;
        this.index = index;
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} (device 0), {@code "cuda:N"} or {@code "meta"}.
     *
     * @throws IllegalArgumentException for any other string
     */
    public static Device of(String spec) {
        Args.require(spec, "device", "type", 1, "str");
        String s = spec.trim();
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("meta")) {
            return META;
        }
        if (s.equals("cuda")) {
            return cuda(0);
        }
        if (s.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(s.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("Expected one of cpu, cuda, meta device type at start of device string: " + spec);
    }

    /** The CUDA device with the given ordinal. */
    public static Device cuda(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("Device index must not be negative, got " + index);
        }
        return new Device("cuda", index);
    }

    /** {@code "cpu"}, {@code "cuda"} or {@code "meta"}. */
    public String type() {
        return type;
    }

    /** The device ordinal; -1 for the CPU and the meta device. */
    public int index() {
        return index;
    }

    /** Whether this is the host. */
    public boolean isCpu() {
        return this == CPU || index < 0 && type.equals("cpu");
    }

    /** Whether this is the meta device ({@code device.type == "meta"}), whose tensors have no data. */
    public boolean isMeta() {
        return this == META || type.equals("meta");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).type.equals(type) && ((Device) o).index == index;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return index < 0 ? type : type + ":" + index;
    }
}
