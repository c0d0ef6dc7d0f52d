package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.ConvNd;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layers subclassed as PyTorch users subclass them (the layers are open for extension): a LoRA adapter over a frozen
 * {@code Linear} (more submodules and a buffer registered in the constructor, the forward calling the base class's),
 * a {@code Linear} that casts its weight to the input's type (modded-nanoGPT's {@code CastedLinear}) and a
 * weight-standardized {@code Conv2d} through {@link ConvNd#convForward} (PyTorch's {@code _conv_forward}). Printouts,
 * state-dict keys, trainable parameters, values and gradients against PyTorch 1.13
 * ({@code usersubclass/make_expected.py}).
 */
class UserSubclassTest {
    /** peft's shape of a LoRA layer: the base weight frozen, {@code x A^T B^T * scaling} added. */
    static final class LoRALinear extends Linear {
        final Linear loraA;
        final Linear loraB;

        LoRALinear(int in, int out, int r) {
            super(in, out);
            weight.requiresGrad_(false);
            loraA = registerModule("lora_a", new Linear(in, r, false));
            loraB = registerModule("lora_b", new Linear(r, out, false));
            registerBuffer("scaling", Tensor.scalar(0.5));
        }

        @Override
        public Tensor forward(Tensor x) {
            return super.forward(x).add(loraB.apply(loraA.apply(x)).mul(getBuffer("scaling")));
        }
    }

    /** A Linear whose weight and bias are cast to the input's type in the forward. */
    static final class CastedLinear extends Linear {
        CastedLinear(int in, int out) {
            super(in, out);
        }

        @Override
        public Tensor forward(Tensor x) {
            return Functional.linear(x, weight().typeAs(x), bias().typeAs(x));
        }
    }

    /** Weight standardization: each output channel's kernel to zero mean and unit (unbiased) deviation. */
    static final class WSConv2d extends Conv2d {
        WSConv2d(int in, int out, int kernel, int padding) {
            super(in, out, kernel, 1, padding);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor w = weight();
            int[] dims = {1, 2, 3};
            Tensor standardized = w.sub(w.mean(dims, true)).div(w.std(dims, true).add(1e-5));
            return convForward(x, standardized, bias());
        }
    }

    private static Map<String, String> expected() throws IOException {
        try (InputStream in = UserSubclassTest.class.getResourceAsStream("/usersubclass/expected.txt")) {
            Map<String, String> m = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.split(" ", 3);
                m.put(w[0] + " " + w[1], w.length > 2 ? w[2] : "");
            }
            return m;
        }
    }

    /** A Python {@code repr} of a string (single quotes, {@code \n}) as the string. */
    private static String pythonString(String repr) {
        return repr.substring(1, repr.length() - 1).replace("\\n", "\n");
    }

    private static double[] values(String line) {
        return Arrays.stream(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private static double[] values(Tensor t) {
        return t.toDouble().contiguous().toDoubleArray();
    }

    private static Tensor seq(int shift, int... shape) {
        return ComplexTest.seq(shift, shape).toDouble();
    }

    private static void set(Tensor p, Tensor value) {
        try (GradMode off = Ember.noGrad()) {
            p.copy_(value);
        }
    }

    @Test
    void loraOverAFrozenLinear() throws IOException {
        Map<String, String> e = expected();
        LoRALinear lora = new LoRALinear(4, 3, 2);
        lora.to(DType.FLOAT64);
        set(lora.weight(), seq(1, 3, 4));
        set(lora.bias(), seq(2, 3));
        set(lora.loraA.weight(), seq(3, 2, 4));
        set(lora.loraB.weight(), seq(4, 3, 2));
        assertEquals(pythonString(e.get("print lora")), lora.toString());
        assertEquals(e.get("keys lora"), String.join(" ", lora.stateDict().keySet()));
        assertEquals(e.get("trainable lora"), lora.namedParameters().entrySet().stream()
                .filter(p -> p.getValue().requiresGrad()).map(Map.Entry::getKey).collect(Collectors.joining(" ")));
        Tensor y = lora.apply(seq(5, 2, 4));
        assertArrayEquals(values(e.get("lora y")), values(y), 1e-12);
        y.mul(seq(6, 2, 3)).sum().backward();
        assertArrayEquals(values(e.get("lora grad_a")), values(lora.loraA.weight().grad()), 1e-12);
        assertArrayEquals(values(e.get("lora grad_b")), values(lora.loraB.weight().grad()), 1e-12);
        assertArrayEquals(values(e.get("lora grad_bias")), values(lora.bias().grad()), 1e-12);
        assertNull(lora.weight().grad(), "the frozen base weight gets no gradient");
        assertTrue(lora instanceof Linear && lora.inFeatures() == 4 && lora.outFeatures() == 3);
    }

    @Test
    void castedLinearInASequentialWithHooks() throws IOException {
        Map<String, String> e = expected();
        CastedLinear cast = new CastedLinear(4, 3);
        set(cast.weight(), seq(7, 3, 4));
        set(cast.bias(), seq(8, 3));
        Sequential model = new Sequential(cast, new ReLU());
        assertEquals(pythonString(e.get("print cast")), model.toString());
        int[] calls = {0};
        cast.registerForwardHook((m, in, out) -> {
            calls[0]++;
            return null;
        });
        Tensor y = cast.apply(seq(9, 2, 4).toDouble());
        assertEquals(DType.FLOAT64, y.dtype(), e.get("cast dtype"));
        assertEquals(1, calls[0], "the subclass's forward runs inside the module's hooks");
        assertArrayEquals(values(e.get("cast y")), values(y), 1e-12);
        assertEquals(DType.FLOAT32, cast.weight().dtype());
    }

    @Test
    void weightStandardizedConvThroughConvForward() throws IOException {
        Map<String, String> e = expected();
        WSConv2d conv = new WSConv2d(2, 3, 3, 1);
        conv.to(DType.FLOAT64);
        set(conv.weight(), seq(10, 3, 2, 3, 3));
        set(conv.bias(), seq(11, 3));
        assertEquals(pythonString(e.get("print conv")), conv.toString());
        assertArrayEquals(new int[] {1, 1}, conv.padding());
        assertArrayEquals(new int[] {1, 1}, conv.dilation());
        Tensor x = seq(12, 1, 2, 4, 4).requiresGrad_(true);
        Tensor y = conv.apply(x);
        assertArrayEquals(values(e.get("conv y")), values(y), 1e-12);
        y.mul(seq(13, 1, 3, 4, 4)).sum().backward();
        assertArrayEquals(values(e.get("conv grad_w")), values(conv.weight().grad()), 1e-11);
        assertArrayEquals(values(e.get("conv grad_x")), values(x.grad()), 1e-12);
    }

    @Test
    void transposedLayersHaveNoConvForward() {
        ConvTranspose2d t = new ConvTranspose2d(2, 3, 3) {
            @Override
            public Tensor forward(Tensor x) {
                return convForward(x, weight(), bias());
            }
        };
        UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class,
                () -> t.forward(Tensor.zeros(1, 2, 4, 4)));
        assertTrue(ex.getMessage().contains("has no attribute '_conv_forward'"), ex.getMessage());
        assertEquals(List.of(0, 0), Arrays.stream(t.outputPadding()).boxed().collect(Collectors.toList()));
    }
}
