import { LINK_ORDER, LINK_TOGETHER, type EstateRefs } from "../model/refs.js";
import type { AppFacts } from "./facts.js";
import { componentRepresentatives, stronglyConnectedComponents, topologicalGenerations, type EdgeArrays } from "./kernel.js";

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
}

/**
 * The constraints between groups as compressed rows (typed arrays, not an object per link: a
 * 100k estate has some 150k of them). Group g's prerequisites are `predGroup[predStart[g] ..
 * predStart[g + 1]]`, in the order of their first link, each with one representative link
 * (`predLink`, an index into `links`); its successors likewise through `succStart`/`succGroup`.
 */
export interface GroupEdges {
  predStart: Int32Array;
  predGroup: Int32Array;
  predLink: Int32Array;
  succStart: Int32Array;
  succGroup: Int32Array;
}

/** The order links among planned applications, one entry per link (see {@link OrderLink}). */
export interface OrderLinks {
  before: Int32Array;
  after: Int32Array;
  dependent: Int32Array;
  dependency: Int32Array;
  length: number;
}

/** Link `e` of `links` as an object. */
export function orderLink(links: OrderLinks, e: number): OrderLink {
  return { before: links.before[e]!, after: links.after[e]!, dependent: links.dependent[e]!, dependency: links.dependency[e]! };
}

/** The applications cut into groups, with the constraints between groups. */
export interface Grouping {
  groups: Group[];
  edges: GroupEdges;
  links: OrderLinks;
  /** Group index of each application index. */
  groupOf: Int32Array;
  /** The order cycles, one entry per group that holds any (see {@link OrderCycle}). */
  cycles: OrderCycle[];
}

/**
 * The applications of one group that sit on an order cycle. `merged` says the cycle is what put
 * them in one group; when false, together-links already did and the cycle constrains nothing,
 * but it is still reported (docs/formats.md, "Planning rules": every order cycle is named in a
 * warning).
 */
export interface OrderCycle {
  /** Application indices, ascending. */
  members: number[];
  merged: boolean;
}

/**
 * Together pairs and order links among planned applications; other links do not constrain.
 * Links are followed by position (`refs`, resolved once by validation), never looked up by id.
 */
function collectLinks(facts: readonly AppFacts[], refs: Pick<EstateRefs, "depStart" | "depApp" | "depKind">): { together: EdgeArrays; order: OrderLinks } {
  // Fact index by estate position; -1 for applications outside `facts` (not planned, or kept).
  const factOf = new Int32Array(refs.depStart.length - 1).fill(-1);
  const retiring = new Uint8Array(facts.length);
  let count = 0;
  for (const f of facts) {
    factOf[f.estateIndex] = f.index;
    count += refs.depStart[f.estateIndex + 1]! - refs.depStart[f.estateIndex]!;
    if (f.retiring) retiring[f.index] = 1;
  }
  const together: EdgeArrays = { from: new Int32Array(count), to: new Int32Array(count), length: 0 };
  const order: OrderLinks = { before: new Int32Array(count), after: new Int32Array(count), dependent: new Int32Array(count), dependency: new Int32Array(count), length: 0 };
  // Typed arrays only from here: no application object is touched per link.
  for (const f of facts) {
    const self = f.index;
    for (let k = refs.depStart[f.estateIndex]!; k < refs.depStart[f.estateIndex + 1]!; k++) {
      const target = refs.depApp[k]!;
      const other = target < 0 ? -1 : factOf[target]!;
      if (other < 0 || other === self) continue; // not planned: no constraint
      const kind = refs.depKind[k]!;
      if (kind === LINK_TOGETHER) {
        const t = together.length++;
        together.from[t] = self;
        together.to[t] = other;
      } else if (kind === LINK_ORDER) {
        const reversed = retiring[other] === 1;
        const e = order.length++;
        order.before[e] = reversed ? self : other;
        order.after[e] = reversed ? other : self;
        order.dependent[e] = self;
        order.dependency[e] = other;
      }
    }
  }
  return { together, order };
}

/**
 * Distinct constraints between different nodes, as parallel arrays grouped by target node and,
 * per target, in the order of their first link (`link` is that link's index): the edge list
 * every graph below is built from (the kernel takes it as it is), and duplicates are found with a
 * stamp per node instead of a set of pairs.
 */
interface EdgeList {
  from: Int32Array;
  to: Int32Array;
  link: Int32Array;
  length: number;
}

