package dev.ember;

import dev.ember.nn.Identity;
import dev.ember.nn.Linear;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Tanh;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code Module.add_module} against PyTorch (resources/addmodule/make_expected.py): printouts, keys, bad names. */
class AddModuleTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/addmodule/expected.txt");

    @Test
    void aLayerTakesASubmoduleIntoItsStateAndPrintout() {
        Linear lin = new Linear(2, 2);
        lin.addModule("extra", new Linear(2, 3));
        assertEquals(EXPECTED.text("linear.printout"), lin.toString());
        assertEquals(EXPECTED.text("linear.keys"), String.join(",", lin.stateDict().keySet()));
        for (String[] c : new String[][] {{"dotted", "a.b"}, {"empty", ""}, {"taken", "weight"}}) {
            Linear other = new Linear(2, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> other.addModule(c[1], new ReLU()));
            assertEquals(EXPECTED.text("error." + c[0]), e.getMessage());
            assertEquals(0, other.namedChildren().size(), "nothing registered");
        }
    }

    @Test
    void aSequentialReplacesOrAppendsAndAppliesInPlace() {
        Sequential seq = new Sequential(new ReLU(), new Tanh());
        seq.addModule("0", new Sigmoid());
        seq.addModule("head", new Identity());
        assertEquals(EXPECTED.text("sequential.printout"), seq.toString());
        Tensor x = Tensor.tensor(new float[] {-1f, 0f, 2f});
        assertEquals(x.sigmoid().tanh().toString(), seq.apply(x).toString());
    }
}
