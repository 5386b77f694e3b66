package io.cairn.sched.sim;

/** A binary min-heap of events (kind as its ordinal, two int arguments) on primitive arrays, ordered by (time, insertion order) so runs are deterministic. */
final class EventQueue {
  private double[] time = new double[1024];
  private long[] seq = new long[1024];
  private int[] type = new int[1024], a = new int[1024], b = new int[1024];
  private int size;
  private long counter;

  int size() { return size; }

  void push(double t, Simulator.Event event, int x, int y) {
    int ty = event.ordinal();
    if (size == time.length) grow();
    int i = size++;
    long s = counter++;
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (less(t, s, time[p], seq[p])) {
        move(p, i);
        i = p;
      } else
        break;
    }
    time[i] = t;
    seq[i] = s;
    type[i] = ty;
    a[i] = x;
    b[i] = y;
  }

  double peekTime() { return time[0]; }
  Simulator.Event topType() { return Simulator.Event.ALL[type[0]]; }
  int topA() { return a[0]; }
  int topB() { return b[0]; }

  void pop() {
    size--;
    if (size == 0) return;
    double t = time[size];
    long s = seq[size];
    int ty = type[size], x = a[size], y = b[size];
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) break;
      int r = l + 1;
      int c = (r < size && less(time[r], seq[r], time[l], seq[l])) ? r : l;
      if (less(time[c], seq[c], t, s)) {
        move(c, i);
        i = c;
      } else
        break;
    }
    time[i] = t;
    seq[i] = s;
    type[i] = ty;
    a[i] = x;
    b[i] = y;
  }

  private static boolean less(double t1, long s1, double t2, long s2) { return t1 < t2 || (t1 == t2 && s1 < s2); }

  private void move(int from, int to) {
    time[to] = time[from];
    seq[to] = seq[from];
    type[to] = type[from];
    a[to] = a[from];
    b[to] = b[from];
  }

  private void grow() {
    int n = time.length * 2;
    time = java.util.Arrays.copyOf(time, n);
    seq = java.util.Arrays.copyOf(seq, n);
    type = java.util.Arrays.copyOf(type, n);
    a = java.util.Arrays.copyOf(a, n);
    b = java.util.Arrays.copyOf(b, n);
  }
}
