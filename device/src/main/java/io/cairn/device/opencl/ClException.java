package io.cairn.device.opencl;

/** An OpenCL call failed; the message names the call and the error (e.g. {@code CL_MEM_OBJECT_ALLOCATION_FAILURE}). */
public final class ClException extends RuntimeException {
  private final int code;

  ClException(String message, int code) {
    super(message);
    this.code = code;
  }

  /** The OpenCL error code ({@code 0} when the failure was not an OpenCL error code, e.g. a missing library). */
  public int code() {
    return code;
  }
}
