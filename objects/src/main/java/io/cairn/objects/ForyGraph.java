package io.cairn.objects;

import io.cairn.StateMismatchException;
import io.cairn.spi.ObjectCodec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.fory.Fory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;
import org.apache.fory.exception.InsecureException;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.BufferObject;
import org.apache.fory.serializer.Serializer;
import org.apache.fory.serializer.Serializers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One protected root and its Fory instance.
 *
 * <p>Bytes of a checkpoint (little-endian, docs/objects.md): {@code "CAIRNOG1"}, the number {@code n}
 * of large primitive arrays kept out of the object stream and their byte lengths ({@code n} longs),
 * those arrays' bytes back to back (first, so that an unchanged array sits at the same offset in the
 * next checkpoint whatever happens to the small objects, and the incremental levels skip it), the
 * schema's length and bytes ({@link Schema}), the object stream's length and bytes (Fory, reference
 * tracking, compatible mode).
 */
final class ForyGraph implements ObjectCodec.Graph {
  private static final Logger log = LoggerFactory.getLogger(ForyGraph.class);
  static final byte[] MAGIC = "CAIRNOG1".getBytes(StandardCharsets.US_ASCII);
  /** Primitive arrays of at least this many bytes are stored out of the object stream. */
  static final int OUT_OF_BAND = 64 << 10;
  /** System property: restore a class whose fields look renamed, starting the new field from its default. */
  static final String ALLOW_FIELD_LOSS = "cairn.objects.allowFieldLoss";

  enum RootKind { FIELDS, MAP, COLLECTION, ARRAY }

  private final String name;
  private final Object root;
  private final RootKind kind;
  private final List<Field> rootFields;
  private final AllowList allow;
  private final Schema schema;
  private final byte[] schemaBytes;
  private final Fory fory;
  /** The region's bytes: header, out-of-band arrays, class list, then Fory's stream, written in place. */
  private final MemoryBuffer out = MemoryBuffer.newHeapBuffer(1 << 16);
  /** Size of the part before Fory's stream at the last capture: where the next stream is written. */
  private int expectedHead;
  private final List<BufferObject> large = new ArrayList<>();

  ForyGraph(String name, Object root, Collection<Class<?>> alsoAllowed) {
    this.name = name;
    this.root = root;
    Class<?> c = root.getClass();
    String what = "object graph '" + name + "': ";
    if (c.isArray()) kind = RootKind.ARRAY;
    else if (root instanceof Map<?, ?>) kind = RootKind.MAP;
    else if (root instanceof Collection<?>) kind = RootKind.COLLECTION;
    else if (c.isRecord() || c.isEnum() || AllowList.isJdk(c) || c.isHidden())
      throw new IllegalArgumentException(what + "the root " + c.getName() + " cannot be filled in place ("
          + (c.isRecord()
              ? "a record is immutable"
              : c.isEnum() ? "an enum constant" : c.isHidden() ? "a hidden class (a lambda?)" : "a JDK class")
          + "): protect an object, Map, Collection or array that holds it");
    else
      kind = RootKind.FIELDS;
    if (kind == RootKind.ARRAY && ((Object[]) root).length == 0) { /* fine: nothing to fill */ }
    try {
      this.allow = AllowList.build(root, alsoAllowed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + e.getMessage(), e);
    }
    List<Field> fs = kind == RootKind.FIELDS ? AllowList.fields(c) : List.of();
    if (fs.stream().anyMatch(f -> f.isAnnotationPresent(io.cairn.Checkpointed.class)))
      fs = fs.stream().filter(f -> f.isAnnotationPresent(io.cairn.Checkpointed.class)).toList();
    for (Field f : fs)
      if (Modifier.isFinal(f.getModifiers()) && f.getDeclaringClass().isRecord())
        throw new IllegalArgumentException(what + "record field " + f + " cannot be set");
    this.rootFields = fs;
    this.schema = Schema.of(c, fs, allow);
    this.schemaBytes = schema.toBytes();
    this.expectedHead = MAGIC.length + 4 + 4 + schemaBytes.length + 4;
    this.fory = newFory(c.getClassLoader(), allow);
    for (Class<?> u : allow.user) if (u.isEnum()) fory.registerSerializer(u, new NamedEnumSerializer(fory, u, name));
    if (kind == RootKind.FIELDS) fory.registerSerializer(c, new RootSerializer(fory, c, root));
  }

