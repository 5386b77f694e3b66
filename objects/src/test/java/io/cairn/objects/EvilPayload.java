package io.cairn.objects;

/** A class a crafted checkpoint names; loading it at all sets a system property (the tests only name it as a string). */
public final class EvilPayload {
  static {
    System.setProperty("cairn.test.evil-loaded", "yes");
  }
  public int x;
}
