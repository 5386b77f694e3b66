package io.cairn.dl.data;

/** A read-only, indexable dataset of labelled samples; {@link #get} must be a pure function of the index. */
public interface Dataset {
  int size();

  /** Flat size of one input. */
  int inputSize();

  int classes();

  /** Writes sample {@code index} into {@code x} and returns its label. */
  int get(int index, float[] x);

  /** Identifies the data (part of the configuration fingerprint: a resumed run must see the same data). */
  String describe();
}
