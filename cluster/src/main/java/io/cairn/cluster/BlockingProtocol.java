package io.cairn.cluster;

import io.cairn.Version;

/**
 * {@link Protocol#BLOCKING}: every rank sends a marker on each channel and waits for the markers of all the others (the
 * channels are then quiesced), writes its part, sends PREPARED and waits until the coordinator commits the global version.
 */
final class BlockingProtocol extends CoordinatedProtocol {
  BlockingProtocol(ParallelCheckpointer pc) { super(pc); }

  @Override
  long take(long e, long g, long step) {
    pc.ep.sendMarkers(g);
    pc.ep.awaitMarkers(g);
    Endpoint.Snapshot snap = pc.ep.snapshot(g);
    pc.comm.state = snap.state;
    Version v = pc.core.checkpoint(pc.meta(g, e, step)).await();
    pc.fault("after-write", g);
    pc.coord.send("PREPARED " + e + " " + g + " " + v.number() + " " + step + " " + Protocol.BLOCKING.id());
    pc.fault("after-prepare", g);
    pc.awaitCommitted(g);
    pc.pinWhenCommitted(g, v.number());
    pc.haltIfRequested(g);
    return g;
  }
}