/** The distinct pairs `(before(e), after(e))` over `count` links, self-pairs dropped; nodes are below `n`. */
function edgeList(count: number, before: (e: number) => number, after: (e: number) => number, n: number): EdgeList {
  // Stable counting sort of the links by target keeps first-occurrence order per target.
  const start = new Int32Array(n + 1);
  const target = new Int32Array(count);
  for (let e = 0; e < count; e++) start[(target[e] = after(e)) + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const byTarget = new Int32Array(count);
  const fill = start.slice(0, n);
  for (let e = 0; e < count; e++) byTarget[fill[target[e]!]!++] = e;

  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const link = new Int32Array(count);
  const stamp = new Int32Array(n).fill(-1);
  let length = 0;
  for (let i = 0; i < count; i++) {
    const e = byTarget[i]!;
    const b = target[e]!;
    const a = before(e);
    if (a === b || stamp[a] === b) continue;
    stamp[a] = b;
    from[length] = a;
    to[length] = b;
    link[length] = e;
    length++;
  }
  return { from, to, link, length };
}

/**
 * The strongly connected components with more than one node, given the nodes a forward
 * topological sort could not reach. Only the cyclic core is searched: nodes a topological sort
 * can peel off from either end are in no cycle, and keeping the search small keeps
 * it cheap on large estates.
 */
function orderCycles(edges: EdgeList, n: number, stuck: Uint8Array): number[][] {
  const core = Uint8Array.from(stuck);
  for (const node of topologicalGenerations(n, edges, stuck, true).order) core[node] = 0;
  return stronglyConnectedComponents(n, edges, core)
    .filter((c) => c.length > 1)
    .map((c) => c.map(Number).sort((x, y) => x - y));
}

/**
 * Generations of the nodes a cycle held up, once each cycle is folded into its smallest node.
 * Nodes the first sort reached keep their generation: none of their prerequisites is on or
 * after a cycle. The held-up part is ordered by the kernel's topological walk, and each node's generation is
 * one more than its latest prerequisite's, wherever that prerequisite lies.
 */
function settleHeldUp(edges: EdgeList, n: number, stuck: Uint8Array, rep: Int32Array, generation: Int32Array): void {
  const merged = edgeList(edges.length, (e) => rep[edges.from[e]!]!, (e) => rep[edges.to[e]!]!, n);
  // Prerequisites of each held-up node, in the merged graph (compressed sparse rows).
  const start = new Int32Array(n + 1);
  for (let e = 0; e < merged.length; e++) if (stuck[merged.to[e]!]) start[merged.to[e]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const preds = new Int32Array(start[n]!);
  for (let e = 0; e < merged.length; e++) if (stuck[merged.to[e]!]) preds[fill[merged.to[e]!]!++] = merged.from[e]!;

  const settle = (v: number) => {
    let gen = 0;
    for (let p = start[v]!; p < start[v + 1]!; p++) gen = Math.max(gen, generation[preds[p]!]! + 1);
    generation[v] = gen;
  };
  // Held-up nodes whose prerequisites all lie before the cycles first, then the rest in order.
  const heldUp = topologicalGenerations(n, merged, stuck);
  const inHeldUp = new Uint8Array(n);
  for (let e = 0; e < merged.length; e++) {
    if (stuck[merged.from[e]!] && stuck[merged.to[e]!]) inHeldUp[merged.from[e]!] = inHeldUp[merged.to[e]!] = 1;
  }
  for (let i = 0; i < n; i++) if (stuck[i] && rep[i] === i && !inHeldUp[i]) settle(i);
  if (!heldUp.complete) throw new Error("planner: order graph still cyclic after merging its strongly connected components");
  for (const node of heldUp.order) settle(node);
}

/**
 * Cut the planned applications into placement groups: together-components, then order cycles
 * among those components merged into one group (strongly connected components), and the
 * generation of each group in the resulting DAG (topological order). The graph work runs in
 * the typed-array kernel (kernel.ts), which a property test holds equal to graphology,
 * graphology-components and graphology-dag, the reference. Deterministic: numbering follows
 * application ids.
 * One graph of the order constraints is built; cycles, when there are any, are searched only
 * among the nodes its topological sort could not reach.
 */
export function buildGroups(facts: readonly AppFacts[], refs: Pick<EstateRefs, "depStart" | "depApp" | "depKind">): Grouping {
  const n = facts.length;
  const links = collectLinks(facts, refs);
  const tg = componentRepresentatives(n, links.together);

  // Order constraints between together-components; only components with links enter the graph.
  const order = links.order;
  const edges = edgeList(order.length, (e) => tg[order.before[e]!]!, (e) => tg[order.after[e]!]!, n);
  const generation = new Int32Array(n).fill(-1);
  const rep = Int32Array.from(tg); // application → final group representative
  const cycleComponents: number[][] = [];
  const walk = topologicalGenerations(n, edges);
  for (const node of walk.order) generation[node] = walk.generation[node]!;
  if (!walk.complete) {
    const stuck = new Uint8Array(n);
    for (let e = 0; e < edges.length; e++) {
      if (generation[edges.from[e]!]! < 0) stuck[edges.from[e]!] = 1;
      if (generation[edges.to[e]!]! < 0) stuck[edges.to[e]!] = 1;
    }
    const cycles = orderCycles(edges, n, stuck);
    const componentRep = new Int32Array(n);
    for (let i = 0; i < n; i++) componentRep[i] = i;
    for (const c of cycles) for (const m of c) componentRep[m] = c[0]!;
    for (let i = 0; i < n; i++) rep[i] = componentRep[rep[i]!]!;
    settleHeldUp(edges, n, stuck, componentRep, generation);
    cycleComponents.push(...cycles);
  }

  // Number the groups by their smallest member (rep is the smallest member or smaller).
  const groupOf = new Int32Array(n).fill(-1);
  const groups: Group[] = [];
  const groupOfRep = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = rep[i]!;
    let g = groupOfRep[r]!;
    if (g < 0) {
      g = groups.length;
      groupOfRep[r] = g;
      groups.push({ index: g, id: "", members: [], generation: Math.max(0, generation[r]!) });
    }
    groupOf[i] = g;
    groups[g]!.members.push(i);
  }
  const width = Math.max(3, String(groups.length).length);
  for (const g of groups) g.id = `g-${String(g.index + 1).padStart(width, "0")}`;
  const groupEdges = compressGroupEdges(edgeList(order.length, (e) => groupOf[order.before[e]!]!, (e) => groupOf[order.after[e]!]!, groups.length), groups.length);

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
    for (let e = 0; e < order.length; e++) {
      const a = tg[order.before[e]!]!;
      const b = tg[order.after[e]!]!;
      const c = cycleOf.get(a);
      if (c === undefined || a === b || cycleOf.get(b) !== c) continue;
      note(order.before[e]!);
      note(order.after[e]!);
    }
  }
  for (const cycle of applicationCycles(order, groupOf)) for (const m of cycle) note(m);
  const cycles = [...onCycle]
    .map(([g, members]) => ({ members: [...members].sort((x, y) => x - y), merged: mergedGroups.has(g) }))
    .sort((x, y) => x.members[0]! - y.members[0]!);
  return { groups, edges: groupEdges, links: order, groupOf, cycles };
}