  /** The allow-list's refusal (Fory's other InsecureExceptions, e.g. its depth limit, are not about classes). */
  static final class NotAllowed extends InsecureException {
    NotAllowed(String message) { super(message); }
  }

  /** A checkpoint holds an enum constant the program's enum no longer has (refused, naming class, constant and region). */
  static final class GoneEnumConstant extends RuntimeException {
    GoneEnumConstant(String message) { super(message, null, false, false); }
  }

  /**
   * Fory's serializer of an enum (stored by name), which names the enum class, the constant and the
   * region when the checkpoint holds a constant the enum no longer has (Fory's own message names
   * neither the class nor the region).
   */
  static final class NamedEnumSerializer extends org.apache.fory.serializer.EnumSerializer {
    private final String region;

    @SuppressWarnings({"unchecked", "rawtypes"})
    NamedEnumSerializer(Fory fory, Class c, String region) {
      super(fory, c);
      this.region = region;
    }

    @Override
    public Enum read(MemoryBuffer buffer) {
      try {
        return super.read(buffer);
      } catch (IllegalArgumentException e) {
        // Fory: "Enum string NAME not in [...]"
        String m = String.valueOf(e.getMessage()), constant = m;
        int a = m.indexOf("Enum string "), b = m.indexOf(" not in ");
        if (a >= 0 && b > a) constant = m.substring(a + "Enum string ".length(), b);
        throw new GoneEnumConstant("object graph '" + region + "': the checkpoint holds constant " + constant
            + " of enum " + type.getName()
            + ", which the enum no longer has (its constants now: " + java.util.Arrays.toString(type.getEnumConstants())
            + ");"
            + " enums are restored by name: keep the constant (it may be @Deprecated), or restore with the build that checkpointed and"
            + " replace the value before the next checkpoint");
      }
    }
  }

  /** Nesting depth Fory accepts on read (its default, 50, is less than a linked list of 51 objects). */
  static final int MAX_DEPTH = 1_000_000;

  /**
   * Stack of the thread that serialises and deserialises graphs. Fory recurses once per reference, so a
   * linked chain of a few thousand objects overflows a default 1 MiB thread stack (and whether it does
   * depends on how far the JIT has compiled Fory's code). The program's thread hands the work to one
   * platform thread per graph with this much stack reserved (only the pages used are committed); it
   * exits after 30 s idle.
   */
  static final long DEEP_STACK = 512L << 20;

