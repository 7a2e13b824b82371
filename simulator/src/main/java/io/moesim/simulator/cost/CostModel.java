package io.moesim.simulator.cost;

import io.moesim.simulator.analytic.PoolEstimate;
import java.util.List;

/**
 * Prices a deployment: GPU-hours over tokens served. Input tokens are charged the prefill work
 * (the prefill pool, or the colocated pool's share of time spent prefilling), output tokens the
 * decode work. Input tokens are counted with their prefix-cache hits (the tokens a user sends, as
 * DeepSeek's revenue counts them); a hit costs no prefill compute, so a higher hit rate lowers the
 * price per input token. Power is not priced separately: the GPU-hour price includes it.
 */
public final class CostModel {

    private CostModel() {
    }

    /**
     * The cost figures.
     *
     * @param usdPerHour                all GPUs of the deployment for one hour
     * @param usdPerMillionInputTokens  or NaN when no pool prefills
     * @param usdPerMillionOutputTokens or NaN when no pool decodes
     */
    public record Cost(double usdPerHour, double usdPerMillionInputTokens, double usdPerMillionOutputTokens) {
    }

    /** Prices {@code pools} at {@code usdPerGpuHour}. */
    public static Cost of(List<PoolEstimate> pools, double usdPerGpuHour) {
        double usdPerHour = 0;
        double prefillUsdPerHour = 0;
        double decodeUsdPerHour = 0;
        double input = 0;
        double output = 0;
        boolean prefills = false;
        boolean decodes = false;
        for (PoolEstimate pool : pools) {
            double poolUsd = pool.pool().gpus() * usdPerGpuHour;
            usdPerHour += poolUsd;
            prefillUsdPerHour += poolUsd * pool.prefillTimeFraction();
            decodeUsdPerHour += poolUsd * (1 - pool.prefillTimeFraction());
            input += pool.inputTokensPerSecond();
            output += pool.outputTokensPerSecond();
            prefills |= pool.pool().role().prefills();
            decodes |= pool.pool().role().decodes();
        }
        double perInput = prefills && input > 0 ? prefillUsdPerHour / (input * 3600) * 1e6 : Double.NaN;
        double perOutput = decodes && output > 0 ? decodeUsdPerHour / (output * 3600) * 1e6 : Double.NaN;
        return new Cost(usdPerHour, perInput, perOutput);
    }
}
