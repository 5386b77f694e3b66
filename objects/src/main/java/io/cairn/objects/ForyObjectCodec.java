package io.cairn.objects;

import io.cairn.spi.ObjectCodec;
import java.util.Collection;
import java.util.Objects;

/**
 * Core's {@link ObjectCodec} backed by Apache Fory (reference tracking, compatible mode, class
 * allow-list). Found by core through {@link java.util.ServiceLoader}; programs do not call it.
 */
public final class ForyObjectCodec implements ObjectCodec {
  /** For {@link java.util.ServiceLoader}. */
  public ForyObjectCodec() {}

  @Override
  public Graph bind(String name, Object root, Collection<Class<?>> alsoAllowed) {
    return new ForyGraph(Objects.requireNonNull(name, "name"), Objects.requireNonNull(root, "root"), alsoAllowed);
  }
}
