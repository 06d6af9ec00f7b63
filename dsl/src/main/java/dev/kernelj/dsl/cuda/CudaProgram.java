package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CUDA C source as every compiler configuration that may build it sees it: nvcc's device pass for
 * each architecture the build targets, and, for the checks that a kernel's parameters do not change
 * with the architecture, nvcc and NVRTC for every other architecture a GPU may have. Configurations
 * that predefine the same values for every macro the source mentions see the same thing and share
 * one view, so a source that never tests {@code __CUDA_ARCH__} has one view.
 *
 * @param views one per distinct way the source reads, those of the build's targets first
 */
public record CudaProgram(List<View> views) {
  /**
   * The source as some compile targets see it.
   *
   * @param targets the targets that see it this way
   * @param buildTargets how many of the targets, at the front, the build compiles for
   * @param source what they see
   */
  public record View(List<CompileTarget> targets, int buildTargets, CudaSource source) {
    public View {
      targets = List.copyOf(targets);
    }

    /** Whether the build compiles for one of the targets (a problem here fails the build). */
    public boolean built() {
      return buildTargets > 0;
    }
  }

  /**
   * Every architecture a GPU of a supported toolkit may have, for views beyond the build's own
   * targets (NVRTC compiles for the device at hand).
   */
  public static final List<Integer> ALL_ARCHS =
      List.of(50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 101, 103, 110, 120, 121);

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z_0-9]*");

  public CudaProgram {
    views = List.copyOf(views);
  }

  /** One view of one target. */
  public static CudaProgram of(CompileTarget target, CudaSource source) {
    return new CudaProgram(List.of(new View(List.of(target), 1, source)));
  }

  /**
   * The views a build sees: nvcc's device pass for each of {@code buildArchs}, then nvcc and NVRTC
   * for each other architecture, with {@code options}.
   *
   * @throws CudaParseException when the source cannot be read for a target the build compiles for
   *     (a view beyond the build that cannot be read is dropped: an {@code #error} for old
   *     architectures is how sources refuse them)
   * @throws IllegalArgumentException when an option's macro definition is malformed
   */
  public static CudaProgram forBuild(
      String source, List<String> options, List<Integer> buildArchs, CudaVersion version) {
    List<CompileTarget> built = new ArrayList<>();
    for (int arch : buildArchs) {
      built.add(CompileTarget.nvcc(arch, buildArchs, version, options));
    }
    List<CompileTarget> others = new ArrayList<>();
    for (int arch : ALL_ARCHS) {
      if (!buildArchs.contains(arch)) {
        others.add(CompileTarget.nvcc(arch, List.of(arch), version, options));
      }
    }
    for (int arch : ALL_ARCHS) {
      others.add(CompileTarget.nvrtc(arch, version, options));
    }
    return of(source, built, others);
  }

  /** Views for {@code built} (which must not be empty) and {@code others}; see the class. */
  static CudaProgram of(String source, List<CompileTarget> built, List<CompileTarget> others) {
    List<CompileTarget> all = new ArrayList<>(built);
    all.addAll(others);
    Set<String> relevant = mayVary(all);
    relevant.retainAll(identifiersIn(source + "\n" + String.join(" ", built.get(0).options())));
    if (relevant.isEmpty()) {
      // Every target predefines the same for what the source mentions: it reads the same for all.
      CudaSource parsed = CudaDeclarationParser.parse(source, built.get(0).macros());
      return new CudaProgram(List.of(new View(all, built.size(), parsed)));
    }
    List<Map<String, Macro>> macros = all.stream().map(CompileTarget::macros).toList();
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < all.size(); i++) {
      groups.computeIfAbsent(signature(macros.get(i), relevant), k -> new ArrayList<>()).add(i);
    }
    List<View> views = new ArrayList<>();
    for (List<Integer> group : groups.values()) {
      List<CompileTarget> targets = group.stream().map(all::get).toList();
      int buildTargets = (int) group.stream().filter(i -> i < built.size()).count();
      try {
        CudaSource parsed = CudaDeclarationParser.parse(source, macros.get(group.get(0)));
        views.add(new View(targets, buildTargets, parsed));
      } catch (CudaParseException e) {
        if (buildTargets > 0) {
          throw e;
        }
      }
    }
    return new CudaProgram(views);
  }

  /** The first view the build compiles. */
  public View primary() {
    return views.stream().filter(View::built).findFirst().orElse(views.get(0));
  }

  /**
   * Names whose predefinition may differ between the targets: what one target of each compiler
   * defines differently from the other, and the architecture macros.
   */
  private static Set<String> mayVary(List<CompileTarget> targets) {
    List<Map<String, Macro>> representatives = new ArrayList<>();
    for (CompileTarget.Compiler compiler : CompileTarget.Compiler.values()) {
      targets.stream()
          .filter(t -> t.compiler() == compiler)
          .findFirst()
          .ifPresent(t -> representatives.add(t.macros()));
    }
    Set<String> names = new LinkedHashSet<>(List.of("__CUDA_ARCH__", "__CUDA_ARCH_LIST__"));
    Set<String> all = new LinkedHashSet<>();
    representatives.forEach(m -> all.addAll(m.keySet()));
    for (String name : all) {
      String first = spelling(representatives.get(0), name);
      if (representatives.stream().anyMatch(m -> !spelling(m, name).equals(first))) {
        names.add(name);
      }
    }
    return names;
  }

  private static String signature(Map<String, Macro> macros, Set<String> names) {
    StringBuilder s = new StringBuilder();
    for (String name : names) {
      s.append(spelling(macros, name)).append('\n');
    }
    return s.toString();
  }

  private static String spelling(Map<String, Macro> macros, String name) {
    Macro m = macros.get(name);
    return m == null ? "(undefined)" : m.spelling();
  }

  private static Set<String> identifiersIn(String source) {
    Set<String> ids = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(source);
    while (m.find()) {
      ids.add(m.group());
    }
    return ids;
  }
}
