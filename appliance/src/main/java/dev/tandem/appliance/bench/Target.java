package dev.tandem.appliance.bench;

import java.util.Map;

/** What the bench drives: Tandem ({@link BenchTarget}) or the bare java-control-plane baseline ({@link BaselineTarget}). */
interface Target extends AutoCloseable {

    String name();

    int xdsPort();

    /** Where its PKI is: the bench issues client certificates with its CA. */
    java.nio.file.Path pkiDir();

    /** Serves {@code yaml} next; returns when the target took it. */
    void apply(String yaml) throws Exception;

    /** Per node group, per type, the version served for the config applied last. */
    Map<String, Map<String, String>> versions() throws Exception;

    /** ADS streams the target holds now. */
    int streams() throws Exception;

    double heapUsedBytes() throws Exception;

    long[] rssBytesAndCpuMillis() throws Exception;

    @Override
    void close() throws InterruptedException;
}
