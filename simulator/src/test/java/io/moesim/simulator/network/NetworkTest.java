package io.moesim.simulator.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NetworkTest {

    private static final double GB = 1e9;
    // DeepEP's H800 figures: ~160 GB/s NVLink, ~50 GB/s RDMA (docs/sources.md section 4).
    private static final AllToAllKernel H800 = new AllToAllKernel("test", 160 * GB, 50 * GB, 10e-6);

    @Test
    void twoGpusInOneNodeHandComputed() {
        Topology topo = new Topology(2, 8);
        TrafficMatrix m = new TrafficMatrix(2);
        m.set(0, 1, 1.6e9);   // 1.6 GB over NVLink at 160 GB/s = 10 ms
        m.set(1, 0, 0.8e9);   // 5 ms
        m.set(0, 0, 50e9);    // local: no port
        assertEquals(10e-3 + 10e-6, H800.seconds(m, topo), 1e-12);
    }

    @Test
    void sixteenGpusOnTwoNodesHandComputed() {
        Topology topo = new Topology(16, 8);
        // Every GPU sends 1 MB to every other GPU. GPU 0: 7 MB over NVLink, 8 MB over its NIC.
        TrafficMatrix m = new TrafficMatrix(16);
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                if (i != j) {
                    m.set(i, j, 1e6);
                }
            }
        }
        PortLoads loads = PortLoads.of(m, topo);
        assertEquals(7e6, loads.maxNvlinkBytes(), 1e-6);
        assertEquals(8e6, loads.maxNicBytes(), 1e-6);
        // NIC: 8 MB / 50 GB/s = 160 us beats NVLink 7 MB / 160 GB/s = 43.75 us.
        assertEquals(160e-6 + 10e-6, H800.seconds(loads), 1e-12);
        // One hot receiver: GPU 9 gets 10 MB more from GPU 1 (cross-node) -> 18 MB on its NIC in.
        m.add(1, 9, 10e6);
        assertEquals(18e6 / 50e9 + 10e-6, H800.seconds(m, topo), 1e-12);
    }

    @Test
    void productFormMatchesTheExplicitMatrix() {
        Topology topo = new Topology(24, 8);
        SplittableRandom rng = new SplittableRandom(3);
        double[] src = new double[24], dst = new double[24];
        for (int g = 0; g < 24; g++) {
            src[g] = rng.nextInt(200);
            dst[g] = rng.nextInt(2000);
        }
        PortLoads fast = PortLoads.productForm(src, dst, 7168, topo);
        PortLoads slow = PortLoads.of(TrafficMatrix.productForm(src, dst, 7168), topo);
        for (int g = 0; g < 24; g++) {
            assertEquals(slow.nvlinkOutBytes()[g], fast.nvlinkOutBytes()[g], 1e-3);
            assertEquals(slow.nvlinkInBytes()[g], fast.nvlinkInBytes()[g], 1e-3);
            assertEquals(slow.nicOutBytes()[g], fast.nicOutBytes()[g], 1e-3);
            assertEquals(slow.nicInBytes()[g], fast.nicInBytes()[g], 1e-3);
        }
        assertEquals(slow.totalBytes(), fast.totalBytes(), 1e-3);
        assertEquals(H800.seconds(slow), H800.secondsProductForm(src, dst, 7168, topo, new double[6]), 1e-15);
        // Prepared senders give the same value to the last bit, with different NVLink and NIC bytes too.
        AllToAllKernel.Sources sources = new AllToAllKernel.Sources(topo);
        sources.set(src);
        assertEquals(H800.secondsProductForm(src, dst, 7168, 3000, topo, new double[6]),
                H800.secondsProductForm(sources, dst, 7168, 3000), 0.0);
        assertEquals(H800.secondsProductForm(src, dst, 7168, topo, new double[6]),
                H800.secondsProductForm(sources, dst, 7168, 7168), 0.0);
    }

    @Test
    void combineReturnsWhatDispatchSent() {
        double[] src = {100, 50, 0, 25};
        double[] dst = {200, 100, 300, 100};
        TrafficMatrix dispatch = TrafficMatrix.productForm(src, dst, 1.0);  // 1 "byte" = 1 token copy
        TrafficMatrix combine = dispatch.transposed(1.0);
        assertEquals(700, dispatch.totalBytes(), 1e-9);
        assertEquals(dispatch.totalBytes(), combine.totalBytes(), 1e-9);
        for (int i = 0; i < 4; i++) {
            double sent = 0, returned = 0;
            for (int j = 0; j < 4; j++) {
                sent += dispatch.bytes(i, j);
                returned += combine.bytes(j, i);
            }
            assertEquals(sent, returned, 1e-9);
        }
    }

    @Test
    void moreBandwidthOrFewerBytesIsNeverSlower() {
        Topology topo = new Topology(32, 8);
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            double[] src = new double[32], dst = new double[32];
            for (int g = 0; g < 32; g++) {
                src[g] = rng.nextInt(100);
                dst[g] = rng.nextInt(1000);
            }
            PortLoads loads = PortLoads.productForm(src, dst, 7400, topo);
            double base = H800.seconds(loads);
            AllToAllKernel faster = new AllToAllKernel("f", 160 * GB * (1 + rng.nextDouble()),
                    50 * GB * (1 + rng.nextDouble()), 10e-6);
            assertTrue(faster.seconds(loads) <= base);
            double[] fewer = dst.clone();
            fewer[rng.nextInt(32)] *= rng.nextDouble();
            assertTrue(H800.seconds(PortLoads.productForm(src, fewer, 7400, topo)) <= base + 1e-15);
        }
    }

    @Test
    void collectivesHandComputed() {
        LinkSpec nvlink = new LinkSpec(160 * GB, 5e-6);
        // Ring all-reduce of 16 MB over 4 GPUs: 2*3/4*16e6/160e9 = 150 us, plus 6 * 5 us.
        assertEquals(150e-6 + 30e-6, Collectives.ringAllReduceSeconds(16e6, 4, nvlink), 1e-12);
        // All-gather to 16 MB on 4 GPUs: 3/4*16e6/160e9 = 75 us, plus 3 * 5 us.
        assertEquals(75e-6 + 15e-6, Collectives.allGatherSeconds(16e6, 4, nvlink), 1e-12);
        // Tiny buffer: tree (2 levels) wins over ring.
        assertEquals(2 * 1e3 / 160e9 + 4 * 5e-6, Collectives.allReduceSeconds(1e3, 4, nvlink), 1e-12);
        assertEquals(0, Collectives.allReduceSeconds(1e9, 1, nvlink));
    }

    @Test
    void concurrentTransfersQueueOnSharedPorts() {
        Port a = new Port(new LinkSpec(50 * GB, 2e-6));
        Port b = new Port(new LinkSpec(25 * GB, 3e-6));
        Port c = new Port(new LinkSpec(50 * GB, 2e-6));
        double first = Port.transfer(0.0, 50e6, a, b);   // slowest port 25 GB/s: 2 ms + 3 us
        assertEquals(2e-3 + 3e-6, first, 1e-12);
        double second = Port.transfer(0.0, 50e6, a, c);  // waits for port a until 2 ms, then 1 ms
        assertEquals(3e-3 + 2e-6, second, 1e-12);
        double third = Port.transfer(5e-3, 50e6, c);     // port free again
        assertEquals(6e-3 + 2e-6, third, 1e-12);
        assertEquals(100e6, a.bytesCarried());
    }
}
