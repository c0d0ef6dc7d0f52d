package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Tensors print exactly as PyTorch prints them (expected output from printing/make_expected.py). */
class PrintingTest {

    private static Map<String, String> expected() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = PrintingTest.class.getResourceAsStream("/printing/expected.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String key = null;
            StringBuilder body = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                if (line.startsWith("=== ")) {
                    if (key != null) {
                        out.put(key, body.toString().stripTrailing());
                    }
                    key = line.substring(4);
                    body.setLength(0);
                } else {
                    body.append(line).append('\n');
                }
            }
            out.put(key, body.toString().stripTrailing());
        }
        return out;
    }

    @Test
    void printsLikePyTorch() throws IOException {
        Map<String, Tensor> cases = new LinkedHashMap<>();
        cases.put("arange12", Tensor.arange(12).reshape(3, 4));
        cases.put("big", Tensor.arange(0, 2000, 1, DType.FLOAT32).reshape(40, 50).div(7));
        cases.put("long1d", Tensor.arange(1500));
        cases.put("wrap", Tensor.arange(0, 30, 1, DType.FLOAT32).mul(1.5));
        cases.put("sci", Tensor.tensor(new double[] {1e-5, 1.0, 3e5}));
        cases.put("intbig", Tensor.tensor(new double[] {1.0, 1e9}));
        cases.put("neg0", Tensor.tensor(new double[] {-0.00001, 0.5}));
        cases.put("nan", Tensor.tensor(new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.5}));
        cases.put("nanint", Tensor.tensor(new double[] {Double.NaN, 2.0}));
        cases.put("f64", Tensor.tensor(new double[] {1.5, 2.25}, DType.FLOAT64));
        cases.put("bool", Tensor.tensor(new boolean[] {true, false}));
        cases.put("empty", Tensor.zeros(0, 3));
        cases.put("empty1", Tensor.zeros(0));
        cases.put("emptylong", Tensor.zeros(DType.INT64, 0));
        cases.put("scalar", Tensor.tensor(3.14159));
        cases.put("neglong", Tensor.tensor(new long[][] {{-5, 100}, {7, 0}}));
        cases.put("3d", Tensor.arange(0, 24, 1, DType.FLOAT32).reshape(2, 3, 4).div(3));
        cases.put("zeros", Tensor.zeros(2, 2));
        cases.put("f64rg", Tensor.ones(DType.FLOAT64, 2).requiresGrad_(true));
        cases.put("large1d", Tensor.linspace(0, 1, 2000));
        // 1e10 elements over a storage of 1e5: printing reads only the edge items
        cases.put("expandedhuge", Tensor.arange(0, 100000, 1, DType.FLOAT32).reshape(100000, 1).expand(100000, 100000));
        Map<String, String> want = expected();
        assertEquals(want.keySet(), cases.keySet());
        for (Map.Entry<String, Tensor> e : cases.entrySet()) {
            assertEquals(want.get(e.getKey()), e.getValue().toString(), e.getKey());
        }
    }

    @Test
    void nonContiguousViewsPrintTheirElements() {
        Tensor t = Tensor.arange(6).reshape(2, 3).t();
        assertEquals("tensor([[0, 3],\n        [1, 4],\n        [2, 5]])", t.toString());
        assertEquals("tensor([1, 4])", t.select(0, 1).toString());
    }
}
