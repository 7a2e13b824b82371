package io.moesim.models.kernels;

import io.moesim.models.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The routed experts of one MoE layer as weight views, in either checkpoint layout:
 * {@linkplain #separate one tensor per expert} ({@code gate_proj}/{@code up_proj}
 * {@code [ff, d]}, {@code down_proj} {@code [d, ff]}), or {@linkplain #packed packed}
 * {@code gate_up [E, 2*ff, d]} (gate rows first) and {@code down [E, d, ff]}, where expert
 * {@code e} is the slice at offset {@code e * stride}. Nothing is copied.
 *
 * @param gate per expert {@code [ff, d]}
 * @param up   per expert {@code [ff, d]}
 * @param down per expert {@code [d, ff]}
 */
public record ExpertWeights(List<Tensor> gate, List<Tensor> up, List<Tensor> down) {

    public ExpertWeights {
        gate = List.copyOf(gate);
        up = List.copyOf(up);
        down = List.copyOf(down);
        if (gate.isEmpty() || gate.size() != up.size() || gate.size() != down.size()) {
            throw new IllegalArgumentException("need the same positive number of gate, up and down tensors");
        }
        int ff = gate.getFirst().dim(0);
        int d = gate.getFirst().dim(1);
        for (int e = 0; e < gate.size(); e++) {
            Tensor g = gate.get(e);
            Tensor u = up.get(e);
            Tensor dn = down.get(e);
            if (g.rank() != 2 || u.rank() != 2 || dn.rank() != 2
                    || g.dim(0) != ff || g.dim(1) != d || u.dim(0) != ff || u.dim(1) != d || dn.dim(0) != d || dn.dim(1) != ff) {
                throw new IllegalArgumentException("expert " + e + ": gate " + g + ", up " + u + ", down " + dn
                        + " do not match gate/up [" + ff + ", " + d + "], down [" + d + ", " + ff + "]");
            }
        }
    }

    /** One tensor per expert. */
    public static ExpertWeights separate(List<Tensor> gate, List<Tensor> up, List<Tensor> down) {
        return new ExpertWeights(gate, up, down);
    }

    /** Packed {@code gateUp [E, 2*ff, d]} (rows {@code [0, ff)} gate, {@code [ff, 2ff)} up) and {@code down [E, d, ff]}. */
    public static ExpertWeights packed(Tensor gateUp, Tensor down) {
        gateUp.requireRank(3);
        down.requireRank(3);
        if (gateUp.dim(1) % 2 != 0) {
            throw new IllegalArgumentException("gate_up " + gateUp + " has an odd second dimension");
        }
        int ff = gateUp.dim(1) / 2;
        List<Tensor> g = new ArrayList<>();
        List<Tensor> u = new ArrayList<>();
        List<Tensor> dn = new ArrayList<>();
        for (int e = 0; e < gateUp.dim(0); e++) {
            Tensor both = gateUp.slice(e);
            g.add(both.rows(0, ff));
            u.add(both.rows(ff, ff));
            dn.add(down.slice(e));
        }
        if (down.dim(0) != gateUp.dim(0)) {
            throw new IllegalArgumentException("gate_up " + gateUp + " and down " + down + " differ in expert count");
        }
        return new ExpertWeights(g, u, dn);
    }

    /** Number of experts. */
    public int experts() {
        return gate.size();
    }

    /** Model width d. */
    public int hidden() {
        return gate.getFirst().dim(1);
    }

    /** Expert intermediate width ff. */
    public int intermediate() {
        return gate.getFirst().dim(0);
    }
}
