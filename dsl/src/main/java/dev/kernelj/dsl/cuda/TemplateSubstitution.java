package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Puts template arguments into a template kernel's parameter types; see {@link
 * CudaKernel#paramsFor}. A type parameter pack ({@code typename... Ts}) takes the arguments left
 * after the others, and a parameter of the pack's type ({@code Ts... args}) becomes one parameter
 * per argument ({@code args[0]}, {@code args[1]}, ...), as the instantiation has them.
 */
final class TemplateSubstitution {
  private TemplateSubstitution() {}

  static List<CudaParam> substitute(CudaKernel kernel, List<String> args) {
    return substitute(kernel, args, UnaryOperator.identity());
  }

  /** {@link #substitute(CudaKernel, List)} with each type argument read through {@code aliases}. */
  static List<CudaParam> substitute(
      CudaKernel kernel, List<String> args, UnaryOperator<CudaType> aliases) {
    List<TemplateParam> tparams = kernel.templateParams();
    TemplateParam last = tparams.isEmpty() ? null : tparams.get(tparams.size() - 1);
    boolean pack = last != null && last.isPack();
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
    TemplateParam typePack = pack && last.takesTypes() ? last : null;
    List<String> packArgs =
        typePack == null
            ? List.of()
            : args.subList(Math.min(args.size(), tparams.size() - 1), args.size());
    for (int i = 0; i < tparams.size(); i++) {
      TemplateParam tp = tparams.get(i);
      if (tp == typePack) {
        continue;
      }
      String arg =
          i < args.size() ? args.get(i) : spelled.getOrDefault(tp.defaultArg(), tp.defaultArg());
      spelled.put(tp.name(), arg);
      if (tp.isType() && !tp.name().isEmpty() && !arg.isEmpty()) {
        types.put(tp.name(), aliases.apply(typeOf(arg)));
      }
    }
    List<CudaParam> out = new ArrayList<>();
    for (CudaParam p : kernel.params()) {
      String element = withoutEllipsis(p.type().base());
      if (typePack != null && !typePack.name().isEmpty() && element.equals(typePack.name())) {
        CudaType written = p.type().withBase(element);
        String name = withoutEllipsis(p.name());
        for (int j = 0; j < packArgs.size(); j++) {
          out.add(
              new CudaParam(
                  replace(written, aliases.apply(typeOf(packArgs.get(j)))), name + "[" + j + "]"));
        }
        continue;
      }
      CudaType argType = types.get(p.type().base());
      out.add(
          argType == null
              ? p
              : new CudaParam(replace(p.type(), argType), p.name(), p.defaultValue()));
    }
    return out;
  }

  /** {@code Ts ...} (a pack expansion as the declarator reads it) without its {@code ...}. */
  private static String withoutEllipsis(String text) {
    String t = text.strip();
    if (t.endsWith("...")) {
      t = t.substring(0, t.length() - 3).strip();
    }
    if (t.startsWith("...")) {
      t = t.substring(3).strip();
    }
    return t;
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
