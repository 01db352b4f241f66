/** Project name → the projects it imports. */
export type DependencyMap = Readonly<Record<string, readonly string[]>>;

/**
 * The first dependency cycle found by a depth-first search, as a closed path
 * (`['a', 'b', 'a']`), or undefined when the graph is acyclic. Nodes are visited in name
 * order so the reported cycle is the same on every run.
 */
export function findCycle(dependencies: DependencyMap): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();

  const visit = (node: string): string[] | undefined => {
    path.push(node);
    onPath.add(node);
    for (const next of [...(dependencies[node] ?? [])].sort()) {
      if (onPath.has(next)) return [...path.slice(path.indexOf(next)), next];
      if (done.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return undefined;
  };

  for (const node of Object.keys(dependencies).sort()) {
    if (done.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
