package dev.ember;

import dev.ember.optim.LBFGS;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training half of fuzz round 6 ({@code fuzz6/make_cases.py}, whose header and section comments describe the
 * format): LBFGS over three problems with every option, SWA ({@code AveragedModel}, {@code SWALR}, {@code update_bn})
 * and the state-dict round trips of the optimizers and schedulers, run by {@link DifferentialFuzzR6Test}.
 */
final class FuzzR6Training {
    private FuzzR6Training() {
    }

    static String run(String kind, String name, DifferentialFuzzR6Test.Lines in) {
        switch (kind) {
            case "L": return runLbfgs(name, in);
            default: throw new IllegalStateException("kind " + kind);
        }
    }

    private static String compare(String what, String expectedLine, Tensor got, double tol) {
        return DifferentialFuzzR5Test.compare(what, FuzzCaseRunner.expectedTensor(expectedLine), got, tol);
    }

    // ------------------------------------------------------------------------------------------------------ LBFGS

    /** The generator's lbfgs_loss. */
    static Tensor lbfgsLoss(String problem, List<Tensor> ps, List<Tensor> data) {
        switch (problem) {
            case "rosen": {
                Tensor x = ps.get(0);
                int n = x.size(0);
                Tensor hi = x.narrow(0, 1, n - 1);
                Tensor lo = x.narrow(0, 0, n - 1);
                return hi.sub(lo.pow(2L)).pow(2L).mul(100L).add(lo.rsub(1L).pow(2L)).sum();
            }
            case "lsq":
                return data.get(0).matmul(ps.get(0)).add(ps.get(1)).sub(data.get(1)).pow(2L).mean();
            case "mlp":
                return data.get(0).matmul(ps.get(0)).add(ps.get(1)).tanh().matmul(ps.get(2)).add(ps.get(3))
                        .sub(data.get(1)).pow(2L).mean();
            default: throw new IllegalStateException("problem " + problem);
        }
    }

    private static LBFGS lbfgs(List<Tensor> params, String[] w) {
        return new LBFGS(params, Double.parseDouble(w[1]), Integer.parseInt(w[2]),
                w[3].equals("None") ? null : Integer.valueOf(w[3]), Double.parseDouble(w[4]), Double.parseDouble(w[5]),
                Integer.parseInt(w[6]), w[7].equals("None") ? null : w[7]);
    }

    private static String runLbfgs(String problem, DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("lbfgs").split(" ");
        int split = Integer.parseInt(w[8]);
        List<Tensor> data = new ArrayList<>();
        for (int i = 0; in.nextIs("d" + i); i++) {
            data.add(FuzzCaseRunner.expectedTensor(in.take("d" + i)));
        }
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; in.nextIs("p" + i); i++) {
            ps.add(FuzzCaseRunner.expectedTensor(in.take("p" + i)).requiresGrad_(true));
        }
        LBFGS[] opt = {lbfgs(ps, w)};
        List<Tensor>[] params = new List[] {ps};
        int[] calls = {0};
        LBFGS.Closure closure = () -> {
            calls[0]++;
            opt[0].zeroGrad();
            Tensor loss = lbfgsLoss(problem, params[0], data);
            loss.backward();
            return loss;
        };
        List<String> problems = new ArrayList<>();
        // float64 throughout; the iterations compound last-bit differences of the reductions (sum, dot) a little
        double tol = 1e-9;
        while (in.more()) {
            int k = Integer.parseInt(in.take("step"));
            if (k == split) {
                Map<String, Object> sd = opt[0].stateDict();
                List<Tensor> fresh = new ArrayList<>();
                for (Tensor p : params[0]) {
                    fresh.add(p.detach().clone().requiresGrad_(true));
                }
                params[0] = fresh;
                opt[0] = lbfgs(fresh, w);
                opt[0].loadStateDict(sd);
            }
            calls[0] = 0;
            Tensor loss;
            try {
                loss = opt[0].step(closure);
            } catch (RuntimeException e) {
                return "step " + k + ": Ember throws " + e;
            }
            String p = compare("step " + k + " loss", in.take("loss"), loss, tol);
            if (p != null) {
                problems.add(p);
            }
            int c = Integer.parseInt(in.take("calls"));
            if (c != calls[0]) {
                problems.add("step " + k + " closure calls: PyTorch " + c + ", Ember " + calls[0]);
            }
            @SuppressWarnings("unchecked")
            Map<Integer, Map<String, Object>> st = (Map<Integer, Map<String, Object>>) opt[0].stateDict().get("state");
            Map<String, Object> s0 = st.get(0);
            long fe = Long.parseLong(in.take("fe"));
            long ni = Long.parseLong(in.take("ni"));
            Object gfe = s0 == null ? null : s0.get("func_evals");
            Object gni = s0 == null ? null : s0.get("n_iter");
            if (gfe == null || ((Number) gfe).longValue() != fe || gni == null || ((Number) gni).longValue() != ni) {
                problems.add("step " + k + " func_evals/n_iter: PyTorch " + fe + "/" + ni + ", Ember " + gfe + "/" + gni);
            }
            while (in.nextIs("v")) {
                String[] v = in.take("v").split(" ", 2);
                String q = compare("step " + k + " param " + v[0], v[1], params[0].get(Integer.parseInt(v[0])), tol);
                if (q != null) {
                    problems.add(q);
                }
            }
            if (problems.size() > 3) {
                break;
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }
}
