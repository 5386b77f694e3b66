package io.cairn.dl.nn;

import io.cairn.dl.rng.Stream;

/**
 * A 2-D convolution, stride 1, zero padding {@code pad}, on one sample laid out [channel][row][col].
 * Weights [outC][inC][k][k], then one bias per output channel.
 */
public final class Conv2d extends Layer {
  private final int c, h, w, oc, k, pad, oh, ow;

  public Conv2d(int channels, int height, int width, int outChannels, int kernel, int pad) {
    if (channels < 1 || height < 1 || width < 1 || outChannels < 1 || kernel < 1 || pad < 0)
      throw new IllegalArgumentException("bad conv2d shape");
    this.c = channels;
    this.h = height;
    this.w = width;
    this.oc = outChannels;
    this.k = kernel;
    this.pad = pad;
    this.oh = height + 2 * pad - kernel + 1;
    this.ow = width + 2 * pad - kernel + 1;
    if (oh < 1 || ow < 1)
      throw new IllegalArgumentException("conv2d kernel " + kernel + " larger than the padded input");
  }

  public int outHeight() { return oh; }
  public int outWidth() { return ow; }

  @Override
  public int inSize() { return c * h * w; }
  @Override
  public int outSize() { return oc * oh * ow; }
  @Override
  public int paramCount() { return oc * c * k * k + oc; }
  @Override
  public String describe() { return "conv2d(" + c + "x" + h + "x" + w + "->" + oc + ",k" + k + ",p" + pad + ")"; }
  @Override
  public String[] paramNames() { return new String[]{"weight", "bias"}; }
  @Override
  public int[] paramSizes() { return new int[]{oc * c * k * k, oc}; }

  @Override
  public void init(float[] wt, Stream rng) {
    double scale = StrictMath.sqrt(2.0 / (c * k * k));
    int o = offset();
    for (int i = 0; i < oc * c * k * k; i++) wt[o + i] = (float) (rng.normal() * scale);
    for (int i = 0; i < oc; i++) wt[o + oc * c * k * k + i] = 0f;
  }

  @Override
  public void forward(float[] wt, float[] x, float[] y, Pass pass) {
    int o = offset(), bo = o + oc * c * k * k;
    for (int f = 0; f < oc; f++) {
      for (int r = 0; r < oh; r++) {
        for (int q = 0; q < ow; q++) {
          float s = wt[bo + f];
          for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < k; i++) {
              int xr = r + i - pad;
              if (xr < 0 || xr >= h) continue;
              int wrow = o + ((f * c + ch) * k + i) * k;
              int xrow = (ch * h + xr) * w;
              for (int j = 0; j < k; j++) {
                int xc = q + j - pad;
                if (xc < 0 || xc >= w) continue;
                s += wt[wrow + j] * x[xrow + xc];
              }
            }
          }
          y[(f * oh + r) * ow + q] = s;
        }
      }
    }
  }

  @Override
  public void backward(float[] wt, float[] x, float[] y, float[] dy, float[] dx, float[] g, Pass pass) {
    int o = offset(), bo = o + oc * c * k * k;
    if (dx != null) java.util.Arrays.fill(dx, 0, c * h * w, 0f);
    for (int f = 0; f < oc; f++) {
      for (int r = 0; r < oh; r++) {
        for (int q = 0; q < ow; q++) {
          float d = dy[(f * oh + r) * ow + q];
          g[bo + f] += d;
          if (d == 0f) continue;
          for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < k; i++) {
              int xr = r + i - pad;
              if (xr < 0 || xr >= h) continue;
              int wrow = o + ((f * c + ch) * k + i) * k;
              int xrow = (ch * h + xr) * w;
              for (int j = 0; j < k; j++) {
                int xc = q + j - pad;
                if (xc < 0 || xc >= w) continue;
                g[wrow + j] += d * x[xrow + xc];
                if (dx != null) dx[xrow + xc] += d * wt[wrow + j];
              }
            }
          }
        }
      }
    }
  }
}
