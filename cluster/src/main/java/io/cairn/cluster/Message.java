package io.cairn.cluster;

/**
 * A message received from another rank.
 *
 * @param source the sending rank
 * @param tag    the tag it was sent with (>= 0 for application messages)
 * @param data   the payload
 */
public record Message(int source, int tag, byte[] data) {}
