package io.moesim.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.forward.ForwardModel;
import io.moesim.models.forward.SequenceCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported twin, loaded by the inference forward pass like a downloaded checkpoint, computes
 * the trainer's logits and picks the trainer's experts with the trainer's gate weights.
 */
class TwinForwardAgreementTest {

    /** Per MoE layer, the experts (as sorted sets per token) and weights by expert that the forward pass chose. */
    static void assertSameRouting(TwinModel model, Path dir, int[] tokens) {
        int[][] seq = {Arrays.copyOf(tokens, tokens.length + 1)};
        TwinModel.Tape tape = model.forward(seq);
        int t = tokens.length;
        int k = model.config().topK();
        List<int[]> fwdExperts = new ArrayList<>();
        List<float[]> fwdWeights = new ArrayList<>();
        List<Integer> fwdLayers = new ArrayList<>();
        float[] logits;
        try (ForwardModel fm = ForwardModel.load(dir)) {
            SequenceCache cache = fm.newCache(t);
            logits = fm.forward(tokens, cache, (layer, n, topK, experts, weights) -> {
                fwdLayers.add(layer);
                fwdExperts.add(experts.clone());
                fwdWeights.add(weights.clone());
            }, ForwardModel.Logits.ALL);
        }
        int moeLayers = 0;
        for (int l = 0; l < model.config().numLayers(); l++) {
            if (tape.selected[l] == null) {
                continue;
            }
            int idx = fwdLayers.indexOf(l);
            assertTrue(idx >= 0, "forward pass reported no routing for layer " + l);
            moeLayers++;
            for (int tok = 0; tok < t; tok++) {
                int[] mine = Arrays.copyOfRange(tape.selected[l], tok * k, tok * k + k);
                int[] theirs = Arrays.copyOfRange(fwdExperts.get(idx), tok * k, tok * k + k);
                int[] a = mine.clone();
                int[] b = theirs.clone();
                Arrays.sort(a);
                Arrays.sort(b);
                assertEquals(Arrays.toString(a), Arrays.toString(b), "layer " + l + " token " + tok);
                for (int j = 0; j < k; j++) {
                    int e = mine[j];
                    int jj = 0;
                    while (theirs[jj] != e) {
                        jj++;
                    }
                    assertEquals(tape.weights[l][tok * k + j], fwdWeights.get(idx)[tok * k + jj], 1e-4,
                            "weight of expert " + e + " layer " + l + " token " + tok);
                }
            }
        }
        assertEquals(moeLayers, fwdLayers.size());
        int v = model.config().vocabSize();
        for (int tok = 0; tok < t; tok++) {
            // the trainer saves softmax probabilities; compare log-probability of every vocabulary entry
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, logits[tok * v + j]);
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                sum += Math.exp(logits[tok * v + j] - max);
            }
            for (int j = 0; j < v; j++) {
                double theirs = logits[tok * v + j] - max - Math.log(sum);
                double mine = Math.log(tape.probs[tok * v + j]);
                assertEquals(mine, theirs, 2e-3, "log p token " + tok + " vocab " + j);
            }
        }
    }

    private static void check(TwinConfig.Arch arch, Path dir) throws Exception {
        TwinConfig tiny = GradientCheckTest.tiny(arch);
        TwinConfig cfg = new TwinConfig("agree", arch, TwinConfig.BYTE_VOCAB, tiny.hiddenSize(), tiny.numLayers(), 12,
                tiny.numHeads(), tiny.numKvHeads(), tiny.headDim(), tiny.qLoraRank(), tiny.kvLoraRank(),
                tiny.qkNopeHeadDim(), tiny.qkRopeHeadDim(), tiny.vHeadDim(), tiny.denseIntermediate(),
                tiny.firstDenseLayers(), tiny.numExperts(), tiny.topK(), tiny.moeIntermediate(), tiny.sharedExperts(),
                tiny.sigmoid(), tiny.numGroups(), tiny.topKGroups(), tiny.routedScaling(), tiny.auxLossCoef(),
                tiny.biasUpdateSpeed(), tiny.ropeTheta(), tiny.rmsEps());
        TwinModel model = new TwinModel(cfg, 11);
        SplittableRandom rnd = new SplittableRandom(5);
        for (Param p : model.params()) {
            float[] w = p.w();
            for (int i = 0; i < w.length; i++) {
                w[i] = p.decay() ? w[i] * 20f : 1f + (float) (rnd.nextDouble() - 0.5) * 0.5f;
            }
        }
        for (float[] b : model.biases()) {
            if (b != null) {
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (rnd.nextDouble() - 0.5) * 0.3f;
                }
            }
        }
        TwinExport.write(model, dir, false);
        int[] tokens = new int[12];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rnd.nextInt(256);
        }
        assertSameRouting(model, dir, tokens);
    }

    @Test
    void mixtralTwinLoadsAndRoutesAlike(@TempDir Path dir) throws Exception {
        check(TwinConfig.Arch.MIXTRAL, dir);
    }

    @Test
    void qwen3TwinLoadsAndRoutesAlike(@TempDir Path dir) throws Exception {
        check(TwinConfig.Arch.QWEN3_MOE, dir);
    }

    @Test
    void deepseekV3TwinLoadsAndRoutesAlike(@TempDir Path dir) throws Exception {
        check(TwinConfig.Arch.DEEPSEEK_V3, dir);
    }

    @Test
    void tracesOfATwinHoldTheTrainersRouting(@TempDir Path dir) throws Exception {
        TwinConfig tiny = GradientCheckTest.tiny(TwinConfig.Arch.QWEN3_MOE);
        TwinConfig cfg = new TwinConfig("trace", tiny.arch(), TwinConfig.BYTE_VOCAB, tiny.hiddenSize(), tiny.numLayers(),
                8, tiny.numHeads(), tiny.numKvHeads(), tiny.headDim(), 0, 0, 0, 0, 0, 0, 0, tiny.numExperts(),
                tiny.topK(), tiny.moeIntermediate(), 0, false, 1, 1, 1.0, 0.01, 0, 10000, 1e-6);
        TwinModel model = new TwinModel(cfg, 2);
        for (Param p : model.params()) {
            if (p.decay()) {
                for (int i = 0; i < p.w().length; i++) {
                    p.w()[i] *= 20f;
                }
            }
        }
        TwinExport.write(model, dir, false);
        byte[] text = "The quick brown fox; int x = 1; Configure the daemon. ".repeat(40)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Corpus corpus = new Corpus(Corpus.DOMAINS, new byte[][] {text, text, text}, new byte[][] {text, text, text});
        List<Path> files = TwinTraces.record(dir, corpus, 8, 64);
        assertEquals(3, files.size());
        io.moesim.models.trace.RouterTrace prose = io.moesim.models.trace.RouterTrace.read(files.get(0));
        assertEquals(64, prose.numTokens());
        assertEquals(cfg.numLayers(), prose.numRecordedLayers());
        int[][] seq = new int[1][9];
        for (int i = 0; i < 9; i++) {
            seq[0][i] = text[8 + i] & 0xFF; // second window of the prose trace
        }
        TwinModel.Tape tape = model.forward(seq);
        for (int tok = 0; tok < 8; tok++) {
            for (int l = 0; l < cfg.numLayers(); l++) {
                int[] mine = Arrays.copyOfRange(tape.selected[l], tok * cfg.topK(), (tok + 1) * cfg.topK());
                int[] theirs = new int[cfg.topK()];
                prose.copyExperts(8 + tok, l, theirs, 0);
                Arrays.sort(mine);
                Arrays.sort(theirs);
                assertEquals(Arrays.toString(mine), Arrays.toString(theirs), "token " + tok + " layer " + l);
            }
        }
    }
}
