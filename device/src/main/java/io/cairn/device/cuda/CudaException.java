package io.cairn.device.cuda;

/** A CUDA driver call failed; the message names the call and the error (e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}). */
public final class CudaException extends RuntimeException {
  private final int code;

  CudaException(String message, int code) {
    super(message);
    this.code = code;
  }

  /** The CUresult ({@code 0} when the failure was not a driver error, e.g. no driver). */
  public int code() {
    return code;
  }
}
