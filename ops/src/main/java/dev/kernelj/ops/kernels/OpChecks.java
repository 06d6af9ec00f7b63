package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.Tensor;
import java.nio.ByteBuffer;

/**
 * The tensor-level rules of every op, shared by both backends so that they accept and refuse
 * exactly the same inputs. Each check throws one {@link OpArgumentException} naming the op, the
 * argument and the shapes involved; nothing has been launched or written when it does.
 */
public final class OpChecks {
  private OpChecks() {}

  /** Rows x cols view of a tensor whose rows are uniformly strided. */
  public record Rows(int rows, int cols, long rowStride) {}

  public static void elementwise(String op, Tensor out, Tensor a) {
    floating(op, "a", a);
    sameDtype(op, "out", out, a);
    sameShape(op, "out", out, "a", a);
    contiguous(op, "out", out);
    contiguous(op, "a", a);
  }

  /**
   * a and out alike; b alike too, or a 1-D row of a's last dim broadcast over every row. Returns
   * the broadcast length or 0.
   */
  public static long binary(String op, Tensor out, Tensor a, Tensor b) {
    elementwise(op, out, a);
    sameDtype(op, "b", b, a);
    contiguous(op, "b", b);
    if (b.shape().equals(a.shape())) {
      return 0;
    }
    if (b.rank() == 1 && a.rank() >= 1 && b.dim(0) == a.dim(-1)) {
      return b.dim(0);
    }
    throw new OpArgumentException(
        op,
        "b",
        "has shape "
            + b.shape()
            + " but a has "
            + a.shape()
            + "; b must match a or be ["
            + (a.rank() > 0 ? a.dim(-1) : 1)
            + "] to broadcast over rows");
  }

  public static void cast(Tensor out, Tensor in) {
    floating("cast", "in", in);
    floating("cast", "out", out);
    sameShape("cast", "out", out, "in", in);
    contiguous("cast", "out", out);
    contiguous("cast", "in", in);
  }

  public static Rows embedding(Tensor out, Tensor table, Tensor ids) {
    floating("embedding", "table", table);
    if (ids.dtype() != DType.I32) {
      throw new OpArgumentException(
          "embedding", "ids", "has dtype " + ids.dtype() + "; I32 expected");
    }
    if (table.rank() != 2) {
      throw new OpArgumentException(
          "embedding", "table", "has shape " + table.shape() + "; [vocab, dim] expected");
    }
    // Any floating table into any floating out (one rounding): the CUDA kernels cover every pair.
    floating("embedding", "out", out);
    int tokens = Math.toIntExact(ids.numel());
    if (out.rank() != 2 || out.dim(0) != tokens || out.dim(1) != table.dim(1)) {
      throw new OpArgumentException(
          "embedding",
          "out",
          "has shape "
              + out.shape()
              + " but ids "
              + ids.shape()
              + " and table "
              + table.shape()
              + " give ["
              + tokens
              + ", "
              + table.dim(1)
              + "]");
    }
    contiguous("embedding", "out", out);
    contiguous("embedding", "table", table);
    contiguous("embedding", "ids", ids);
    return new Rows(tokens, table.dim(1), table.dim(1));
  }

  /** x and out [..., cols] with uniform rows; weight [cols]. */
  public static Rows norm(String op, Tensor out, Tensor x, Tensor weight) {
    floating(op, "x", x);
    sameDtype(op, "out", out, x);
    sameDtype(op, "weight", weight, x);
    sameShape(op, "out", out, "x", x);
    if (x.rank() < 1) {
      throw new OpArgumentException(op, "x", "is a scalar; [..., cols] expected");
    }
    if (weight.rank() != 1 || weight.dim(0) != x.dim(-1)) {
      throw new OpArgumentException(
          op,
          "weight",
          "has shape "
              + weight.shape()
              + " but x has "
              + x.shape()
              + "; weight must be ["
              + x.dim(-1)
              + "]");
    }
    contiguous(op, "weight", weight);
    Rows rows = rows(op, "x", x);
    rows(op, "out", out);
    return rows;
  }

  public static Rows rows(String op, String arg, Tensor t) {
    if (!t.hasUniformRows()) {
      throw new OpArgumentException(op, arg, t + " needs contiguous rows at one fixed stride");
    }
    long rows = t.shape().rows();
    if (rows > Integer.MAX_VALUE) {
      throw new OpArgumentException(op, arg, t + " has more than 2^31 - 1 rows");
    }
    return new Rows((int) rows, t.rank() == 0 ? 1 : t.dim(-1), t.rowStride());
  }

  public static void softmax(Tensor out, Tensor x, SoftmaxMask mask) {
    floating("softmax", "x", x);
    sameDtype("softmax", "out", out, x);
    sameShape("softmax", "out", out, "x", x);
    Rows r = rows("softmax", "x", x);
    rows("softmax", "out", out);
    if (mask.lengths() != null) {
      Tensor len = mask.lengths();
      if (len.dtype() != DType.I32 || len.rank() != 1 || !len.isContiguous()) {
        throw new OpArgumentException(
            "softmax", "mask.lengths", "is " + len + "; contiguous I32 [sequences] expected");
      }
      long needed = ((long) r.rows() + mask.rowsPerLength() - 1) / mask.rowsPerLength();
      if (len.dim(0) < needed) {
        throw new OpArgumentException(
            "softmax",
            "mask.lengths",
            "has shape "
                + len.shape()
                + " but x has "
                + x.shape()
                + " with "
                + mask.rowsPerLength()
                + " rows per length: at least "
                + needed
                + " lengths needed");
      }
    }
  }

