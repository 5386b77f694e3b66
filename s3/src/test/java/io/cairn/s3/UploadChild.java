package io.cairn.s3;

import io.cairn.Cairn;
import io.cairn.Checkpointer;
import io.cairn.spi.Storage;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A program killed with SIGKILL by {@code S3LevelTest} while it uploads a pack: it commits version 1
 * (small), then checkpoints a large state and prints {@code UPLOADING} once more than two parts of
 * that pack were handed to the multipart upload, then keeps uploading.
 * Arguments: endpoint, bucket, base directory, MiB of state.
 */
public final class UploadChild {
  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    String bucket = args[1];
    Path base = Path.of(args[2]);
    int mib = Integer.parseInt(args[3]);
    S3Level s3 = S3Level.builder(bucket).endpoint(endpoint).credentials(S3Server.credentials())
        .partSize(S3Level.MIN_PART_SIZE)
        .parallelParts(1).build();
    long[] state = new long[1024];
    try (Checkpointer c = Cairn.builder().name("killed").directory(base).levels("cloud").set("level.cloud.kind", "s3")
        .set("signals", "false").storage(l -> new Announcing(s3.storage("killed"))).open()) {
      c.protect("state", state);
      c.checkpoint();
      System.out.println("COMMITTED 1");
      System.out.flush();
      c.unprotect("state");
      long[] big = new long[mib << 17];
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < big.length; i++) big[i] = r.nextLong();
      c.protect("big", big);
      c.checkpoint();
      System.out.println("COMMITTED 2"); // the test kills it before this
    }
  }

  /** Prints UPLOADING when a data.pack being written has passed 2.5 parts. */
  private record Announcing(Storage s) implements Storage {
    @Override
    public String describe() { return s.describe(); }
    @Override
    public Output create(String name) throws IOException {
      Output o = s.create(name);
      if (!name.endsWith("data.pack")) return o;
      return new Output() {
        boolean said;
        @Override
        public void write(ByteBuffer src) throws IOException {
          o.write(src);
          if (!said && o.position() > 5 * S3Level.MIN_PART_SIZE / 2) {
            said = true;
            System.out.println("UPLOADING " + o.position());
            System.out.flush();
          }
        }
        @Override
        public long position() { return o.position(); }
        @Override
        public void sync() throws IOException { o.sync(); }
        @Override
        public void close() throws IOException { o.close(); }
      };
    }
    @Override
    public Input open(String name) throws IOException { return s.open(name); }
    @Override
    public boolean exists(String name) throws IOException { return s.exists(name); }
    @Override
    public List<String> list(String dir) throws IOException { return s.list(dir); }
    @Override
    public void rename(String from, String to) throws IOException { s.rename(from, to); }
    @Override
    public void delete(String name) throws IOException { s.delete(name); }
    @Override
    public void deleteTree(String dir) throws IOException { s.deleteTree(dir); }
    @Override
    public void syncDir(String dir) throws IOException { s.syncDir(dir); }
    @Override
    public AutoCloseable lock(String name, String holder) throws IOException { return s.lock(name, holder); }
  }
}
