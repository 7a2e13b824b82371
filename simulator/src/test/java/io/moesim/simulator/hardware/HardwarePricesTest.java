package io.moesim.simulator.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.config.Yaml;
import io.moesim.simulator.hardware.HardwareProfile.Price.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The price kinds of the hardware profiles (issue 14: the cost chart compared unlike prices). */
class HardwarePricesTest {

    /** Owner/reserved price and CoreWeave's Feb 2026 on-demand list price, as docs/sources.md section 1 gives them. */
    private static final Map<String, double[]> PRICES = Map.of(
            "h800", new double[] {2.00, Double.NaN},
            "h100", new double[] {2.30, 6.16},
            "h200", new double[] {2.30, 6.31},
            "b200", new double[] {1.95, 8.60},
            "gb200-nvl72", new double[] {3.20, 10.50});

    @Test
    void everyShippedProfileHasTheSameKindsEachSourced() {
        assertEquals(PRICES.keySet(), java.util.Set.copyOf(HardwareProfiles.ids()));
        for (HardwareProfile p : HardwareProfiles.all()) {
            double[] expected = PRICES.get(p.id());
            Quantity owner = p.price().of(Kind.OWNER).orElseThrow();
            assertEquals(expected[0], owner.value(), 1e-12, p.id());
            // The default of scenarios is the owner/reserved kind: the same quantity.
            assertEquals(owner, p.price().usdPerGpuHour(), p.id());
            assertTrue(owner.source().startsWith("owner/reserved:"), p.id() + ": " + owner.source());
            assertTrue(owner.source().contains("docs/sources.md section 1, prices"), p.id());
            if (Double.isNaN(expected[1])) {
                assertFalse(p.price().of(Kind.ON_DEMAND).isPresent(), p.id() + " has no published on-demand price");
            } else {
                Quantity onDemand = p.price().of(Kind.ON_DEMAND).orElseThrow();
                assertEquals(expected[1], onDemand.value(), 1e-12, p.id());
                assertEquals(Quantity.Kind.SPEC, onDemand.kind(), p.id());
                assertTrue(onDemand.source().contains("https://www.coreweave.com/pricing"), p.id());
            }
        }
    }

    @Test
    void loaderReadsTheOnDemandPriceAndLeavesItOutWhenAbsentOrNull() throws IOException {
        String h800 = text("h800.yaml");
        assertFalse(parse(h800).price().of(Kind.ON_DEMAND).isPresent());
        String withPrice = h800.replaceFirst("(?m)^price:.*\\n", "price:\n  onDemandUsdPerGpuHour: { value: 4.5,"
                + " unit: \"USD/GPU-hour\", kind: spec, source: \"a list\" }\n");
        Quantity onDemand = parse(withPrice).price().of(Kind.ON_DEMAND).orElseThrow();
        assertEquals(4.5, onDemand.value());
        assertEquals("a list", onDemand.source());
        assertEquals(2.0, parse(withPrice).price().usdPerGpuHour().value());
        String withNull = h800.replaceFirst("(?m)^price:.*\\n", "price:\n  onDemandUsdPerGpuHour: null\n");
        assertFalse(parse(withNull).price().of(Kind.ON_DEMAND).isPresent());
    }

    @Test
    void badPricesNameTheField() throws IOException {
        String h100 = text("h100.yaml");
        InputException negative = assertThrows(InputException.class,
                () -> parse(h100.replace("onDemandUsdPerGpuHour: { value: 6.16", "onDemandUsdPerGpuHour: { value: -6.16")));
        assertTrue(negative.getMessage().startsWith("x.yaml: price.onDemandUsdPerGpuHour.value: "), negative.getMessage());
        InputException unsourced = assertThrows(InputException.class, () -> parse(h100.replaceFirst(
                "(onDemandUsdPerGpuHour: \\{[^}]*), source: \"[^\"]*\"", "$1")));
        assertEquals("x.yaml: price.onDemandUsdPerGpuHour.source: missing", unsourced.getMessage());
        InputException unknownKind = assertThrows(InputException.class,
                () -> parse(h100.replace("onDemandUsdPerGpuHour:", "spotUsdPerGpuHour:")));
        assertTrue(unknownKind.getMessage().startsWith("x.yaml: price"), unknownKind.getMessage());
        assertTrue(unknownKind.getMessage().contains("spotUsdPerGpuHour"), unknownKind.getMessage());
    }

    @Test
    void kindsNameTheirKeys() {
        assertEquals("usdPerGpuHour", Kind.OWNER.key());
        assertEquals("onDemandUsdPerGpuHour", Kind.ON_DEMAND.key());
        assertEquals("on-demand list price", Kind.ON_DEMAND.label());
    }

    private static String text(String file) throws IOException {
        return new String(HardwareProfiles.class.getResourceAsStream(HardwareProfiles.RESOURCE_DIR + file)
                .readAllBytes(), StandardCharsets.UTF_8);
    }

    private static HardwareProfile parse(String text) throws IOException {
        return HardwareProfiles.parse("x.yaml",
                Yaml.read("x.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    }
}
