package dev.ember.nn;

import dev.ember.Device;
import dev.ember.MetaOps;
import dev.ember.Tensor;

/** {@link Module#toEmpty}: PyTorch's {@code to_empty}, kept out of Module's own file. */
final class MetaModules {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private MetaModules() {
    }

    /**
     * PyTorch 2.x's warning of {@code _load_from_state_dict} when a value with data is copied (not assigned) into a
     * meta parameter or buffer, which keeps no data: the copy does nothing.
     */
    static void warnIfNoOpCopy(String key, Tensor param, Tensor given) {
        if (param.isMeta() && !given.isMeta()) {
            LOG.log(System.Logger.Level.WARNING, "for " + key + ": copying from a non-meta parameter in the checkpoint to "
                    + "a meta parameter in the current model, which is a no-op. (Did you mean to pass `assign=True` to "
                    + "assign items in the state dictionary to their corresponding key in the module instead of copying "
                    + "them in place?)");
        }
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
