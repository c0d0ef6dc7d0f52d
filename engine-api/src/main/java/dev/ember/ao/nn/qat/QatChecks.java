package dev.ember.ao.nn.qat;

import dev.ember.ao.quantization.QConfig;

/** The constructor assertion the QAT layers of this package share. */
final class QatChecks {
    private QatChecks() {
    }

    /**
     * {@code qconfig} itself, or PyTorch's assertion {@code qconfig must be provided for QAT module} where it is null.
     *
     * @throws IllegalArgumentException for a null qconfig
     */
    static QConfig requireQconfig(QConfig qconfig) {
        if (qconfig == null) {
            throw new IllegalArgumentException("qconfig must be provided for QAT module");
        }
        return qconfig;
    }
}
