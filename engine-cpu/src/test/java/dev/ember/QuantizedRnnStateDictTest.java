package dev.ember;

import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamically quantized LSTMs, GRUs and cells have no state dict Ember can read or write
 * (resources/quantrnnstatedict/make_files.py): PyTorch's holds each layer and direction as
 * {@code _all_weight_values.<n>.param} (a cell: {@code _packed_weight_ih}, {@code _packed_weight_hh}), torchbind objects
 * that {@code torch.save} pickles as {@code torch.ScriptObject} rebuilt by their class's {@code __setstate__}, which
 * PyTorch 2.x's {@code torch.load(weights_only=True)} (its default since 2.6), whose reader Ember's is, refuses: Ember
 * refuses PyTorch's files with 2.x's message, and {@link Quantization#stateDict} refuses the layers, saying why.
 */
class QuantizedRnnStateDictTest {
    static final ExpectedLines EXPECTED = ExpectedLines.load("/quantrnnstatedict/expected.txt");

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/quantrnnstatedict/" + name)) {
            assertNotNull(in, "missing resource " + name);
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    void pytorchsFilesAreRefusedAsTorch2sWeightsOnlyLoadRefusesThem() throws Exception {
        for (String name : List.of("qlstm_int8", "qgru_int8", "qlstmcell_int8")) {
            // the first global of the pickle after collections.OrderedDict: the torchbind object's class
            List<String> globals = List.of(EXPECTED.get(name + ".globals").split(" "));
            assertEquals(List.of("collections.OrderedDict", "torch.ScriptObject"), globals.subList(0, 2), name);
            // 1.13's weights-only reader refuses it too, in its words
            assertTrue(EXPECTED.get(name + ".weights_only").endsWith("WeightsUnpickler error: Unsupported class "
                + "torch.ScriptObject"), name);
            Path file = resource(name + ".pt");
            IOException e = assertThrows(IOException.class, () -> TorchSerialization.load(file), name);
            assertTrue(e.getMessage().contains("Weights only load failed. WeightsUnpickler error: Unsupported global: "
                + "GLOBAL torch.ScriptObject was not an allowed global by default."), e.getMessage());
            assertThrows(IOException.class, () -> TorchSerialization.loadStateDict(file), name);
        }
        assertEquals("0._all_weight_values.0.param 0._all_weight_values.1.param 0._all_weight_values.2.param "
            + "0._all_weight_values.3.param", EXPECTED.get("qlstm_int8.keys"));
        assertEquals("0._packed_weight_ih 0._packed_weight_hh", EXPECTED.get("qlstmcell_int8.keys"));
    }

    @Test
    void emberRefusesToWriteThemAndSaysWhy() {
        Module lstm = Quantization.quantizeDynamic(new Sequential(new LSTM(3, 4, 2, true, false, 0, true)),
            Set.of(LSTM.class), QuantDType.QINT8, true);
        UnsupportedOperationException layer = assertThrows(UnsupportedOperationException.class,
            () -> Quantization.stateDict(lstm));
        assertEquals("state_dict: the module '0' (LSTM) cannot be saved: a dynamically quantized recurrent layer keeps "
            + "PyTorch's packed parameters, which are not tensors: PyTorch's state dict holds each layer and direction as "
            + "_all_weight_values.<n>.param, a torchbind object (class __torch__.torch.classes.rnn.CellParamsBase) that "
            + "torch.save pickles as torch.ScriptObject, which torch.load(weights_only=True) refuses; save the float "
            + "model's state dict and quantize after loading it", layer.getMessage());
        Module gru = Quantization.quantizeDynamic(new Sequential(new GRU(3, 4, 1, true, false, 0, false)),
            Set.of(GRU.class), QuantDType.QINT8, true);
        assertThrows(UnsupportedOperationException.class, () -> Quantization.stateDict(gru));
        assertThrows(UnsupportedOperationException.class, gru::stateDict);
        Module cell = Quantization.quantizeDynamic(new Sequential(new LSTMCell(3, 4)), Set.of(LSTMCell.class),
            QuantDType.QINT8, true);
        UnsupportedOperationException cellError = assertThrows(UnsupportedOperationException.class,
            () -> Quantization.stateDict(cell));
        assertTrue(cellError.getMessage().contains("PyTorch's state dict holds them as _packed_weight_ih and "
            + "_packed_weight_hh, torchbind objects (class __torch__.torch.classes.quantized.LinearPackedParamsBase)"),
            cellError.getMessage());
    }
}
