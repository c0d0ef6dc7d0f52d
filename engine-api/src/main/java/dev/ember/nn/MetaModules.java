package dev.ember.nn;

import dev.ember.Device;
import dev.ember.MetaOps;

/** {@link Module#toEmpty}: PyTorch's {@code to_empty}, kept out of Module's own file. */
final class MetaModules {
    private MetaModules() {
    }

    /**
     * {@code module.to_empty(device=device, recurse=recurse)}: {@code _apply(lambda t: torch.empty_like(t,
     * device=device))}, in place and all or nothing.
     */
    static Module toEmpty(Module module, Device device, boolean recurse) {
        Checks.notNull(device, "device");
        return module.convert(t -> MetaOps.emptyLike(t, device), false, recurse);
    }
}
