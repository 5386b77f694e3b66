package io.cairn.objects;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The classes a restore of one graph may instantiate, fixed when the root is protected: the classes
 * of the root's declared field types (recursively: field types of those classes, type arguments,
 * array components, permitted subclasses of sealed types, enum constants' classes), the classes of
 * the objects reachable from the root at that time, and what the program adds explicitly.
 */
final class AllowList {
  /** Application classes (not from the JDK), in a stable order: their field layouts form the schema. */
  final Set<Class<?>> user = new LinkedHashSet<>();
  /** JDK classes seen in the graph or declared (collections, boxes, ...). */
  final Set<Class<?>> jdk = new LinkedHashSet<>();
  private final Set<String> names = new java.util.HashSet<>();

  static AllowList build(Object root, Collection<Class<?>> extra) {
    AllowList a = new AllowList();
    a.addType(root.getClass());
    for (Class<?> c : extra) a.addType(c);
    a.walk(root);
    for (Class<?> c : a.user) a.names.add(c.getName());
    for (Class<?> c : a.jdk) a.names.add(c.getName());
    return a;
  }

  /** Whether a restore may instantiate the class of this name (also arrays of allowed classes). */
  boolean allows(String className) {
    if (names.contains(className)) return true;
    int dims = 0;
    while (dims < className.length() && className.charAt(dims) == '[') dims++;
    if (dims == 0) return false;
    String rest = className.substring(dims);
    if (rest.length() == 1) return "ZBCSIJFD".contains(rest);
    return rest.startsWith("L") && rest.endsWith(";") && allows(rest.substring(1, rest.length() - 1));
  }

  Set<String> names() { return Collections.unmodifiableSet(names); }

  static boolean isJdk(Class<?> c) {
    String n = c.getName();
    return c.getClassLoader() == null || n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.")
        || n.startsWith("sun.");
  }

  private void addType(Type t) {
    switch (t) {
      case Class<?> c -> addClass(c);
      case ParameterizedType p -> {
        addType(p.getRawType());
        for (Type a : p.getActualTypeArguments()) addType(a);
      }
      case GenericArrayType g -> addType(g.getGenericComponentType());
      case WildcardType w -> {
        for (Type b : w.getUpperBounds()) addType(b);
        for (Type b : w.getLowerBounds()) addType(b);
      }
      case TypeVariable<?> v -> {
        for (Type b : v.getBounds()) if (b != Object.class) addType(b);
      }
      default -> {}
    }
  }

  private void addClass(Class<?> c) {
    while (c.isArray()) c = c.getComponentType();
    if (c.isPrimitive() || c == Object.class) return;
    if (isJdk(c)) {
      jdk.add(c);
      return;
    }
    if (!user.add(c)) return;
    for (Field f : fields(c)) addType(f.getGenericType());
    if (c.isSealed()) for (Class<?> p : c.getPermittedSubclasses()) addClass(p);
    if (c.isEnum()) for (Object k : c.getEnumConstants()) addClass(k.getClass());
    if (c.getSuperclass() != null && c.getSuperclass() != Object.class && c.getSuperclass() != Enum.class
        && c.getSuperclass() != Record.class)
      addClass(c.getSuperclass());
  }

  /** Walks the objects reachable from the root now and adds their classes. */
  private void walk(Object root) {
    IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Object> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Object o = todo.pop();
      if (o == null || seen.put(o, Boolean.TRUE) != null) continue;
      Class<?> c = o.getClass();
      if (c.isArray()) {
        if (c.getComponentType().isPrimitive()) continue;
        addClass(c);
        for (Object e : (Object[]) o) if (e != null && !seen.containsKey(e)) todo.push(e);
      } else if (isJdk(c)) {
        jdk.add(c);
        if (o instanceof Map<?, ?> m) {
          for (var e : m.entrySet()) { push(todo, seen, e.getKey()); push(todo, seen, e.getValue()); }
        } else if (o instanceof Collection<?> col) {
          for (Object e : col) push(todo, seen, e);
        } else if (o instanceof java.util.Optional<?> opt) {
          opt.ifPresent(v -> push(todo, seen, v));
        }
      } else {
        addClass(c);
        for (Field f : fields(c)) {
          if (f.getType().isPrimitive()) continue;
          Object v;
          try {
            v = f.get(o);
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
          String not = notState(v);
          if (not != null)
            throw new IllegalArgumentException("field " + f.getDeclaringClass().getName() + "." + f.getName()
                + " holds " + not
                + ", which a checkpoint cannot capture or restore (threads, sockets, streams, channels, native memory are not state):"
                + " mark the field transient and rebuild it after a restore");
          push(todo, seen, v);
        }
      }
    }
  }

  /** What the object is when it is live machinery rather than state (null for state). */
  static String notState(Object v) {
    if (v == null) return null;
    String what = switch (v) {
      case Thread t -> "a thread";
      case java.net.Socket x -> "a socket";
      case java.net.ServerSocket x -> "a server socket";
      case java.nio.channels.Channel x -> "a channel";
      case java.io.InputStream x -> "an input stream";
      case java.io.OutputStream x -> "an output stream";
      case java.io.Reader x -> "a reader";
      case java.io.Writer x -> "a writer";
      case ClassLoader x -> "a class loader";
      case Process x -> "a process";
      case java.util.concurrent.ExecutorService x -> "an executor";
      case java.lang.foreign.MemorySegment x -> "a memory segment";
      case java.lang.foreign.Arena x -> "an arena";
      case java.nio.ByteBuffer b when b.isDirect() ->
        "a direct ByteBuffer (native memory: protect it with protect(name, ByteBuffer))";
      case java.util.concurrent.locks.Lock x -> "a lock";
      default -> null;
    };
    return what == null ? null : what + " (" + v.getClass().getName() + ")";
  }

  private static void push(ArrayDeque<Object> todo, IdentityHashMap<Object, Boolean> seen, Object o) {
    if (o != null && !seen.containsKey(o)) todo.push(o);
  }

  private static final ClassValue<List<Field>> FIELDS = new ClassValue<>() {
    @Override
    protected List<Field> computeValue(Class<?> k) {
      List<Field> out = new ArrayList<>();
      for (Class<?> x = k; x != null && x != Object.class && !isJdk(x); x = x.getSuperclass()) {
        for (Field f : x.getDeclaredFields()) {
          int m = f.getModifiers();
          if (Modifier.isStatic(m) || Modifier.isTransient(m)) continue;
          if (!f.trySetAccessible())
            throw new IllegalArgumentException(
                "field " + x.getName() + "." + f.getName() + " cannot be read: its module does not open "
                    + x.getPackageName() + " to Cairn (add 'opens " + x.getPackageName()
                    + "' to module-info, or --add-opens)");
          out.add(f);
        }
      }
      return List.copyOf(out);
    }
  };

  /** The instance fields a serializer captures: non-static, non-transient, of the class and its superclasses, accessible. */
  static List<Field> fields(Class<?> c) {
    return FIELDS.get(c);
  }
}
