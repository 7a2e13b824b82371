package io.moesim.models.forward;

import io.moesim.models.forward.ModelConfig.Router;
import io.moesim.models.forward.ModelConfig.Scoring;
import io.moesim.models.forward.ModelConfig.Selection;

/**
 * The router of one token: from its gate logits to the chosen experts (descending weight) and
 * the weights the model applies, with the semantics of the Hugging Face implementations:
 * <ul>
 *   <li>scores: softmax over all experts, or sigmoid per expert;</li>
 *   <li>selection scores: the scores, plus {@code e_score_correction_bias} when configured (used
 *       only for choosing, never as a weight);</li>
 *   <li>group-limited selection keeps the {@code topk_group} groups ranked by their best selection
 *       score (DeepSeek-V2) or the sum of their two best (DeepSeek-V3); experts of other groups get
 *       selection score 0, as {@code masked_fill(~mask, 0.0)} does;</li>
 *   <li>the top-k selection scores choose; their unbiased scores are the weights, divided by their
 *       sum when normalising (DeepSeek adds 1e-20 and only normalises for k > 1), then multiplied by
 *       the routed scaling factor (DeepSeek-V2 only when not normalising).</li>
 * </ul>
 */
final class Routing {

    private Routing() {
    }

    /**
     * Routes one token.
     *
     * @param logits     gate logits, {@code numExperts} values from {@code logitsOffset}
     * @param bias       the selection bias, or null
     * @param topK       experts to choose
     * @param experts    receives the chosen experts at {@code outOffset}
     * @param weights    receives their weights at {@code outOffset}
     */
    static void route(Router r, float[] logits, int logitsOffset, int numExperts, float[] bias, int topK,
                      boolean deepseek, int[] experts, float[] weights, int outOffset) {
        double[] scores = new double[numExperts];
        if (r.scoring() == Scoring.SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < numExperts; e++) {
                max = Math.max(max, logits[logitsOffset + e]);
            }
            double sum = 0;
            for (int e = 0; e < numExperts; e++) {
                scores[e] = Math.exp(logits[logitsOffset + e] - max);
                sum += scores[e];
            }
            for (int e = 0; e < numExperts; e++) {
                scores[e] /= sum;
            }
        } else {
            for (int e = 0; e < numExperts; e++) {
                scores[e] = 1.0 / (1.0 + Math.exp(-logits[logitsOffset + e]));
            }
        }
        double[] choice = scores.clone();
        if (r.selectionBias() && bias != null) {
            for (int e = 0; e < numExperts; e++) {
                choice[e] += bias[e];
            }
        }
        if (r.selection() != Selection.GREEDY) {
            int groups = r.numGroups();
            int per = numExperts / groups;
            double[] groupScore = new double[groups];
            for (int g = 0; g < groups; g++) {
                double best = Double.NEGATIVE_INFINITY;
                double second = Double.NEGATIVE_INFINITY;
                for (int e = g * per; e < (g + 1) * per; e++) {
                    double v = choice[e];
                    if (v > best) {
                        second = best;
                        best = v;
                    } else if (v > second) {
                        second = v;
                    }
                }
                groupScore[g] = r.selection() == Selection.GROUP_MAX ? best : best + second;
            }
            boolean[] kept = new boolean[groups];
            for (int g : top(groupScore, r.topKGroups())) {
                kept[g] = true;
            }
            for (int e = 0; e < numExperts; e++) {
                if (!kept[e / per]) {
                    choice[e] = 0.0;
                }
            }
        }
        int[] chosen = top(choice, topK);
        double[] w = new double[topK];
        double sum = deepseek ? 1e-20 : 0.0;
        for (int j = 0; j < topK; j++) {
            w[j] = scores[chosen[j]];
            sum += w[j];
        }
        boolean normalize = r.normTopK() && (!deepseek || topK > 1);
        double factor = r.scaleOnlyUnnormalized() && normalize ? 1.0 : r.scalingFactor();
        for (int j = 0; j < topK; j++) {
            w[j] = (normalize ? w[j] / sum : w[j]) * factor;
        }
        // descending weight; insertion sort keeps the selection order for equal weights
        for (int j = 1; j < topK; j++) {
            double wj = w[j];
            int ej = chosen[j];
            int i = j - 1;
            while (i >= 0 && w[i] < wj) {
                w[i + 1] = w[i];
                chosen[i + 1] = chosen[i];
                i--;
            }
            w[i + 1] = wj;
            chosen[i + 1] = ej;
        }
        for (int j = 0; j < topK; j++) {
            experts[outOffset + j] = chosen[j];
            weights[outOffset + j] = (float) w[j];
        }
    }

    /** Indices of the k largest values, largest first (lower index first among equals). */
    static int[] top(double[] v, int k) {
        int[] idx = new int[k];
        boolean[] taken = new boolean[v.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < v.length; i++) {
                if (!taken[i] && (best < 0 || v[i] > v[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            idx[j] = best;
        }
        return idx;
    }
}
