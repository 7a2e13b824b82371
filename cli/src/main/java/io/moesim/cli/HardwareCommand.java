package io.moesim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.hardware.Quantity;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moesim hardware list|show}: the shipped hardware profiles. */
@Command(name = "hardware", description = "Lists and shows hardware profiles.",
        subcommands = {HardwareCommand.ListCommand.class, HardwareCommand.ShowCommand.class})
public final class HardwareCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code moesim hardware list}. */
    @Command(name = "list", description = "Lists the shipped hardware profiles.")
    static final class ListCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-12s %-40s %9s %9s %8s %7s %9s %9s%n", "ID", "NAME", "BF16 TF", "FP8 TF", "HBM GB", "TB/s",
                    "OWNER $/h", "OD $/h");
            for (HardwareProfile p : HardwareProfiles.all()) {
                HardwareProfile.Gpu gpu = p.gpu();
                Quantity fp8 = gpu.peakFlopsPerSecond().get(DataType.FP8);
                out.printf(Locale.ROOT, "%-12s %-40s %9.0f %9s %8.0f %7.2f %9.2f %9s%n", p.id(), p.name(),
                        gpu.peakFlopsPerSecond().get(DataType.BF16).value() / 1e12,
                        fp8 == null ? "-" : String.format(Locale.ROOT, "%.0f", fp8.value() / 1e12),
                        gpu.hbmBytes().value() / 1e9, gpu.hbmBytesPerSecond().value() / 1e12,
                        p.price().usdPerGpuHour().value(),
                        p.price().of(HardwareProfile.Price.Kind.ON_DEMAND)
                                .map(q -> String.format(Locale.ROOT, "%.2f", q.value())).orElse("-"));
            }
            out.println("OWNER: owner/reserved cost per GPU-hour, the default of scenarios; OD: on-demand list price"
                    + " (- where none is published). Sources: moesim hardware show ID.");
            out.flush();
        }
    }

    /** {@code moesim hardware show ID [--json]}. */
    @Command(name = "show", description = "Shows one hardware profile with the source of every number.")
    static final class ShowCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "profile id, or a path to a profile YAML")
        String id;

        @Option(names = "--json", description = "print the profile as JSON")
        boolean json;

        @Override
        public void run() {
            HardwareProfile p = HardwareProfiles.resolve(id, null);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                try {
                    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                    out.println(mapper.writeValueAsString(p));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                out.flush();
                return;
            }
            out.printf("%s (%s): %s%n", p.id(), p.name(), p.description());
            out.println("gpu:");
            for (Map.Entry<DataType, Quantity> e : p.gpu().peakFlopsPerSecond().entrySet()) {
                line(out, "peak " + e.getKey().key(), e.getValue());
            }
            line(out, "hbmBytes", p.gpu().hbmBytes());
            line(out, "hbmBytesPerSecond", p.gpu().hbmBytesPerSecond());
            line(out, "powerWatts", p.gpu().powerWatts());
            line(out, "runtimeReservedBytes", p.gpu().runtimeReservedBytes());
            out.println("network:");
            line(out, "gpusPerNode", p.network().gpusPerNode());
            line(out, "nvlinkDomainGpus", p.network().nvlinkDomainGpus());
            line(out, "nvlinkBytesPerSecond", p.network().nvlinkBytesPerSecond());
            line(out, "nicsPerGpu", p.network().nicsPerGpu());
            line(out, "nicBitsPerSecond", p.network().nicBitsPerSecond());
            out.println("price: (kinds are not comparable with each other; scenarios default to the owner/reserved one)");
            for (HardwareProfile.Price.Kind kind : HardwareProfile.Price.Kind.values()) {
                String name = kind.key() + " (" + kind.label() + ")";
                p.price().of(kind).ifPresentOrElse(q -> line(out, name, q),
                        () -> out.printf(Locale.ROOT, "  %-32s none published for this hardware%n", name));
            }
            io.moesim.simulator.kernels.KernelProfile k = p.kernels();
            out.printf("kernels: %s (%s)%n", k.id(), k.software());
            out.printf("  interpolation: %s%n", k.interpolation());
            for (io.moesim.simulator.kernels.KernelTable t : k.tables().values()) {
                String basis = t.calibrated() ? t.basis().key() : "uncalibrated";
                out.printf(Locale.ROOT, "  %-46s %-9s [%s] %s%n", t.key(), t.unit(), basis, t.describeValues());
                out.printf("  %-46s %s%s%n", "", t.source(), t.calibrated() ? "" : "; fallback: " + t.fallback());
            }
            out.flush();
        }

        private static void line(PrintWriter out, String name, Quantity q) {
            out.printf(Locale.ROOT, "  %-32s %-12s %-13s [%s] %s%n", name, String.format(Locale.ROOT, "%.4g", q.value()),
                    q.unit(), q.kind().name().toLowerCase(Locale.ROOT), q.source());
        }
    }
}
