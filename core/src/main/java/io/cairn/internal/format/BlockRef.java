package io.cairn.internal.format;

/**
 * One chunk of a region as the manifest records it: where it lies (the pack of version
 * {@code pack}, at {@code offset}), its sizes, codec and checksums.
 */
public record BlockRef(long pack, long offset, int storedLen, int rawLen, Codec codec, int storedCrc, long rawHash) { }
