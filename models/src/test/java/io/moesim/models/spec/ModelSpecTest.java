package io.moesim.models.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelSpecTest {

    private static ModelSpec model(int layers, int firstDense, int step) {
        return new ModelSpec("m", "M", "X", "test", layers, 64, 100, false,
                new AttentionSpec.Gqa(4, 2, 16, false, false, 0, 0), firstDense, step, 128,
                new MoeSpec(8, 2, 32, 0, 0, false, RoutingSpec.softmax(true)), 0, 4096);
    }

    @Test
    void deepSeekStyleLeadingDenseLayers() {
        ModelSpec m = model(61, 3, 1);
        assertFalse(m.isMoeLayer(2));
        assertTrue(m.isMoeLayer(3));
        assertEquals(58, m.numMoeLayers());
        assertEquals(3, m.numDenseLayers());
    }

    @Test
    void llama4StyleInterleavedLayers() {
        ModelSpec m = model(48, 0, 2);
        assertFalse(m.isMoeLayer(0));
        assertTrue(m.isMoeLayer(1));
        assertEquals(24, m.numMoeLayers());
    }

    @Test
    void rejectsTopKAboveExperts() {
        assertThrows(IllegalArgumentException.class,
                () -> new MoeSpec(4, 5, 32, 0, 0, false, RoutingSpec.softmax(true)));
    }

    @Test
    void rejectsKvHeadsThatDoNotDivideHeads() {
        assertThrows(IllegalArgumentException.class, () -> new AttentionSpec.Gqa(6, 4, 16, false, false, 0, 0));
    }

    @Test
    void slidingWindowLayersMustLeaveEveryNthLayerGlobal() {
        AttentionSpec.Gqa oddLayout = new AttentionSpec.Gqa(4, 2, 16, false, false, 128, 5);
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("m", "M", "X", "test", 8, 64, 100, false,
                oddLayout, 0, 1, 0, new MoeSpec(8, 2, 32, 0, 0, false, RoutingSpec.softmax(true)), 0, 4096));
        AttentionSpec.Gqa threeInFour = new AttentionSpec.Gqa(4, 2, 16, false, false, 128, 6);
        ModelSpec m = new ModelSpec("m", "M", "X", "test", 8, 64, 100, false, threeInFour, 0, 1, 0,
                new MoeSpec(8, 2, 32, 0, 0, false, RoutingSpec.softmax(true)), 0, 4096);
        assertTrue(m.isSlidingWindowLayer(0));
        assertFalse(m.isSlidingWindowLayer(3));
        assertFalse(m.isSlidingWindowLayer(7));
        assertTrue(m.isSlidingWindowLayer(6));
    }
}
