package dev.kernelj.dsl.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces of one source and what C++ name lookup needs from them: which are inline, the
 * using-directives, namespace aliases and using-declarations in each. An anonymous namespace is a
 * path element "" and is nominated by an implicit using-directive in its parent, as in C++.
 *
 * <p>Paths are absolute, outermost first; the global namespace is the empty path.
 */
final class Namespaces {
  static final String ANONYMOUS = "(anonymous namespace)";

  /** A name written in the source, looked up from the scope it was written in. */
  record Written(List<String> parts, boolean rooted, List<String> scope) {}

  private static final class Info {
    boolean inline;
    final List<Written> usingDirectives = new ArrayList<>();
    final Map<String, Written> aliases = new HashMap<>();
    final Map<String, List<Written>> usingDeclarations = new HashMap<>();
  }

  private final Map<List<String>, Info> infos = new HashMap<>();

  /**
   * The using-directives whose namespace is being looked up: resolving one from the scope it is
   * written in must not consult it again ({@code namespace d { using namespace cfg; }} looks for
   * cfg in d, whose directives include this one).
   */
  private final Set<Written> resolving = new HashSet<>();

  Namespaces() {
    infos.put(List.of(), new Info());
  }

  /** {@code a::b::f}; {@code (anonymous namespace)} for an anonymous one. */
  static String spell(List<String> namespace, String name) {
    StringBuilder s = new StringBuilder();
    for (String part : namespace) {
      s.append(part.isEmpty() ? ANONYMOUS : part).append("::");
    }
    return s.append(name).toString();
  }

  // ---- building, while the parser walks the source

  /** Opens (or reopens) namespace {@code name} inside {@code parent}; returns its path. */
  List<String> enter(List<String> parent, String name, boolean inline) {
    List<String> path = append(parent, name);
    Info info = infos.computeIfAbsent(path, p -> new Info());
    info.inline |= inline;
    if (name.isEmpty()) {
      Written self = new Written(List.of(""), false, parent);
      if (!infos.get(parent).usingDirectives.contains(self)) {
        infos.get(parent).usingDirectives.add(self);
      }
    }
    return path;
  }

  void usingDirective(List<String> scope, Written target) {
    info(scope).usingDirectives.add(target);
  }

  void alias(List<String> scope, String name, Written target) {
    info(scope).aliases.put(name, target);
  }

  void usingDeclaration(List<String> scope, String name, Written target) {
    info(scope).usingDeclarations.computeIfAbsent(name, n -> new ArrayList<>()).add(target);
  }

  private Info info(List<String> path) {
    return infos.computeIfAbsent(path, p -> new Info());
  }

  // ---- lookup

  /** Finds what a name denotes, given the entities declared directly in each namespace. */
  interface Members<T> {
    List<T> declared(List<String> namespace, String name);
  }

  /**
   * Qualified lookup ([namespace.qual]) of {@code name} in the namespace the qualifier names, or in
   * the global namespace for {@code ::name}; unqualified lookup at global scope for a name without
   * qualifier, as a name expression appended to the source is looked up.
   */
  <T> List<T> lookup(List<String> qualifier, boolean rooted, String name, Members<T> members) {
    if (qualifier.isEmpty()) {
      Set<T> found = new LinkedHashSet<>();
      if (rooted) {
        found.addAll(qualified(List.of(), name, members, new LinkedHashSet<>()));
      } else {
        for (List<String> ns : visibleFromGlobal()) {
          found.addAll(declaredWithUsing(ns, name, members));
        }
      }
      return List.copyOf(found);
    }
    List<String> ns = namespace(new Written(qualifier, rooted, List.of()));
    return ns == null ? List.of() : qualified(ns, name, members, new LinkedHashSet<>());
  }

  /**
   * Lookup of a name as written in {@code written.scope()}: with a qualifier, in the namespace the
   * qualifier names from that scope; without one, in that scope and then each enclosing one, each
   * with its using-declarations and the namespaces its using-directives nominate; the first scope
   * where the name is found decides.
   */
  <T> List<T> lookupFrom(Written written, Members<T> members) {
    List<String> parts = written.parts();
    String name = parts.get(parts.size() - 1);
    if (parts.size() > 1) {
      List<String> ns =
          namespace(
              new Written(parts.subList(0, parts.size() - 1), written.rooted(), written.scope()));
      return ns == null ? List.of() : qualified(ns, name, members, new LinkedHashSet<>());
    }
    if (written.rooted()) {
      return qualified(List.of(), name, members, new LinkedHashSet<>());
    }
    for (List<String> scope = written.scope(); ; scope = scope.subList(0, scope.size() - 1)) {
      List<T> found =
          infos.containsKey(scope)
              ? qualified(scope, name, members, new LinkedHashSet<>())
              : List.of();
      if (!found.isEmpty() || scope.isEmpty()) {
        return found;
      }
    }
  }

