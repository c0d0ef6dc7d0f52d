package dev.ember;

import dev.ember.nn.LayerNorm;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the differential fuzz round 23 (attention and the transformer modules, DifferentialFuzzR23Test).
 * Ember's {@link TransformerEncoder} ran its layers on the dense input always, where PyTorch 2.x's
 * {@code TransformerEncoder.forward} takes its nested-tensor path in inference (eval mode, no gradient to record, a
 * batch-first post-norm first layer with an even number of heads and relu/gelu, a left-aligned key padding mask, no
 * mask, {@code enable_nested_tensor}): the padded positions leave the layers' attention and come back as zeros before
 * the final norm ({@code to_padded_tensor(0.)}), so the output there is the norm's bias, and a float padding mask's
 * finite nonzero values count as padding. The cases of {@code differentialfuzzr23/fixes.txt} ({@code make_fixes.py},
 * the round's 2.x port on PyTorch 1.13) are replayed by {@link FuzzR23Interpreter}; the nested ones fail before the fix.
 * And a {@link TransformerEncoder} or {@link dev.ember.nn.TransformerDecoder} of no layers returned its input (through
 * the final norm), where 2.x's forward reads {@code self.layers[0]} and raises ModuleList's IndexError ("index 0 is out
 * of range"; 1.13's decoder ran). {@link dev.ember.nn.Transformer} took its activation by name only, where PyTorch takes
 * any unary callable (here a module, copied into every layer).
 */
class FuzzRound23FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr23/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void replay(String name) {
        List<String> lines = CASES.get(name);
        assertNotNull(lines, name);
        assertNull(FuzzR23Interpreter.run(lines), name);
    }

    @Test
    void encoderInferenceWithAPaddingMaskTakesTheNestedPath() {
        replay("nested_nograd");
    }

    @Test
    void nestedPathCountsAFloatMasksNonzeroValuesAsPadding() {
        replay("nested_float_mask");
    }

    @Test
    void encoderWithGradientsToRecordStaysDense() {
        replay("dense_with_grad");
    }

    @Test
    void encoderWithoutEnableNestedTensorStaysDense() {
        replay("dense_disabled");
    }

    @Test
    void paddingNotLeftAlignedStaysDense() {
        replay("dense_not_left_aligned");
    }

    @Test
    void transformerDecoderSeesTheEncoderNormsBiasAtPaddedRows() {
        replay("transformer_memory");
    }

    @Test
    void transformerTakesAnActivationModule() {
        replay("transformer_activation_module");
    }

    @Test
    void encoderOfNoLayersRefusesAsPyTorch() {
        replay("encoder_no_layers");
    }

    @Test
    void decoderOfNoLayersRefusesAsPyTorch() {
        replay("decoder_no_layers");
    }

    /** The rule itself, without PyTorch's numbers: padded rows are exactly the final norm's bias, the others unchanged. */
    @Test
    void paddedRowsAreTheFinalNormsBiasAndTheOthersTheDensePaths() {
        Ember.manualSeed(3);
        TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 6, 0.0, "relu", 1e-5, true, false, true);
        LayerNorm norm = new LayerNorm(4);
        TransformerEncoder nested = new TransformerEncoder(layer, 1, norm);
        nested.eval();
        try (GradMode g = Ember.noGrad()) {
            norm.bias.copy_(Tensor.fromArray(new double[] {0.5, -1.0, 0.25, 2.0}).to(DType.FLOAT32));
        }
        TransformerEncoder dense = new TransformerEncoder(layer, 1, norm, false, true);
        dense.eval();
        try (GradMode g = Ember.noGrad()) {
            dense.layers.get(0).loadStateDict(nested.layers.get(0).stateDict());
        }
        Tensor x = Tensor.randn(2, 3, 4);
        Tensor kpm = Tensor.fromArray(new boolean[] {false, false, true, false, true, true}).reshape(2, 3);
        Tensor ours;
        Tensor reference;
        try (GradMode g = Ember.noGrad()) {
            ours = nested.forward(x, null, kpm, null);
            reference = dense.forward(x, null, kpm, null);
        }
        float[] bias = norm.bias.detach().toFloatArray();
        assertArrayEquals(bias, ours.select(0, 0).select(0, 2).toFloatArray());
        assertArrayEquals(bias, ours.select(0, 1).select(0, 1).toFloatArray());
        assertArrayEquals(bias, ours.select(0, 1).select(0, 2).toFloatArray());
        assertFalse(reference.select(0, 0).select(0, 2).allclose(ours.select(0, 0).select(0, 2)));
        assertTrue(reference.select(0, 0).narrow(0, 0, 2).allclose(ours.select(0, 0).narrow(0, 0, 2), 1e-6, 1e-6));
        assertTrue(reference.select(0, 1).select(0, 0).allclose(ours.select(0, 1).select(0, 0), 1e-6, 1e-6));
    }
}
