package io.moesim.simulator.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlacementFileTest {

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackYamlAndJson() {
        Placement p = Placer.place(PlacementStrategy.EPLB_HIERARCHICAL, EplbTest.README_WEIGHT, 8, 4, 4, 4);
        for (String name : new String[] {"p.yaml", "p.json"}) {
            Path file = dir.resolve(name);
            PlacementFile.write(p, file);
            Placement back = PlacementFile.read(file, 12, 2);
            assertEquals(p, back, name);
        }
    }

    @Test
    void gpusMayHoldDifferentExpertCountsWithEmptySlots() throws Exception {
        Path file = dir.resolve("uneven.yaml");
        Files.writeString(file, "experts: 4\nlayers:\n  - [[0], [2, 3, 1]]\n");
        Placement p = PlacementFile.read(file, 4, 1);
        LayerPlacement layer = p.layer(0);
        assertEquals(3, layer.slotsPerGpu());
        assertEquals(4, layer.numSlots());
        assertEquals(1, layer.expertCount(0));
        assertEquals(io.moesim.simulator.routing.ExpertPlacement.EMPTY, layer.expertAt(0, 1));
        // Written back, the empty slots are left out and read back the same.
        Path again = dir.resolve("again.json");
        PlacementFile.write(p, again);
        assertEquals(p, PlacementFile.read(again, 4, 1));
    }

    @Test
    void oneLayerIsUsedForEveryLayer() throws Exception {
        Path file = dir.resolve("one.yaml");
        Files.writeString(file, "experts: 4\nlayers:\n  - [[0, 1], [2, 3]]\n");
        Placement p = PlacementFile.read(file, 4, 3);
        assertEquals(3, p.numLayers());
        assertEquals(2, p.numGpus());
        assertEquals(2, p.gpusPerNode());
    }

    @Test
    void badFilesNameTheField() throws Exception {
        assertError("experts: 4\nlayers:\n  - [[0, 1], [2, 2]]\n", "layers[0]: expert 3 is placed on no GPU");
        assertError("experts: 4\nlayers:\n  - [[0, 1], [2, 9]]\n", "layers[0][1][1]: expected an expert id in [0, 4)");
        assertError("experts: 5\nlayers:\n  - [[0, 1, 4], [2, 3, 1]]\n", "experts: 5 experts, but the model has 4");
        assertError("experts: 4\nlayers:\n  - [[0, 1], [2, 3]]\n  - [[0, 1], [2, 3]]\n",
                "layers: 2 layers, but the model has 3 MoE layers");
        assertError("experts: 4\nlayer: []\n", "layer: unknown key");
        assertError("experts: 4\ngpusPerNode: 3\nlayers:\n  - [[0, 1], [2, 3]]\n", "gpusPerNode: 3 does not divide 2 GPUs");
    }

    private void assertError(String yaml, String expected) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, yaml);
        InputException e = assertThrows(InputException.class, () -> PlacementFile.read(file, 4, 3));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
