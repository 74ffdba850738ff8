import { DirectedGraph, UndirectedGraph } from "graphology";
import { connectedComponents, stronglyConnectedComponents } from "graphology-components";
import { forEachNodeInTopologicalOrder } from "graphology-dag";
import type { AppFacts } from "./facts.js";

/**
 * One scheduling constraint between planned applications: wave(before) ≤ wave(after).
 * `dependent` declared the `dependsOn` link on `dependency`; the link is reversed (the
 * dependency comes last) when the dependency is being retired.
 */
export interface OrderLink {
  before: number;
  after: number;
  dependent: number;
  dependency: number;
}

/** A set of applications that must share a wave: together-links, merged order cycles. */
export interface Group {
  index: number;
  /** `g-001`…, numbered by each group's smallest application id. */
  id: string;
  /** Application indices (into the facts list), ascending. */
  members: number[];
  /** Longest chain of order constraints leading to this group (0 without prerequisites). */
  generation: number;
  /** One representative link per prerequisite group (the group that must not be later). */
  preds: { group: number; link: OrderLink }[];
  /** Groups that must not be earlier than this one. */
  succs: number[];
}

/** The applications cut into groups, with the constraints between groups. */
export interface Grouping {
  groups: Group[];
  /** Group index of each application index. */
  groupOf: Int32Array;
  /** The order cycles, one entry per group that holds any (see {@link OrderCycle}). */
  cycles: OrderCycle[];
}

/**
 * The applications of one group that sit on an order cycle. `merged` says the cycle is what put
 * them in one group; when false, together-links already did and the cycle constrains nothing,
 * but it is still reported (FORMATS.md: every order cycle is named in a warning).
 */
export interface OrderCycle {
  /** Application indices, ascending. */
  members: number[];
  merged: boolean;
}

/** Together pairs and order links among planned applications; other links do not constrain. */
function collectLinks(facts: readonly AppFacts[]): { together: [number, number][]; order: OrderLink[] } {
  const indexOf = new Map(facts.map((f) => [f.app.id, f.index]));
  const together: [number, number][] = [];
  const order: OrderLink[] = [];
  for (const f of facts) {
    for (const d of f.app.dependsOn) {
      const other = indexOf.get(d.app);
      if (other === undefined || other === f.index) continue; // not planned: no constraint
      if (d.together) together.push([f.index, other]);
      else if (d.order !== "none") {
        const retiring = facts[other]!.retiring;
        order.push({ before: retiring ? f.index : other, after: retiring ? other : f.index, dependent: f.index, dependency: other });
      }
    }
  }
  return { together, order };
}

/** Together-components through graphology; each component is named by its smallest index. */
function togetherComponents(n: number, pairs: readonly [number, number][]): Int32Array {
  const rep = new Int32Array(n);
  for (let i = 0; i < n; i++) rep[i] = i;
  if (pairs.length === 0) return rep;
  const graph = new UndirectedGraph({ allowSelfLoops: false });
  for (const [a, b] of pairs) {
    graph.mergeNode(a);
    graph.mergeNode(b);
    graph.mergeEdge(a, b);
  }
  for (const component of connectedComponents(graph)) {
    const members = component.map(Number);
    const smallest = Math.min(...members);
    for (const m of members) rep[m] = smallest;
  }
  return rep;
}

/** Topological order of `graph`'s nodes with their generation, or the nodes it reached before a cycle. */
function topologicalGenerations(graph: DirectedGraph): { generation: Map<string, number>; acyclic: boolean } {
  const generation = new Map<string, number>();
  try {
    forEachNodeInTopologicalOrder(graph, (node, _attrs, gen) => void generation.set(node, gen));
    return { generation, acyclic: true };
  } catch (err) {
    if (generation.size === graph.order) throw err;
    return { generation, acyclic: false };
  }
}

function subgraph(graph: DirectedGraph, nodes: ReadonlySet<string>, reversed: boolean): DirectedGraph {
  const sub = new DirectedGraph({ allowSelfLoops: false });
  for (const n of nodes) sub.addNode(n);
  graph.forEachEdge((_e, _a, source, target) => {
    if (nodes.has(source) && nodes.has(target)) {
      if (reversed) sub.mergeEdge(target, source);
      else sub.mergeEdge(source, target);
    }
  });
  return sub;
}

/**
 * The strongly connected components with more than one node. Only the cyclic core is searched:
 * nodes a topological sort can peel off from either end are in no cycle, and keeping the search
 * small keeps graphology's recursive SCC well inside the call stack on large estates.
 */
function orderCycles(graph: DirectedGraph, reachedForward: ReadonlyMap<string, number>): string[][] {
  const rest = new Set<string>();
  graph.forEachNode((n) => {
    if (!reachedForward.has(n)) rest.add(n);
  });
  const backward = topologicalGenerations(subgraph(graph, rest, true)).generation;
  const core = new Set([...rest].filter((n) => !backward.has(n)));
  return stronglyConnectedComponents(subgraph(graph, core, false)).filter((c) => c.length > 1);
}

/** Fold each cycle into its first node, keeping the edges to and from the rest of the graph. */
function mergeCycles(graph: DirectedGraph, cycles: readonly string[][]): void {
  let key = 0;
  const link = (s: string, t: string) => {
    if (s !== t && !graph.hasDirectedEdge(s, t)) graph.addDirectedEdgeWithKey(`merged-${key++}`, s, t);
  };
  for (const cycle of cycles) {
    const [rep, ...others] = cycle;
    const inCycle = new Set(cycle);
    for (const m of others) {
      for (const x of graph.outNeighbors(m)) if (!inCycle.has(x)) link(rep!, x);
      for (const x of graph.inNeighbors(m)) if (!inCycle.has(x)) link(x, rep!);
      graph.dropNode(m);
    }
  }
}

