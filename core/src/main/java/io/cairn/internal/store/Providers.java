package io.cairn.internal.store;

import io.cairn.spi.StorageProvider;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The level kinds other modules provide ({@link StorageProvider}s on the class path), by kind. */
public final class Providers {
  private static volatile Map<String, StorageProvider> byKind;

  private Providers() {}

  /** Providers found with {@link ServiceLoader} (core's class loader, then the thread's context class loader). */
  public static Map<String, StorageProvider> all() {
    Map<String, StorageProvider> m = byKind;
    if (m != null) return m;
    Map<String, StorageProvider> found = new TreeMap<>();
    for (ClassLoader cl : new ClassLoader[]{Providers.class.getClassLoader(),
        Thread.currentThread().getContextClassLoader()}) {
      if (cl == null) continue;
      try {
        for (StorageProvider p : ServiceLoader.load(StorageProvider.class, cl)) found.putIfAbsent(p.kind(), p);
      } catch (ServiceConfigurationError e) {
        org.slf4j.LoggerFactory.getLogger(Providers.class).warn("a storage provider could not be loaded: {}",
            e.getMessage());
      }
    }
    byKind = Map.copyOf(found);
    return byKind;
  }

  public static StorageProvider get(String kind) { return all().get(kind); }

  public static Set<String> kinds() { return new TreeSet<>(all().keySet()); }

  /** Every option any provider accepts. */
  public static Set<String> options() {
    Set<String> out = new TreeSet<>();
    for (StorageProvider p : all().values()) out.addAll(p.options());
    return out;
  }

  /**
   * The storage of a level whose kind a provider serves; null for the built-in kinds.
   *
   * @throws io.cairn.CairnException when the provider cannot open it (message naming the level)
   */
  public static io.cairn.spi.Storage open(io.cairn.internal.Settings.LevelSpec spec, Map<String, String> options,
      String run,
      boolean readOnly) {
    StorageProvider p = get(spec.kind());
    if (p == null) return null;
    try {
      return p.open(new io.cairn.spi.LevelInfo(spec.name(), spec.kind(), spec.path(), spec.keep(), spec.every()),
          options, run, readOnly);
    } catch (java.io.IOException | RuntimeException e) {
      throw new io.cairn.CairnException("level '" + spec.name() + "' (kind " + spec.kind() + "): " + e.getMessage(), e);
    }
  }
}
