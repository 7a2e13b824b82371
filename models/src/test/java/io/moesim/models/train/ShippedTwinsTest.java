package io.moesim.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The twins shipped in {@code models/twins/}: Hugging Face layout, under 32 MB, loadable by the
 * forward pass, which picks the experts the trainer's own forward picks.
 */
class ShippedTwinsTest {

    private static final String TEXT = "KING RICHARD: What must the king do now? Must he submit?\n"
            + "    public static int max(int a, int b) { return (a >= b) ? a : b; }\n";

    @Test
    void everyShippedTwinLoadsAndRoutesAsTrained() throws Exception {
        for (String name : TwinCatalog.NAMES) {
            Path dir = Path.of("twins", name);
            TwinConfig cfg = TwinCatalog.get(name);
            assertTrue(Files.size(dir.resolve("model.safetensors")) < 32L << 20, name + " is under 32 MB");
            assertTrue(Files.readString(dir.resolve("README.md")).contains("bits/byte"), name + " README");
            JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            assertEquals(cfg.arch().hfName, config.get("architectures").get(0).asText());
            TwinModel model = new TwinModel(cfg, 0);
            TwinExport.load(model, dir);
            byte[] bytes = TEXT.getBytes(StandardCharsets.US_ASCII);
            int[] tokens = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                tokens[i] = bytes[i] & 0xFF;
            }
            TwinForwardAgreementTest.assertSameRouting(model, dir, tokens);
            // trained, not random: the text costs well under the 8 bits/byte of a uniform guess
            int[][] seq = {tokens};
            double bitsPerByte = model.forward(seq).ce / Math.log(2);
            assertTrue(bitsPerByte < 4.0, name + ": " + bitsPerByte + " bits/byte on the sample");
        }
    }
}