/**
 * Cut the planned applications into placement groups: together-components (graphology
 * connectedComponents), then order cycles among those components merged into one group
 * (stronglyConnectedComponents), and the generation of each group in the resulting DAG
 * (graphology-dag's topological order). Deterministic: numbering follows application ids.
 */
export function buildGroups(facts: readonly AppFacts[]): Grouping {
  const n = facts.length;
  const links = collectLinks(facts);
  const tg = togetherComponents(n, links.together);

  // Order constraints between together-components; only components with links enter the graph.
  const graph = new DirectedGraph({ allowSelfLoops: false });
  const seen = new Set<number>();
  let edgeKey = 0;
  for (const l of links.order) {
    const a = tg[l.before]!;
    const b = tg[l.after]!;
    if (a === b) continue;
    const pair = a * n + b;
    if (seen.has(pair)) continue;
    seen.add(pair);
    graph.mergeNode(a);
    graph.mergeNode(b);
    graph.addDirectedEdgeWithKey(edgeKey++, a, b);
  }

  let topo = topologicalGenerations(graph);
  const rep = Int32Array.from(tg); // application → final group representative
  const cycleComponents: number[][] = [];
  if (!topo.acyclic) {
    const cycles = orderCycles(graph, topo.generation).map((c) => c.map(Number).sort((x, y) => x - y));
    const redirect = new Map<number, number>();
    for (const c of cycles) for (const m of c) redirect.set(m, c[0]!);
    for (let i = 0; i < n; i++) {
      const r = redirect.get(rep[i]!);
      if (r !== undefined) rep[i] = r;
    }
    mergeCycles(graph, cycles.map((c) => c.map(String)));
    topo = topologicalGenerations(graph);
    if (!topo.acyclic) throw new Error("planner: order graph still cyclic after merging its strongly connected components");
    cycleComponents.push(...cycles);
  }

  // Number the groups by their smallest member (rep is the smallest member or smaller).
  const groupOf = new Int32Array(n).fill(-1);
  const groups: Group[] = [];
  const groupOfRep = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = rep[i]!;
    let g = groupOfRep.get(r);
    if (g === undefined) {
      g = groups.length;
      groupOfRep.set(r, g);
      groups.push({ index: g, id: "", members: [], generation: topo.generation.get(String(r)) ?? 0, preds: [], succs: [] });
    }
    groupOf[i] = g;
    groups[g]!.members.push(i);
  }
  const width = Math.max(3, String(groups.length).length);
  for (const g of groups) g.id = `g-${String(g.index + 1).padStart(width, "0")}`;

  const pairs = new Set<number>();
  for (const l of links.order) {
    const a = groupOf[l.before]!;
    const b = groupOf[l.after]!;
    if (a === b || pairs.has(a * groups.length + b)) continue;
    pairs.add(a * groups.length + b);
    groups[b]!.preds.push({ group: a, link: l });
    groups[a]!.succs.push(b);
  }

  // Name each cycle by the applications on it: those whose order links join the merged
  // together-components, and those on an order cycle between single applications, which may
  // run through links inside one together-component (there, together already gives one wave).
  const cycleOf = new Map<number, number>();
  cycleComponents.forEach((components, c) => components.forEach((t) => cycleOf.set(t, c)));
  const mergedGroups = new Set<number>();
  for (const [t] of cycleOf) mergedGroups.add(groupOf[t]!);
  const onCycle = new Map<number, Set<number>>(); // group → applications on an order cycle
  const note = (app: number) => {
    const g = groupOf[app]!;
    let members = onCycle.get(g);
    if (!members) onCycle.set(g, (members = new Set()));
    members.add(app);
  };
  if (cycleOf.size > 0) {
    for (const l of links.order) {
      const a = tg[l.before]!;
      const b = tg[l.after]!;
      const c = cycleOf.get(a);
      if (c === undefined || a === b || cycleOf.get(b) !== c) continue;
      note(l.before);
      note(l.after);
    }
  }
  for (const cycle of applicationCycles(links.order, groupOf)) for (const m of cycle) note(m);
  const cycles = [...onCycle]
    .map(([g, members]) => ({ members: [...members].sort((x, y) => x - y), merged: mergedGroups.has(g) }))
    .sort((x, y) => x.members[0]! - y.members[0]!);
  return { groups, groupOf, cycles };
}

/**
 * Order cycles between single applications (strongly connected components of the order links).
 * Every such cycle lies inside one final group, so only links within a group are searched: that
 * keeps the search small on large estates and finds cycles the component graph cannot see,
 * those running through applications that together-links already joined.
 */
function applicationCycles(order: readonly OrderLink[], groupOf: Int32Array): number[][] {
  const graph = new DirectedGraph({ allowSelfLoops: false });
  for (const l of order) {
    if (groupOf[l.before] !== groupOf[l.after]) continue;
    graph.mergeNode(l.before);
    graph.mergeNode(l.after);
    graph.mergeEdge(l.before, l.after);
  }
  if (graph.order === 0) return [];
  return stronglyConnectedComponents(graph)
    .filter((c) => c.length > 1)
    .map((c) => c.map(Number));
}
