package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.TorchSerialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

class H1ScratchTest {
    @Test
    @SuppressWarnings("unchecked")
    void edges() throws Exception {
        Map<String, Tensor> d = (Map<String, Tensor>) TorchSerialization.load(Path.of("/tmp/h1probe/edges.pt"));
        Tensor sim = d.get("ce_inf_sim").clone().requiresGrad_(true);
        Tensor l = Functional.crossEntropy(sim, Tensor.tensor(new long[] {2, 3, 0, 1}), "mean", 0.1);
        l.backward();
        System.out.println("H1 ce " + l + " " + d.get("ce_inf") + "\n" + sim.grad() + "\n" + d.get("ce_inf_grad"));
        Tensor z = d.get("norm_z").clone().requiresGrad_(true);
        Tensor n = Functional.normalize(z, 2, 1, 1e-12);
        n.mul(Tensor.arange(1, 10).to(DType.FLOAT64).view(3, 3)).sum().backward();
        System.out.println("H1 norm " + n.sub(d.get("norm")).abs().max() + "\n" + z.grad() + "\n" + d.get("norm_grad"));
        Tensor lp = d.get("ctc_lp").clone().requiresGrad_(true);
        Tensor cl = Functional.ctcLoss(lp, d.get("ctc_tg"), new long[] {200, 150}, new long[] {60, 45}, 0, "mean", false);
        cl.backward();
        System.out.println("H1 ctc " + cl + " torch32 " + d.get("ctc") + " f64 " + d.get("ctc64") + " grad err vs f64 "
                + lp.grad().to(DType.FLOAT64).sub(d.get("ctc_grad64")).abs().max() + " torch32 err "
                + d.get("ctc_grad").to(DType.FLOAT64).sub(d.get("ctc_grad64")).abs().max());
        Tensor a = Tensor.tensor(new double[] {0.5, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY}, DType.FLOAT64, Device.CPU).view(2, 2).requiresGrad_(true);
        Tensor s = a.logsumexp(new int[] {1}, false);
        s.select(0, 0).backward();
        System.out.println("H1 lse " + s + " " + a.grad() + " vs " + d.get("lse_grad"));
    }
}