  private final java.util.concurrent.ExecutorService deep = new java.util.concurrent.ThreadPoolExecutor(0, 1, 30,
      java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(null, r, "cairn-object-graph", DEEP_STACK);
        t.setDaemon(true);
        return t;
      });

  /** Runs {@code work} on the deep-stack thread and waits for it; its exceptions and errors are rethrown as they are. */
  private <T> T onDeepStack(java.util.concurrent.Callable<T> work) throws IOException {
    java.util.concurrent.Future<T> f = deep.submit(work);
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("object graph '" + name + "': interrupted while the graph was being (de)serialised", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IOException(c);
    }
  }

  static Fory newFory(ClassLoader loader, AllowList allow) {
    org.apache.fory.logging.LoggerFactory.disableLogging();
    Fory f = Fory.builder().withLanguage(Language.JAVA)
        .withRefTracking(true)
        .withCompatibleMode(CompatibleMode.COMPATIBLE)
        .requireClassRegistration(false) // classes are named in the stream; the checker below is the allow-list
        .suppressClassRegistrationWarnings(true)
        .withDeserializeNonexistentClass(false)
        .serializeEnumByName(true)
        .withAsyncCompilation(false)
        .withMaxDepth(MAX_DEPTH)
        .withClassLoader(loader == null ? ForyGraph.class.getClassLoader() : loader)
        .build();
    // Fory asks the checker before it loads a class named in a stream (and ignores a false there), and
    // again before it makes a serializer: refuse by throwing, so that a refused class is never even loaded
    f.getClassResolver().setClassChecker((resolver, className) -> {
      if (!allow.allows(className))
        throw new NotAllowed(
            "class " + className + " is not among the classes reachable from the root's declared types");
      return true;
    });
    return f;
  }

  // ----------------------------------------------------------------------------------- capture

  @Override
  public MemorySegment write() throws IOException {
    Object top = kind == RootKind.FIELDS ? rootValues() : root;
    large.clear();
    // Fory writes its stream straight into the region's buffer, after room for the header it is expected
    // to need (the size of the last one: the out-of-band arrays rarely change their count or length), so
    // the stream is not copied once more; only when the header's size changed is the stream moved
    int head = expectedHead;
    out.ensure(head);
    out.writerIndex(head);
    try {
      onDeepStack(() -> fory.serialize(out, top, b -> {
        if (b.totalBytes() < OUT_OF_BAND) return true;
        large.add(b);
        return false;
      }));
    } catch (StackOverflowError e) {
      throw new IOException("object graph '" + name + "' nests too deeply even for a " + (DEEP_STACK >> 20)
          + " MiB stack (a very long linked chain?)", e);
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof NotAllowed)) cause = cause.getCause();
      if (cause instanceof NotAllowed)
        throw new IOException(
            "object graph '" + name + "' now reaches a class that was not among its types when it was protected ("
                + cause.getMessage() + "): name it in protect(\"" + name + "\", root, TheClass.class)",
            e);
      throw new IOException("object graph '" + name + "' could not be serialised: " + cause, e);
    }
    int streamLen = out.writerIndex() - head;
    long arrays = 0;
    for (BufferObject b : large) arrays += b.totalBytes();
    long h = MAGIC.length + 4L + 8L * large.size() + arrays + 4 + schemaBytes.length + 4;
    if (h + streamLen > Integer.MAX_VALUE - 64)
      throw new IOException(
          "object graph '" + name + "' serialises to " + (h + streamLen) + " bytes, more than one region holds (2 GiB):"
              + " protect its largest arrays as regions of their own");
    if (h != head) {
      out.ensure((int) h + streamLen);
      byte[] mem = out.getHeapMemory();
      System.arraycopy(mem, head, mem, (int) h, streamLen);
    }
    out.writerIndex(0);
    out.writeBytes(MAGIC);
    out.writeInt32(large.size());
    for (BufferObject b : large) out.writeInt64(b.totalBytes());
    for (BufferObject b : large) b.writeTo(out);
    out.writeInt32(schemaBytes.length);
    out.writeBytes(schemaBytes);
    out.writeInt32(streamLen);
    if (out.writerIndex() != h)
      throw new IllegalStateException(
          "object graph '" + name + "': header of " + out.writerIndex() + " bytes, expected " + h);
    out.writerIndex((int) h + streamLen);
    expectedHead = (int) h;
    large.clear();
    return MemorySegment.ofArray(out.getHeapMemory()).asSlice(0, out.writerIndex());
  }

  private Object[] rootValues() throws IOException {
    Object[] v = new Object[rootFields.size()];
    try {
      for (int i = 0; i < v.length; i++) v[i] = rootFields.get(i).get(root);
    } catch (IllegalAccessException e) {
      throw new IOException(e);
    }
    return v;
  }

  // ----------------------------------------------------------------------------------- restore

  @Override
  public void read(MemorySegment data) throws IOException {
    String where = "object graph '" + name + "'";
    byte[] a = data.heapBase().orElse(null) instanceof byte[] h && data.address() == 0 && h.length == data.byteSize()
        ? h
        : data.toArray(ValueLayout.JAVA_BYTE);
    if (a.length < MAGIC.length + 4 || !Arrays.equals(a, 0, MAGIC.length, MAGIC, 0, MAGIC.length))
      throw new IOException(where
          + ": not an object graph checkpoint (no CAIRNOG1 header; was the region protected as a Checkpointable?)");
    MemoryBuffer in = MemoryBuffer.fromByteArray(a);
    in.readerIndex(MAGIC.length);
    int n = in.readInt32();
    if (n < 0 || (long) n * 8 > a.length - in.readerIndex())
      throw new IOException(where + ": bad count of large arrays " + n);
    long[] lens = new long[n];
    long pos = in.readerIndex() + 8L * n;
    for (int i = 0; i < n; i++) {
      lens[i] = in.readInt64();
      if (lens[i] < 0 || lens[i] > a.length - pos)
        throw new IOException(where + ": large array " + i + " of " + lens[i] + " bytes runs past the end");
      pos += lens[i];
    }
    List<MemoryBuffer> buffers = new ArrayList<>(n);
    long p = in.readerIndex();
    for (int i = 0; i < n; i++) {
      buffers.add(MemoryBuffer.fromByteArray(a, (int) p, (int) lens[i]));
      p += lens[i];
    }
    int sl = readLength(a, (int) pos, where, "class list");
    Schema saved = Schema.parse(a, (int) pos + 4, sl, where);
    pos += 4 + sl;
    int ol = readLength(a, (int) pos, where, "object stream");
    if (pos + 4 + ol != a.length)
      throw new IOException(where + ": " + (a.length - pos - 4 - ol) + " stray bytes after the object stream");
    check(saved);

    Object top;
    try {
      int from = (int) pos + 4;
      top = onDeepStack(() -> fory.deserialize(MemoryBuffer.fromByteArray(a, from, ol), buffers));
    } catch (StackOverflowError e) {
      throw new IOException(where + ": the object stream nests too deeply even for a " + (DEEP_STACK >> 20)
          + " MiB stack (a very long linked chain?)", e);
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof NotAllowed)) cause = cause.getCause();
      for (Throwable t = e; t != null; t = t.getCause())
        if (t instanceof GoneEnumConstant g) throw new StateMismatchException(-1, List.of(g.getMessage()));
      if (cause instanceof NotAllowed)
        throw new StateMismatchException(-1,
            List.of(where + ": the checkpoint names a class outside the graph's allow-list ("
                + cause.getMessage() + "); refused before loading it, nothing was instantiated from it"));
      throw new IOException(where + ": the object stream cannot be read: " + cause, e);
    }
    apply(top, saved, where);
  }

  private static int readLength(byte[] a, int pos, String where, String what) throws IOException {
    if (pos + 4 > a.length) throw new IOException(where + ": truncated before the " + what);
    int len = (a[pos] & 0xff) | (a[pos + 1] & 0xff) << 8 | (a[pos + 2] & 0xff) << 16 | (a[pos + 3] & 0xff) << 24;
    if (len < 0 || len > a.length - pos - 4)
      throw new IOException(where + ": the " + what + " of " + len + " bytes runs past the end");
    return len;
  }

  /**
   * Compares the checkpoint's classes with the program's before anything is read: a class outside the
   * allow-list, a field whose type changed, and (unless allowed) a field that looks renamed are refused.
   */
  private void check(Schema saved) {
    String where = "object graph '" + name + "'";
    List<String> problems = new ArrayList<>();
    if (!saved.rootClass().equals(root.getClass().getName()))
      problems.add(where + ": the checkpoint's root is a " + saved.rootClass() + ", the protected root a "
          + root.getClass().getName());
    boolean allowLoss = Boolean.getBoolean(ALLOW_FIELD_LOSS);
    for (var e : saved.classes().entrySet()) {
      String cn = e.getKey();
      if (!allow.allows(cn)) {
        problems.add(
            where + ": the checkpoint names class " + cn + ", which is not among the classes reachable from the root's"
                + " declared types (the allow-list built at protect time); refused, nothing was instantiated");
        continue;
      }
      Map<String, String> now = schema.classes().get(cn);
      if (now == null) continue; // a JDK class now, or one the program added explicitly: Fory's own checks apply
      Map<String, String> then = e.getValue();
      List<String> gone = new ArrayList<>(), added = new ArrayList<>();
      for (var f : then.entrySet()) {
        String t = now.get(f.getKey());
        if (t == null) gone.add(f.getKey());
        else if (!t.equals(f.getValue()))
          problems.add("class " + cn + ", field '" + f.getKey() + "': its type changed from " + f.getValue()
              + " (in the checkpoint) to " + t
              + "; Cairn does not convert values: keep the old type, or add a new field and convert after restoring");
      }
      for (String f : now.keySet()) if (!then.containsKey(f)) added.add(f);
      for (String g : gone) {
        String renamed = added.stream().filter(x -> now.get(x).equals(then.get(g))).findFirst().orElse(null);
        if (renamed != null && !allowLoss)
          problems.add("class " + cn + ": field '" + g + "' (" + then.get(g) + ") is gone and '" + renamed
              + "' of the same type is new:"
              + " a rename? Fields are matched by name, so its value would be lost; keep the old name, or set -D"
              + ALLOW_FIELD_LOSS
              + "=true to drop '" + g + "' and start '" + renamed + "' from its default");
        else
          log.warn("{}: class {} has no field '{}' any more; its checkpointed value is dropped", where, cn, g);
      }
      for (String f : added)
        log.info("{}: class {}: field '{}' is not in the checkpoint; it restores with its default", where, cn, f);
    }
    if (!problems.isEmpty()) throw new StateMismatchException(-1, problems);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void apply(Object top, Schema saved, String where) throws IOException {
    switch (kind) {
      case MAP -> {
        if (!(top instanceof Map<?, ?> m))
          throw new IOException(where + ": the checkpoint holds a " + cls(top) + ", not a Map");
        Map r = (Map) root;
        r.clear();
        r.putAll(m);
      }
      case COLLECTION -> {
        if (!(top instanceof Collection<?> m))
          throw new IOException(where + ": the checkpoint holds a " + cls(top) + ", not a Collection");
        Collection r = (Collection) root;
        r.clear();
        r.addAll(m);
      }
      case ARRAY -> {
        Object[] r = (Object[]) root;
        if (!(top instanceof Object[] m) || m.length != r.length)
          throw new StateMismatchException(-1, List.of(where
              + ": the checkpoint holds " + (top instanceof Object[] m2
                  ? "an array of " + m2.length
                      + " elements"
                  : "a " + cls(top))
              + ", the protected root an array of " + r.length + " (arrays are restored in place: same length)"));
        System.arraycopy(m, 0, r, 0, r.length);
      }
      case FIELDS -> {
        if (!(top instanceof Object[] v) || v.length != saved.rootFields().size())
          throw new IOException(
              where + ": the object stream does not hold the root's " + saved.rootFields().size() + " fields");
        Map<String, Field> byName = new java.util.HashMap<>();
        for (Field f : rootFields) byName.putIfAbsent(f.getName(), f);
        // check every value first, so that the root is either filled completely or left alone
        List<Field> targets = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
          Field f = byName.get(saved.rootFields().get(i));
          targets.add(f);
          if (f != null && !assignable(f.getType(), v[i]))
            throw new IOException(where + ": field '" + f.getName() + "' cannot hold the restored " + cls(v[i]));
        }
        try {
          for (int i = 0; i < v.length; i++) if (targets.get(i) != null) targets.get(i).set(root, v[i]);
        } catch (IllegalAccessException e) {
          throw new IOException(where + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static boolean assignable(Class<?> t, Object v) {
    if (!t.isPrimitive()) return v == null || t.isInstance(v);
    if (v == null) return false;
    return switch (t.getName()) {
      case "int" -> v instanceof Integer;
      case "long" -> v instanceof Long;
      case "double" -> v instanceof Double;
      case "float" -> v instanceof Float;
      case "boolean" -> v instanceof Boolean;
      case "byte" -> v instanceof Byte;
      case "short" -> v instanceof Short;
      case "char" -> v instanceof Character;
      default -> false;
    };
  }

  private static String cls(Object o) { return o == null ? "null" : o.getClass().getName(); }

  /**
   * The serializer of the root's class: the root itself is written as a one-byte marker (its fields
   * travel in the top-level array) and read back as the program's root object, so references to the
   * root from inside the graph point at the program's object after a restore. Other instances of the
   * class go through Fory's own serializer.
   */
  static final class RootSerializer extends Serializer<Object> {
    private final Object root;
    private Serializer<Object> delegate;

    @SuppressWarnings({"unchecked", "rawtypes"})
    RootSerializer(Fory fory, Class c, Object root) {
      super(fory, c);
      this.root = root;
    }

    @SuppressWarnings("unchecked")
    private Serializer<Object> delegate() {
      if (delegate == null) {
        Class<?> c = type;
        delegate = Serializers.newSerializer(fory, c, fory.getClassResolver().getObjectSerializerClass(c, x -> {}));
      }
      return delegate;
    }

    @Override
    public void write(MemoryBuffer buffer, Object value) {
      if (value == root) {
        buffer.writeByte(0);
      } else {
        buffer.writeByte(1);
        delegate().write(buffer, value);
      }
    }

    @Override
    public Object read(MemoryBuffer buffer) {
      byte b = buffer.readByte();
      if (b == 0) {
        fory.getRefResolver().reference(root);
        return root;
      }
      if (b != 1) throw new IllegalStateException("bad root marker " + b);
      return delegate().read(buffer);
    }
  }
}
