package io.cairn.s3.internal;

import io.cairn.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A level's files as objects under {@code <prefix><run>/} in one bucket (docs/s3.md).
 *
 * <p>An object store has no rename and no directories, so the file operations of {@link Storage} map as
 * follows: a file written with {@link #create} becomes one object when it is synced (a single PUT, or a
 * multipart upload completed at {@code sync()} for files larger than one part; a file closed without
 * {@code sync()} leaves nothing, its upload is aborted). Files named {@code *.tmp} are staged in memory
 * and become objects only at {@link #rename}, under their final name, in one PUT: that is how the
 * manifest is committed, after the data, and with {@code If-None-Match: *} so that an existing
 * version is never replaced. Directories are key prefixes; {@link #syncDir} has nothing to do (a
 * PUT is durable when the store acknowledges it).
 */
public final class S3Storage implements Storage {
  private static final Logger log = LoggerFactory.getLogger(S3Storage.class);

  private final S3Client s3;
  private final String bucket;
  /** Key prefix of the run's objects, ending in '/'. */
  private final String root;
  private final String endpoint;
  private final long partSize;
  private final int parallelParts;
  private final Conditional conditional;
  private final boolean ownsClient;
  /** {@code *.tmp} files written and synced but not yet renamed. */
  private final Map<String, byte[]> staged = new ConcurrentHashMap<>();
  private final ExecutorService uploads = Executors
      .newThreadPerTaskExecutor(Thread.ofVirtual().name("cairn-s3-part-", 0).factory());

  /** Whether the store honours {@code If-None-Match: *} on writes. */
  static final class Conditional {
    volatile Boolean supported; // null: not known yet
  }

  /**
   * @param root the key prefix of the run's objects ("" or ending in '/')
   * @param endpoint how the store is named in messages (an endpoint URL or the region)
   */
  public S3Storage(S3Client s3, String bucket, String root, String endpoint, long partSize, int parallelParts,
      boolean ownsClient) {
    if (!root.isEmpty() && !root.endsWith("/")) throw new IllegalArgumentException("root must end in '/': " + root);
    this.s3 = s3;
    this.bucket = bucket;
    this.root = root;
    this.endpoint = endpoint;
    this.partSize = partSize;
    this.parallelParts = parallelParts;
    this.conditional = new Conditional();
    this.ownsClient = ownsClient;
  }

  public S3Client client() { return s3; }
  public String bucket() { return bucket; }
  public String root() { return root; }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + (root.endsWith("/") ? root.substring(0, root.length() - 1) : root) + " at "
        + endpoint;
  }

  private String key(String name) {
    if (name.startsWith("/") || name.contains("..")) throw new IllegalArgumentException("bad name: " + name);
    return root + name;
  }

  private String where(String name) { return "s3://" + bucket + "/" + key(name) + " (" + endpoint + ")"; }

  /** An SDK failure as an {@link IOException} whose message names the object, the store and what to do. */
  IOException fail(String what, String name, SdkException e) {
    String w = name == null ? describe() : where(name);
    if (e instanceof S3Exception s) {
      String code = s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
      int status = s.statusCode();
      String msg = s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null
          ? s.awsErrorDetails().errorMessage()
          : s.getMessage();
      if ("NoSuchBucket".equals(code))
        return new IOException(what + " " + w + ": bucket '" + bucket + "' does not exist at " + endpoint
            + " (create it, or set level.<name>.bucket)", e);
      if (status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
          || "AccessDenied".equals(code))
        return new IOException(what + " " + w + ": access denied by " + endpoint + " (" + code + ": " + msg
            + "); check the credentials "
            + "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws.accessKeyId, the profile in ~/.aws) and the bucket's policy for bucket '"
            + bucket + "'", e);
      if (status == 404) return new NoSuchFileException(w);
      return new IOException(what + " " + w + ": " + (code != null ? code + ": " : "") + msg + " (HTTP " + status + ")",
          e);
    }
    if (e instanceof SdkClientException) {
      Throwable c = e;
      while (c.getCause() != null && c.getCause() != c) c = c.getCause();
      String cause = c == e ? e.getMessage() : c.getClass().getSimpleName() + ": " + c.getMessage();
      return new IOException(what + " " + w + ": cannot reach the store at " + endpoint + " (" + cause + ")", e);
    }
    return new IOException(what + " " + w + ": " + e.getMessage(), e);
  }

  // ------------------------------------------------------------------ write

  @Override
  public Output create(String name) throws IOException {
    String k = key(name);
    if (name.endsWith(".tmp")) {
      staged.remove(name);
      return new StagedOutput(name);
    }
    return new UploadOutput(name, k);
  }

  /** A {@code *.tmp} file: kept in memory until renamed. */
  private final class StagedOutput implements Output {
    private final String name;
    private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();

    StagedOutput(String name) { this.name = name; }

    @Override
    public void write(ByteBuffer src) {
      byte[] b = new byte[src.remaining()];
      src.get(b);
      buf.writeBytes(b);
    }
    @Override
    public long position() { return buf.size(); }
    @Override
    public void sync() { staged.put(name, buf.toByteArray()); }
    @Override
    public void close() {}
  }

  /**
   * A file uploaded as one object: a single PUT at {@code sync()} when it fits in one part, else a
   * multipart upload whose parts go up while the next ones are written (at most {@code parallelParts}
   * buffers), completed at {@code sync()}. Closing before {@code sync()} aborts the upload: no object.
   */
  private final class UploadOutput implements Output {
    private final String name, key;
    private byte[] part;
    private int fill;
    private long position;
    private String uploadId;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private final Semaphore buffers = new Semaphore(parallelParts);
    private boolean done;

    UploadOutput(String name, String key) {
      this.name = name;
      this.key = key;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      if (done) throw new IOException(where(name) + ": already committed");
      while (src.hasRemaining()) {
        if (part == null) {
          try {
            buffers.acquire();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + where(name));
          }
          part = new byte[(int) partSize];
          fill = 0;
        }
        int n = Math.min(src.remaining(), part.length - fill);
        src.get(part, fill, n);
        fill += n;
        position += n;
        if (fill == part.length) flushPart();
      }
    }

    private void flushPart() throws IOException {
      if (uploadId == null) {
        try {
          uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("application/octet-stream"))
              .uploadId();
        } catch (SdkException e) {
          throw fail("cannot start the upload of", name, e);
        }
      }
      checkFailedParts();
      byte[] data = part;
      int len = fill;
      int number = parts.size() + 1;
      String id = uploadId;
      part = null;
      fill = 0;
      parts.add(uploads.submit(() -> {
        try {
          String etag = s3
              .uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(number).contentLength((long) len),
                  RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, len), len,
                      "application/octet-stream"))
              .eTag();
          return CompletedPart.builder().partNumber(number).eTag(etag).build();
        } finally {
          buffers.release();
        }
      }));
    }

    private void checkFailedParts() throws IOException {
      for (Future<CompletedPart> f : parts) if (f.isDone()) result(f);
    }

    private CompletedPart result(Future<CompletedPart> f) throws IOException {
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while uploading " + where(name));
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof SdkException se) throw fail("cannot upload a part of", name, se);
        throw new IOException("cannot upload a part of " + where(name) + ": " + c, c);
      }
    }

    @Override
    public long position() { return position; }

    @Override
    public void sync() throws IOException {
      if (done) return;
      if (uploadId == null) { // fits in one part: one PUT
        byte[] data = part == null ? new byte[0] : part;
        int len = fill;
        putObject(name, key, data, len, true);
        releasePart();
        done = true;
        return;
      }
      if (fill > 0) flushPart();
      else
        releasePart();
      List<CompletedPart> completed = new ArrayList<>();
      for (Future<CompletedPart> f : parts) completed.add(result(f));
      completed.sort(Comparator.comparingInt(CompletedPart::partNumber));
      complete(completed);
      done = true;
    }

    /** Completes the upload; never replaces an existing object where the store supports conditional writes. */
    private void complete(List<CompletedPart> completed) throws IOException {
      Boolean cond = conditional.supported;
      if (existsKey(name, key))
        throw new java.nio.file.FileAlreadyExistsException(where(name), null,
            "exists already; objects of a version are never replaced");
      try {
        s3.completeMultipartUpload(b -> {
          b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(completed));
          if (!Boolean.FALSE.equals(cond)) b.ifNoneMatch("*");
        });
      } catch (S3Exception e) {
        if (e.statusCode() == 412 || e.statusCode() == 409)
          throw new java.nio.file.FileAlreadyExistsException(where(name), null,
              "exists already (the store refused to replace it: "
                  + e.statusCode() + "); objects of a version are never replaced");
        if (cond == null && unsupportedCondition(e)) {
          conditional.supported = false;
          complete(completed);
          return;
        }
        throw fail("cannot complete the upload of", name, e);
      } catch (SdkException e) {
        throw fail("cannot complete the upload of", name, e);
      }
    }

    private void releasePart() {
      if (part != null) {
        part = null;
        buffers.release();
      }
    }

    @Override
    public void close() {
      releasePart();
      if (done || uploadId == null) return;
      for (Future<CompletedPart> f : parts) f.cancel(true);
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (SdkException e) {
        log.warn(
            "cannot abort the unfinished upload of {} (upload id {}): {}; a lifecycle rule of the bucket removes it "
                + "(AbortIncompleteMultipartUpload, see docs/s3.md)",
            where(name), uploadId, e.getMessage());
      }
      done = true;
    }
  }

  /**
   * One PUT of {@code len} bytes. With {@code ifAbsent} it never replaces an object: {@code If-None-Match: *}
   * where the store honours it, else a HEAD first (a store without conditional writes, docs/s3.md).
   */
  private void putObject(String name, String key, byte[] data, int len, boolean ifAbsent) throws IOException {
    Boolean cond = conditional.supported;
    // a HEAD first even where If-None-Match is sent: some stores accept the header and ignore it (s3proxy 2.6.0)
    if (ifAbsent && existsKey(name, key))
      throw new java.nio.file.FileAlreadyExistsException(where(name), null,
          "exists already; objects of a version are never replaced");
    try {
      s3.putObject(b -> {
        b.bucket(bucket).key(key).contentLength((long) len).contentType("application/octet-stream");
        if (ifAbsent && !Boolean.FALSE.equals(cond)) b.ifNoneMatch("*");
      }, RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, len), len,
          "application/octet-stream"));
      if (ifAbsent && cond == null) conditional.supported = true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409)
        throw new java.nio.file.FileAlreadyExistsException(where(name), null,
            "exists already (the store refused to replace it: "
                + e.statusCode() + "); objects of a version are never replaced");
      if (ifAbsent && cond == null && unsupportedCondition(e)) {
        conditional.supported = false;
        putObject(name, key, data, len, true);
        return;
      }
      throw fail("cannot write", name, e);
    } catch (SdkException e) {
      throw fail("cannot write", name, e);
    }
  }

  /** The store refused the {@code If-None-Match} header itself (not implemented), rather than the write. */
  private boolean unsupportedCondition(S3Exception e) {
    boolean no = e.statusCode() == 501
        || e.statusCode() == 400 && e.getMessage() != null && e.getMessage().contains("If-None-Match");
    if (no)
      log.info(
          "{} does not support conditional writes (If-None-Match: {}); checking for existing objects before writing instead",
          endpoint, e.getMessage());
    return no;
  }

  @Override
  public void rename(String from, String to) throws IOException {
    byte[] data = staged.remove(from);
    String k = key(to);
    if (data != null) {
      // the manifest commits a version: never replace one; other files (stats.json, attempt counters) are replaced
      boolean commit = to.equals("manifest") || to.endsWith("/manifest");
      putObject(to, k, data, data.length, commit);
      return;
    }
    // not staged by this process: copy on the server, then delete the source
    try {
      s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key(from)).destinationBucket(bucket).destinationKey(k));
      s3.deleteObject(b -> b.bucket(bucket).key(key(from)));
    } catch (SdkException e) {
      throw fail("cannot rename " + from + " to", to, e);
    }
  }

  // ------------------------------------------------------------------ read

  @Override
  public Input open(String name) throws IOException {
    byte[] st = staged.get(name);
    if (st != null) return new BytesInput(st);
    String k = key(name);
    long size;
    String etag;
    try {
      var h = s3.headObject(b -> b.bucket(bucket).key(k));
      size = h.contentLength();
      etag = h.eTag();
    } catch (SdkException e) {
      throw fail("cannot open", name, e);
    }
    return new ObjectInput(name, k, size, etag);
  }

  private record BytesInput(byte[] data) implements Input {
    @Override
    public long size() { return data.length; }
    @Override
    public void readFully(long position, ByteBuffer dst) throws IOException {
      if (position < 0 || position + dst.remaining() > data.length) throw new EOFException("read beyond the end");
      dst.put(data, (int) position, dst.remaining());
    }
    @Override
    public void close() {}
  }

  /** Bytes of one ranged GET while reading an object forward (restore, verify). */
  static final int WINDOW = 8 << 20;
  /** Windows fetched ahead of the one being read (each a concurrent ranged GET). */
  static final int AHEAD = 2;

  /**
   * An object read through ranged GETs, each checked against the ETag the object had when opened. Reads
   * that go forward (a restore reads a pack front to back) are served from windows of {@link #WINDOW}
   * bytes, the next {@link #AHEAD} of which are fetched concurrently while the current one is consumed:
   * the store's latency is paid once per window, not once per chunk.
   */
  private final class ObjectInput implements Input {
    private final String name, key, etag;
    private final long size;
    private final java.util.TreeMap<Long, Future<byte[]>> windows = new java.util.TreeMap<>();

    ObjectInput(String name, String key, long size, String etag) {
      this.name = name;
      this.key = key;
      this.size = size;
      this.etag = etag;
    }

    @Override
    public long size() { return size; }

    @Override
    public synchronized void readFully(long position, ByteBuffer dst) throws IOException {
      int want = dst.remaining();
      if (want == 0) return;
      if (position < 0 || position + want > size)
        throw new EOFException(
            where(name) + ": read of " + want + " bytes at " + position + " beyond the end (" + size + " bytes)");
      long first = position / WINDOW, last = (position + want - 1) / WINDOW;
      windows.headMap(first).values().forEach(f -> f.cancel(true)); // reads go forward: what lies behind is not needed again
      windows.headMap(first).clear();
      for (long w = last + 1; w <= last + AHEAD && w * WINDOW < size; w++) window(w);
      for (long w = first; w <= last; w++) {
        byte[] data = get(window(w));
        long start = w * WINDOW;
        int from = (int) Math.max(0, position - start);
        int to = (int) Math.min(data.length, position + want - start);
        dst.put(data, from, to - from);
      }
    }

    private Future<byte[]> window(long w) {
      return windows.computeIfAbsent(w,
          i -> uploads.submit(() -> fetch(i * WINDOW, (int) Math.min(WINDOW, size - i * WINDOW))));
    }

    private byte[] get(Future<byte[]> f) throws IOException {
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + where(name));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) throw io;
        throw new IOException("cannot read " + where(name) + ": " + e.getCause(), e.getCause());
      }
    }

    private byte[] fetch(long position, int len) throws IOException {
      byte[] out = new byte[len];
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> {
        b.bucket(bucket).key(key).range("bytes=" + position + "-" + (position + len - 1));
        if (etag != null) b.ifMatch(etag);
      })) {
        int got = in.readNBytes(out, 0, len);
        if (got != len)
          throw new EOFException(where(name) + ": the store returned " + got + " of " + len + " bytes at " + position);
        return out;
      } catch (S3Exception e) {
        if (e.statusCode() == 412) throw new IOException(where(name) + " was replaced while it was read", e);
        throw fail("cannot read", name, e);
      } catch (SdkException e) {
        throw fail("cannot read", name, e);
      }
    }

    @Override
    public synchronized void close() {
      windows.values().forEach(f -> f.cancel(true));
      windows.clear();
    }
  }

  @Override
  public boolean exists(String name) throws IOException {
    if (staged.containsKey(name)) return true;
    return existsKey(name, key(name));
  }

  private boolean existsKey(String name, String k) throws IOException {
    try {
      s3.headObject(b -> b.bucket(bucket).key(k));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) return false;
      throw fail("cannot look up", name, e);
    } catch (SdkException e) {
      throw fail("cannot look up", name, e);
    }
  }

  @Override
  public List<String> list(String dir) throws IOException {
    String p = dir.isEmpty() ? root : key(dir) + "/";
    TreeSet<String> out = new TreeSet<>();
    try {
      String token = null;
      do {
        String t = token;
        ListObjectsV2Response r = s3
            .listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix(p).delimiter("/")
                .continuationToken(t).build());
        for (CommonPrefix c : r.commonPrefixes()) {
          String n = c.prefix().substring(p.length());
          if (n.endsWith("/")) n = n.substring(0, n.length() - 1);
          if (!n.isEmpty()) out.add(n);
        }
        for (S3Object o : r.contents()) {
          String n = o.key().substring(p.length());
          if (!n.isEmpty()) out.add(n);
        }
        token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw fail("cannot list", dir.isEmpty() ? null : dir, e);
    }
    String sp = dir.isEmpty() ? "" : dir + "/";
    for (String s : staged.keySet())
      if (s.startsWith(sp) && s.indexOf('/', sp.length()) < 0) out.add(s.substring(sp.length()));
    return new ArrayList<>(out);
  }

  @Override
  public void delete(String name) throws IOException {
    staged.remove(name);
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(key(name)));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) throw fail("cannot delete", name, e);
    } catch (SdkException e) {
      throw fail("cannot delete", name, e);
    }
  }

  @Override
  public void deleteTree(String dir) throws IOException {
    String p = key(dir) + "/";
    staged.keySet().removeIf(s -> s.startsWith(dir + "/"));
    try {
      String token = null;
      do {
        String t = token;
        ListObjectsV2Response r = s3
            .listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix(p).continuationToken(t).build());
        List<ObjectIdentifier> ids = new ArrayList<>();
        // the manifest first: a version disappears before its data does
        r.contents().stream().sorted(Comparator.comparing((S3Object o) -> !o.key().endsWith("/manifest")))
            .forEach(o -> ids.add(ObjectIdentifier.builder().key(o.key()).build()));
        for (ObjectIdentifier id : ids)
          if (id.key().endsWith("/manifest")) s3.deleteObject(b -> b.bucket(bucket).key(id.key()));
        List<ObjectIdentifier> rest = ids.stream().filter(id -> !id.key().endsWith("/manifest")).toList();
        deleteAll(dir, rest);
        token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw fail("cannot delete", dir, e);
    }
  }

  /** Whether the store takes DeleteObjects (several keys in one request); null: not known yet. */
  private volatile Boolean multiDelete;

  /**
   * Deletes objects: one DeleteObjects request per 1000 where the store supports it (some S3-compatible
   * stores refuse the checksum header the SDK sends with it), else one DeleteObject each.
   */
  private void deleteAll(String dir, List<ObjectIdentifier> ids) throws IOException {
    if (ids.isEmpty()) return;
    if (ids.size() > 2 && !Boolean.FALSE.equals(multiDelete)) {
      try {
        for (int i = 0; i < ids.size(); i += 1000) {
          List<ObjectIdentifier> batch = ids.subList(i, Math.min(ids.size(), i + 1000));
          var res = s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().objects(batch).quiet(true).build()));
          if (res.hasErrors() && !res.errors().isEmpty())
            throw new IOException("cannot delete " + res.errors().size() + " objects under " + where(dir) + ": "
                + res.errors().getFirst().message());
        }
        multiDelete = true;
        return;
      } catch (S3Exception e) {
        if (e.statusCode() != 501 && e.statusCode() != 400) throw fail("cannot delete", dir, e);
        log.info("{} refused a DeleteObjects request ({}); deleting objects one at a time", endpoint, e.getMessage());
        multiDelete = false;
      }
    }
    for (ObjectIdentifier id : ids) {
      try {
        s3.deleteObject(b -> b.bucket(bucket).key(id.key()));
      } catch (S3Exception e) {
        if (e.statusCode() != 404) throw fail("cannot delete", id.key().substring(root.length()), e);
      }
    }
  }

  /** Nothing to do: an object is durable once the store acknowledged its PUT. */
  @Override
  public void syncDir(String dir) {}

  /**
   * An object store offers no lock that a crash releases; the run's other levels (directories) hold
   * theirs. Two runs writing the same bucket and prefix at once are not detected here (docs/s3.md);
   * conditional writes keep either from replacing the other's versions.
   */
  @Override
  public AutoCloseable lock(String name, String holder) {
    return () -> {
      uploads.shutdown();
      if (ownsClient) s3.close();
    };
  }
}