  /** The namespace a written qualifier denotes, or null when there is none. */
  List<String> namespace(Written written) {
    List<String> current = null;
    List<String> parts = written.parts();
    if (written.rooted()) {
      current = member(List.of(), parts.get(0), new LinkedHashSet<>());
    } else {
      for (List<String> scope = written.scope(); ; scope = scope.subList(0, scope.size() - 1)) {
        current = member(scope, parts.get(0), new LinkedHashSet<>());
        if (current != null || scope.isEmpty()) {
          break;
        }
      }
    }
    for (int i = 1; i < parts.size() && current != null; i++) {
      current = member(current, parts.get(i), new LinkedHashSet<>());
    }
    return current;
  }

  /** The namespace a using-directive nominates, or null (also while it is being resolved). */
  private List<String> nominated(Written directive) {
    if (!resolving.add(directive)) {
      return null;
    }
    try {
      return namespace(directive);
    } finally {
      resolving.remove(directive);
    }
  }

  /** Namespace {@code name} as a member of {@code ns}: a child, an alias, or through using. */
  private List<String> member(List<String> ns, String name, Set<List<String>> visited) {
    if (!visited.add(ns)) {
      return null;
    }
    for (List<String> scope : inlineSet(ns)) {
      List<String> child = append(scope, name);
      if (infos.containsKey(child)) {
        return child;
      }
      Written alias = infos.get(scope).aliases.get(name);
      if (alias != null) {
        return namespace(alias);
      }
    }
    for (List<String> scope : inlineSet(ns)) {
      for (Written directive : infos.get(scope).usingDirectives) {
        List<String> nominated = nominated(directive);
        if (nominated != null) {
          List<String> found = member(nominated, name, visited);
          if (found != null) {
            return found;
          }
        }
      }
    }
    return null;
  }

  private <T> List<T> qualified(
      List<String> ns, String name, Members<T> members, Set<List<String>> visited) {
    if (!visited.add(ns)) {
      return List.of();
    }
    Set<T> found = new LinkedHashSet<>();
    for (List<String> scope : inlineSet(ns)) {
      found.addAll(declaredWithUsing(scope, name, members));
    }
    if (!found.isEmpty()) {
      return List.copyOf(found);
    }
    for (List<String> scope : inlineSet(ns)) {
      for (Written directive : infos.get(scope).usingDirectives) {
        List<String> nominated = nominated(directive);
        if (nominated != null) {
          found.addAll(qualified(nominated, name, members, visited));
        }
      }
    }
    return List.copyOf(found);
  }

  private <T> List<T> declaredWithUsing(List<String> ns, String name, Members<T> members) {
    List<T> found = new ArrayList<>(members.declared(ns, name));
    Info info = infos.get(ns);
    for (Written target :
        info == null ? List.<Written>of() : info.usingDeclarations.getOrDefault(name, List.of())) {
      List<String> parts = target.parts();
      List<String> qualifierParts = parts.subList(0, parts.size() - 1);
      List<String> where =
          qualifierParts.isEmpty()
              ? (target.rooted() ? List.of() : null)
              : namespace(new Written(qualifierParts, target.rooted(), target.scope()));
      if (where != null) {
        found.addAll(qualified(where, parts.get(parts.size() - 1), members, new LinkedHashSet<>()));
      }
    }
    return found;
  }

  /** The namespace and its inline namespaces, transitively. */
  private List<List<String>> inlineSet(List<String> ns) {
    List<List<String>> set = new ArrayList<>();
    set.add(ns);
    for (int i = 0; i < set.size(); i++) {
      List<String> scope = set.get(i);
      for (Map.Entry<List<String>, Info> e : infos.entrySet()) {
        List<String> path = e.getKey();
        if (e.getValue().inline
            && path.size() == scope.size() + 1
            && path.subList(0, scope.size()).equals(scope)
            && !set.contains(path)) {
          set.add(path);
        }
      }
    }
    return set;
  }

  /**
   * The namespaces whose members unqualified lookup at global scope sees: the global one, its
   * inline namespaces, and what using-directives nominate, transitively.
   */
  private List<List<String>> visibleFromGlobal() {
    List<List<String>> seen = new ArrayList<>();
    List<List<String>> todo = new ArrayList<>(List.of(List.of()));
    while (!todo.isEmpty()) {
      List<String> ns = todo.remove(0);
      for (List<String> scope : inlineSet(ns)) {
        if (seen.contains(scope)) {
          continue;
        }
        seen.add(scope);
        for (Written directive : infos.get(scope).usingDirectives) {
          List<String> nominated = nominated(directive);
          if (nominated != null && !seen.contains(nominated)) {
            todo.add(nominated);
          }
        }
      }
    }
    return seen;
  }

  private static List<String> append(List<String> path, String name) {
    List<String> p = new ArrayList<>(path);
    p.add(name);
    return List.copyOf(p);
  }
}