/** Group-level edges (grouped by target, first link first) as prerequisite and successor rows. */
function compressGroupEdges(edges: EdgeList, count: number): GroupEdges {
  const predStart = new Int32Array(count + 1);
  const succStart = new Int32Array(count + 1);
  for (let e = 0; e < edges.length; e++) {
    predStart[edges.to[e]! + 1]!++;
    succStart[edges.from[e]! + 1]!++;
  }
  for (let g = 0; g < count; g++) {
    predStart[g + 1]! += predStart[g]!;
    succStart[g + 1]! += succStart[g]!;
  }
  // Edges arrive grouped by target in first-link order, so prerequisites are already in place.
  const predGroup = edges.from.slice(0, edges.length);
  const predLink = edges.link.slice(0, edges.length);
  const succGroup = new Int32Array(edges.length);
  const fill = succStart.slice(0, count);
  for (let e = 0; e < edges.length; e++) succGroup[fill[edges.from[e]!]!++] = edges.to[e]!;
  return { predStart, predGroup, predLink, succStart, succGroup };
}

/**
 * Order cycles between single applications (strongly connected components of the order links).
 * Every such cycle lies inside one final group, so only links within a group are searched: that
 * keeps the search small on large estates and finds cycles the component graph cannot see,
 * those running through applications that together-links already joined.
 */
function applicationCycles(order: OrderLinks, groupOf: Int32Array): number[][] {
  const within: EdgeArrays = { from: new Int32Array(order.length), to: new Int32Array(order.length), length: 0 };
  for (let e = 0; e < order.length; e++) {
    const a = order.before[e]!;
    const b = order.after[e]!;
    if (groupOf[a] !== groupOf[b]) continue;
    within.from[within.length] = a;
    within.to[within.length++] = b;
  }
  if (within.length === 0) return [];
  return stronglyConnectedComponents(groupOf.length, within).filter((c) => c.length > 1);
}
