package io.cairn;

/** A checkpoint or restore failed. The message says what, where, and what the user can do. */
public class CairnException extends RuntimeException {
  public CairnException(String message) { super(message); }
  public CairnException(String message, Throwable cause) { super(message, cause); }
}