  /** gate, up, out [..., cols] alike, uniform rows each. */
  public static Rows[] swiglu(Tensor out, Tensor gate, Tensor up) {
    floating("swiglu", "gate", gate);
    sameDtype("swiglu", "up", up, gate);
    sameDtype("swiglu", "out", out, gate);
    sameShape("swiglu", "up", up, "gate", gate);
    sameShape("swiglu", "out", out, "gate", gate);
    return new Rows[] {
      rows("swiglu", "out", out), rows("swiglu", "gate", gate), rows("swiglu", "up", up)
    };
  }

  /** x [tokens, heads, headDim] with contiguous head dims; positions I32 [tokens]. */
  public static void rope(Tensor x, Tensor positions, RopeConfig config) {
    floating("rope", "x", x);
    if (x.rank() != 3 || x.dim(2) != config.headDim()) {
      throw new OpArgumentException(
          "rope",
          "x",
          "has shape " + x.shape() + "; [tokens, heads, " + config.headDim() + "] expected");
    }
    if (x.stride(2) != 1 && x.dim(2) > 1) {
      throw new OpArgumentException("rope", "x", x + " needs contiguous head dims");
    }
    if (positions.dtype() != DType.I32
        || positions.rank() != 1
        || positions.dim(0) != x.dim(0)
        || !positions.isContiguous()) {
      throw new OpArgumentException(
          "rope",
          "positions",
          "is "
              + positions
              + " but x has "
              + x.shape()
              + "; contiguous I32 ["
              + x.dim(0)
              + "] expected");
    }
  }

  /** x [..., k], w [n, k], out [..., n] with the same leading dims as x. Returns (rows m, n, k). */
  public static int[] matmul(Tensor out, Tensor x, Tensor w) {
    floating("matmul", "x", x);
    floating("matmul", "w", w);
    if (w.rank() != 2) {
      throw new OpArgumentException(
          "matmul",
          "w",
          "has shape " + w.shape() + "; [n, k] (out_features, in_features) expected");
    }
    if (x.rank() < 1 || x.dim(-1) != w.dim(1)) {
      throw new OpArgumentException(
          "matmul",
          "x",
          "has shape " + x.shape() + " but w has " + w.shape() + "; x must end in k = " + w.dim(1));
    }
    int[] expect = x.shape().toArray();
    expect[expect.length - 1] = w.dim(0);
    if (!out.shape().equals(dev.kernelj.ops.Shape.of(expect))) {
      throw new OpArgumentException(
          "matmul",
          "out",
          "has shape "
              + out.shape()
              + " but x "
              + x.shape()
              + " . w "
              + w.shape()
              + "^T gives "
              + dev.kernelj.ops.Shape.of(expect));
    }
    if (!Gemv.supports(x.dtype(), w.dtype(), out.dtype())) {
      throw new OpArgumentException(
          "matmul",
          "dtypes",
          "x "
              + x.dtype()
              + ", w "
              + w.dtype()
              + ", out "
              + out.dtype()
              + " not supported; x and out must be F32 or w's dtype");
    }
    rows("matmul", "x", x);
    rows("matmul", "out", out);
    rows("matmul", "w", w);
    return new int[] {(int) x.shape().rows(), w.dim(0), w.dim(1)};
  }

  // ---------------------------------------------------------------- primitives

  public static void floating(String op, String arg, Tensor t) {
    if (!DTypes.isFloating(t.dtype())) {
      throw new OpArgumentException(
          op, arg, "has dtype " + t.dtype() + "; F32, F16 or BF16 expected");
    }
  }

  public static void sameDtype(String op, String arg, Tensor t, Tensor like) {
    if (t.dtype() != like.dtype()) {
      throw new OpArgumentException(
          op, arg, "has dtype " + t.dtype() + " but the input has " + like.dtype());
    }
  }

  public static void sameShape(String op, String arg, Tensor t, String otherArg, Tensor other) {
    if (!t.shape().equals(other.shape())) {
      throw new OpArgumentException(
          op, arg, "has shape " + t.shape() + " but " + otherArg + " has " + other.shape());
    }
  }

  public static void contiguous(String op, String arg, Tensor t) {
    if (!t.isContiguous()) {
      throw new OpArgumentException(op, arg, t + " must be contiguous");
    }
  }

  /**
   * The byte count {@code dst} needs, after checking that it is contiguous and that {@code bytes}
   * holds exactly that many (a size off by a factor of 2 or 4 usually means the bytes are of
   * another dtype, so the message names the dtype the bytes must be in).
   */
  public static long copyFromHost(Tensor dst, ByteBuffer bytes) {
    OpChecks.contiguous("copyFromHost", "dst", dst);
    long need = dst.numel() * dst.dtype().byteSize();
    if (bytes.remaining() != need) {
      throw new OpArgumentException(
          "copyFromHost",
          "bytes",
          "holds "
              + bytes.remaining()
              + " bytes but dst "
              + dst
              + " needs "
              + need
              + " ("
              + dst.numel()
              + " elements of "
              + dst.dtype()
              + ", "
              + dst.dtype().byteSize()
              + " bytes each, little-endian)");
    }
    return need;
  }
}
