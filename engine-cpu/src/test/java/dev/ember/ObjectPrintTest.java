package dev.ember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ember.distributions.*;
import dev.ember.optim.ASGD;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Adamax;
import dev.ember.optim.LBFGS;
import dev.ember.optim.NAdam;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code print} shows for objects that are not tensors: optimizers (every one, with PyTorch 2.x's default group
 * keys and values: 1.13 lacks keys 2.x adds, so make_expected.py writes those groups from 2.x's defaults and checks the
 * keys both have against 1.13), distributions (every one Ember has, as 1.13 and 2.x print them: the parameters in the
 * object's {@code __dict__}, a one-element one as its number, others as their {@code torch.Size}), parameters, dtypes,
 * devices, finfo and iinfo. Expected texts: resources/objectprint/make_expected.py (PyTorch 1.13).
 */
class ObjectPrintTest {

    private static Map<String, String> texts;

    private static synchronized Map<String, String> texts() {
        if (texts == null) {
            texts = ExpectedLines.barTexts("/objectprint/texts.txt");
        }
        return texts;
    }

    private static void check(String name, Object o) throws Exception {
        String expected = texts().get(name);
        assertNotNull(expected, name);
        assertEquals(expected, String.valueOf(o), name);
    }

    private static Tensor t(double... v) {
        return Tensor.tensor(v, DType.FLOAT32);
    }

    private static Tensor s(double v) {
        return Tensor.scalar(v).to(DType.FLOAT32);
    }

    @Test
    void optimizersPrintTheirGroupsAsPyTorch2() throws Exception {
        List<Tensor> p = List.of(Tensor.zeros(1).requiresGrad_(true));
        check("optim_SGD", new SGD(p, 0.01));
        check("optim_Adam", new Adam(p, 0.01));
        check("optim_AdamW", new AdamW(p, 0.01));
        check("optim_Adamax", new Adamax(p, 0.01));
        check("optim_Adagrad", new Adagrad(p, 0.01));
        check("optim_Adadelta", new Adadelta(p));
        check("optim_RMSprop", new RMSprop(p, 0.01));
        check("optim_Rprop", new Rprop(p, 0.01));
        check("optim_ASGD", new ASGD(p, 0.01));
        check("optim_NAdam", new NAdam(p, 0.01));
        check("optim_RAdam", new RAdam(p, 0.01));
        check("optim_LBFGS", new LBFGS(p));
        SGD two = new SGD(p, 0.1, 0.9, 0, 1e-4, true);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("lr", 0.5);
        two.addParamGroup(List.of(Tensor.zeros(2).requiresGrad_(true)), g);
        check("optim_SGD_two_groups", two);
        // a group prints as PyTorch's dict (Ember printed ParamGroup(1 parameters, {lr=0.1, ...}))
        Tensor w = t(1, 2).asParameter();
        check("param_group_sgd", new SGD(List.of(w), 0.1, 0.9, 0, 0, false).paramGroups().get(0));
        check("param_group_adam", new Adam(List.of(w), 0.001).paramGroups().get(0));
        check("param_group_lbfgs", new LBFGS(List.of(w), 1, 20, null, 1e-7, 1e-9, 100, "strong_wolfe").paramGroups().get(0));
        SGD scheduled = new SGD(List.of(w), 0.1);
        new dev.ember.optim.StepLR(scheduled, 2, 0.1);
        check("param_group_scheduled", scheduled.paramGroups().get(0));
        // a state dict prints as PyTorch's dict (Ember printed Java's {state={}, param_groups=[{lr=0.1, ...}]})
        Tensor sp = t(1, 2).asParameter();
        SGD sgd = new SGD(List.of(sp), 0.1, 0.9, 0, 0, false);
        check("optim_state_fresh", sgd.stateDict());
        sp.setGrad(t(0.5, -1));
        sgd.step();
        check("optim_state_sgd", sgd.stateDict());
        Tensor ap = t(1, 2).asParameter();
        Adam adam = new Adam(List.of(ap), 0.01);
        ap.setGrad(t(0.5, -1));
        adam.step();
        check("optim_state_adam", adam.stateDict());
    }

    @Test
    void distributionsPrintTheirParameters() throws Exception {
        Tensor t2 = t(0.5, 1.5);
        Tensor pr = t(0.2, 0.3, 0.5);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Normal", new Normal(0, 1));
        d.put("Normal_batched", new Normal(t2, t2));
        d.put("Normal_one", new Normal(t(0.5), t(1)));
        d.put("Exponential_one_2d", new Exponential(Tensor.tensor(new double[][] {{2}}, DType.FLOAT32)));
        d.put("Bernoulli", new Bernoulli(0.3));
        d.put("Bernoulli_logits", new Bernoulli(null, t2, null));
        d.put("Beta", new Beta(2, 3));
        d.put("Beta_batched", new Beta(t2, t2));
        d.put("Binomial", new Binomial(s(5), s(0.3), null, null));
        d.put("Binomial_logits", new Binomial(t(5, 3), null, t2, null));
        d.put("Categorical", new Categorical(pr, null, null));
        d.put("Categorical_logits", new Categorical(null, pr, null));
        d.put("Cauchy", new Cauchy(0, 1));
        d.put("Chi2", new Chi2(3));
        d.put("Chi2_batched", new Chi2(t2));
        d.put("ContinuousBernoulli", new ContinuousBernoulli(0.3));
        d.put("Dirichlet", new Dirichlet(pr));
        d.put("Exponential", new Exponential(2));
        d.put("FisherSnedecor", new FisherSnedecor(2, 3));
        d.put("Gamma", new Gamma(2, 3));
        d.put("Gamma_batched", new Gamma(t2, s(2)));
        d.put("Geometric", new Geometric(0.3));
        d.put("Gumbel", new Gumbel(0, 1));
        d.put("HalfCauchy", new HalfCauchy(1));
        d.put("HalfNormal", new HalfNormal(1));
        d.put("HalfNormal_batched", new HalfNormal(t2));
        d.put("Independent", new Independent(new Normal(t2, t2), 1));
        d.put("Kumaraswamy", new Kumaraswamy(2, 3));
        d.put("LKJCholesky", new LKJCholesky(3, 0.5));
        d.put("Laplace", new Laplace(0, 1));
        d.put("LogNormal", new LogNormal(0, 1));
        d.put("LogisticNormal", new LogisticNormal(t2, t2));
        d.put("LowRankMultivariateNormal", new LowRankMultivariateNormal(t2, Tensor.ones(2, 1), t2));
        d.put("MixtureSameFamily", new MixtureSameFamily(new Categorical(t(0.5, 0.5), null, null), new Normal(t2, t2)));
        d.put("Multinomial", new Multinomial(4, pr, null, null));
        d.put("MultivariateNormal", new MultivariateNormal(t2, Tensor.eye(2), null, null, null));
        d.put("MultivariateNormal_tril", new MultivariateNormal(t2, null, null, Tensor.eye(2), null));
        d.put("NegativeBinomial", new NegativeBinomial(s(3), s(0.4), null, null));
        d.put("OneHotCategorical", new OneHotCategorical(pr, null, null));
        d.put("OneHotCategoricalStraightThrough", new OneHotCategoricalStraightThrough(pr, null, null));
        d.put("Pareto", new Pareto(1, 2));
        d.put("Poisson", new Poisson(2));
        d.put("Poisson_batched", new Poisson(t2));
        d.put("RelaxedBernoulli", new RelaxedBernoulli(s(0.5), s(0.3), null, null));
        d.put("LogitRelaxedBernoulli", new LogitRelaxedBernoulli(s(0.5), s(0.3), null, null));
        d.put("RelaxedOneHotCategorical", new RelaxedOneHotCategorical(s(0.5), pr, null, null));
        d.put("ExpRelaxedCategorical", new ExpRelaxedCategorical(s(0.5), pr, null, null));
        d.put("StudentT", new StudentT(3, 0, 1));
        d.put("Uniform", new Uniform(0, 2));
        d.put("Uniform_batched", new Uniform(t2.sub(1), t2));
        d.put("VonMises", new VonMises(0, 1));
        d.put("Weibull", new Weibull(1, 2));
        d.put("Wishart", new Wishart(s(3), Tensor.eye(2), null, null, null));
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, Object> e : d.entrySet()) {
            String expected = texts().get("dist_" + e.getKey());
            assertNotNull(expected, e.getKey());
            if (!expected.equals(e.getValue().toString())) {
                failures.append(e.getKey()).append(": expected ").append(expected).append(" but was ").append(e.getValue())
                        .append('\n');
            }
        }
        assertEquals("", failures.toString());
    }

    @Test
    void constraintsTransformsAndSupports() throws Exception {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("constraint_positive", Constraint.POSITIVE);
        c.put("constraint_real", Constraint.REAL);
        c.put("constraint_interval", Constraint.interval(0.0, 1.0));
        c.put("constraint_integer_interval", Constraint.integerInterval(0, 5));
        c.put("constraint_independent", Constraint.independent(Constraint.REAL, 1));
        c.put("constraint_simplex", Constraint.SIMPLEX);
        c.put("constraint_lower_cholesky", Constraint.LOWER_CHOLESKY);
        c.put("constraint_positive_definite", Constraint.POSITIVE_DEFINITE);
        c.put("constraint_corr_cholesky", Constraint.CORR_CHOLESKY);
        c.put("constraint_nonnegative_integer", Constraint.NONNEGATIVE_INTEGER);
        c.put("constraint_unit_interval", Constraint.UNIT_INTERVAL);
        c.put("constraint_boolean", Constraint.BOOLEAN);
        c.put("constraint_greater_than", Constraint.greaterThan(2.0));
        c.put("constraint_nonnegative", Constraint.NONNEGATIVE);
        c.put("constraint_real_vector", Constraint.REAL_VECTOR);
        c.put("constraint_one_hot", Constraint.ONE_HOT);
        c.put("constraint_dependent", Constraint.DEPENDENT);
        c.put("constraint_multinomial", Constraint.multinomial(3));
        c.put("constraint_half_open_interval", Constraint.HALF_OPEN_UNIT_INTERVAL);
        c.put("constraint_cat", Constraint.cat(List.of(Constraint.REAL, Constraint.POSITIVE), 0, new int[] {1, 1}));
        c.put("constraint_stack", Constraint.stack(List.of(Constraint.REAL, Constraint.POSITIVE), 0));
        c.put("transform_exp", new ExpTransform());
        c.put("transform_affine", new AffineTransform(0, 2));
        c.put("transform_sigmoid", new SigmoidTransform());
        c.put("transform_tanh", new TanhTransform());
        c.put("transform_softmax", new SoftmaxTransform());
        c.put("transform_stick_breaking", new StickBreakingTransform());
        c.put("transform_lower_cholesky", new LowerCholeskyTransform());
        c.put("transform_power", new PowerTransform(2));
        c.put("transform_abs", new AbsTransform());
        c.put("transform_softplus", new SoftplusTransform());
        c.put("transform_compose", new ComposeTransform(new ExpTransform(), new AffineTransform(0, 2)));
        c.put("transform_independent", new IndependentTransform(new ExpTransform(), 1));
        c.put("transform_reshape", new ReshapeTransform(new int[] {2, 2}, new int[] {4}));
        c.put("transform_corr_cholesky", new CorrCholeskyTransform());
        c.put("transform_cdf", new CumulativeDistributionTransform(new Normal(0, 1)));
        c.put("transform_cat", new CatTransform(List.of(new ExpTransform(), new ExpTransform()), 0, new int[] {1, 1}));
        c.put("transform_stack", new StackTransform(List.of(new ExpTransform(), new ExpTransform())));
        c.put("transform_inverse", new ExpTransform().inv());
        c.put("support_normal", new Normal(0, 1).support());
        c.put("support_beta", new Beta(1, 1).support());
        c.put("transformed", new TransformedDistribution(new Normal(0, 1), new ExpTransform()));
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, Object> e : c.entrySet()) {
            String expected = texts().get(e.getKey());
            assertNotNull(expected, e.getKey());
            if (!expected.equals(e.getValue().toString())) {
                failures.append(e.getKey()).append(": expected ").append(expected).append(" but was ").append(e.getValue())
                        .append('\n');
            }
        }
        assertEquals("", failures.toString());
    }

    @Test
    void containersAndParametrizedModules() throws Exception {
        dev.ember.nn.Sequential seq = new dev.ember.nn.Sequential(new dev.ember.nn.Linear(2, 3), new dev.ember.nn.ReLU(),
                new dev.ember.nn.Linear(3, 1));
        check("sequential", seq);
        check("sequential_slice", seq.slice(1, 3));
        check("modulelist", new dev.ember.nn.ModuleList<dev.ember.nn.Module>(new dev.ember.nn.Linear(2, 2),
                new dev.ember.nn.Linear(2, 2), new dev.ember.nn.Linear(2, 2), new dev.ember.nn.ReLU()));
        Map<String, dev.ember.nn.Module> md = new LinkedHashMap<>();
        md.put("enc", new dev.ember.nn.Linear(2, 3));
        md.put("act", new dev.ember.nn.ReLU());
        check("moduledict", new dev.ember.nn.ModuleDict<>(md));
        check("parameterlist", new dev.ember.nn.ParameterList(Tensor.zeros(2, 3).asParameter(), Tensor.zeros(4).asParameter()));
        Map<String, Tensor> pd = new LinkedHashMap<>();
        pd.put("a", Tensor.zeros(2).asParameter());
        pd.put("b", Tensor.zeros(1, 3).asParameter());
        check("parameterdict", new dev.ember.nn.ParameterDict(pd));
        dev.ember.nn.Linear sdLin = new dev.ember.nn.Linear(2, 1);
        try (GradMode off = Ember.noGrad()) {
            sdLin.weight.copy_(Tensor.tensor(new double[][] {{0.5, -1}}, DType.FLOAT32));
            sdLin.bias.fill_(0.25);
        }
        // a state dict prints as the OrderedDict PyTorch returns (Ember printed Java's {weight=tensor(...), ...})
        check("state_dict", sdLin.stateDict());
        check("state_dict_bn", new dev.ember.nn.BatchNorm1d(2).stateDict());
        check("state_dict_empty", new dev.ember.nn.ReLU().stateDict());
        check("weight_norm", dev.ember.nn.utils.Parametrizations.weightNorm(new dev.ember.nn.Linear(2, 3)));
        check("spectral_norm", dev.ember.nn.utils.Parametrizations.spectralNorm(new dev.ember.nn.Linear(2, 3)));
        check("orthogonal", dev.ember.nn.utils.Parametrizations.orthogonal(new dev.ember.nn.Linear(3, 3)));
    }

    @Test
    void parametersDtypesDevicesAndTypeInfo() throws Exception {
        check("parameter", t(1, 2).asParameter());
        check("parameter_frozen", t(1, 2).asParameter().requiresGrad_(false));
        check("dtype_float32", DType.FLOAT32);
        check("dtype_int64", DType.INT64);
        check("dtype_bool", DType.BOOL);
        check("device_cpu", Device.CPU); // print() shows str(device)
        check("device_cuda0", Device.cuda(0));
        check("finfo_float32", DTypeInfo.finfo(DType.FLOAT32));
        check("finfo_float64", DTypeInfo.finfo(DType.FLOAT64));
        check("finfo_float16", DTypeInfo.finfo(DType.FLOAT16));
        check("finfo_bfloat16", DTypeInfo.finfo(DType.BFLOAT16));
        check("iinfo_int32", DTypeInfo.iinfo(DType.INT32));
        check("iinfo_uint8", DTypeInfo.iinfo(DType.UINT8));
        // the bounds stream as doubles with six digits (1.13 and 2.x): Ember printed int32's exactly
        check("iinfo_int16", DTypeInfo.iinfo(DType.INT16));
        check("iinfo_int64", DTypeInfo.iinfo(DType.INT64));
    }
}
