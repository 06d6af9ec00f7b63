package dev.kernelj.dsl.cuda;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts template arguments into a template kernel's parameter types; see {@link
 * CudaKernel#paramsFor}.
 */
final class TemplateSubstitution {
  private TemplateSubstitution() {}

  static List<CudaParam> substitute(CudaKernel kernel, List<String> args) {
    List<TemplateParam> tparams = kernel.templateParams();
    boolean pack = !tparams.isEmpty() && tparams.get(tparams.size() - 1).isPack();
    if (args.size() > tparams.size() && !pack) {
      throw new IllegalArgumentException(
          "'"
              + kernel.name()
              + "' takes "
              + tparams.size()
              + " template arguments, "
              + args.size()
              + " given");
    }
    Map<String, String> spelled = new HashMap<>();
    Map<String, CudaType> types = new HashMap<>();
    for (int i = 0; i < tparams.size(); i++) {
      TemplateParam tp = tparams.get(i);
      String arg =
          i < args.size() ? args.get(i) : spelled.getOrDefault(tp.defaultArg(), tp.defaultArg());
      spelled.put(tp.name(), arg);
      if (tp.isType() && !tp.name().isEmpty() && !arg.isEmpty()) {
        types.put(tp.name(), typeOf(arg));
      }
    }
    return kernel.params().stream()
        .map(
            p -> {
              CudaType argType = types.get(p.type().base());
              return argType == null
                  ? p
                  : new CudaParam(replace(p.type(), argType), p.name(), p.defaultValue());
            })
        .toList();
  }

  /**
   * The argument read as a type; text that is not one stays as written, and the rules report it as
   * unknown.
   */
  private static CudaType typeOf(String arg) {
    try {
      return DeclaratorParser.type(arg);
    } catch (CudaParseException e) {
      return new CudaType(arg, false, 0, false);
    }
  }

  /**
   * {@code T*} with {@code T = const float} is {@code const float*}; with {@code T = float*} it is
   * {@code float**}, whose element constness is the argument's.
   */
  static CudaType replace(CudaType written, CudaType arg) {
    if (arg.pointerLevel() == 0) {
      return new CudaType(
          arg.base(),
          written.pointeeConst() || arg.pointeeConst(),
          written.pointerLevel(),
          written.restrict(),
          written.reference() || arg.reference());
    }
    return new CudaType(
        arg.base(),
        arg.pointeeConst(),
        written.pointerLevel() + arg.pointerLevel(),
        written.restrict() || arg.restrict(),
        written.reference());
  }
}
