/**
 * The planner's graph kernel: connected components, strongly connected components and
 * topological generations over typed arrays (issue 19, item 1).
 *
 * graphology (with graphology-components and graphology-dag) remains the reference for every
 * graph rule the planner applies. This kernel exists only because building and walking a
 * graphology graph of a 100k-application estate costs over a second, and the same work over
 * compressed rows costs tens of milliseconds. The library is its test oracle:
 * test/planner/kernel.property.test.ts holds each function here equal to its graphology
 * counterpart on generated graphs (the same components, the same strongly connected
 * components, the same nodes reached and the same generation for each). Nothing else may
 * change here without that test.
 *
 * Graphs are edge lists over nodes `0 … n-1` (`from[e] → to[e]` for `e < m`). As in a
 * graphology graph built from an edge list, a node belongs to the graph only when an edge
 * touches it; `keep`, when given, drops every edge with an end outside it.
 */

/** An edge list over nodes below `n`; the first `length` entries count. */
export interface EdgeArrays {
  from: Int32Array;
  to: Int32Array;
  length: number;
}

/** Compressed rows of a directed graph: `node`'s successors are `adj[start[node] … start[node + 1]]`. */
interface Rows {
  start: Int32Array;
  adj: Int32Array;
  /** 1 for nodes an edge touches (graphology's node set). */
  present: Uint8Array;
}

function rows(edges: EdgeArrays, n: number, keep: Uint8Array | undefined, reversed: boolean): Rows {
  const src = reversed ? edges.to : edges.from;
  const dst = reversed ? edges.from : edges.to;
  const start = new Int32Array(n + 1);
  const present = new Uint8Array(n);
  let m = 0;
  for (let e = 0; e < edges.length; e++) {
    const a = src[e]!;
    const b = dst[e]!;
    if (keep && !(keep[a] && keep[b])) continue;
    start[a + 1]!++;
    present[a] = 1;
    present[b] = 1;
    m++;
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const adj = new Int32Array(m);
  const fill = start.slice(0, n);
  for (let e = 0; e < edges.length; e++) {
    const a = src[e]!;
    const b = dst[e]!;
    if (keep && !(keep[a] && keep[b])) continue;
    adj[fill[a]!++] = b;
  }
  return { start, adj, present };
}

/**
 * Connected components of the undirected graph with the given edges, each named by its
 * smallest node (graphology-components' connectedComponents, as a representative per node).
 * Nodes no edge touches are their own representative.
 */
export function componentRepresentatives(n: number, edges: EdgeArrays): Int32Array {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  for (let e = 0; e < edges.length; e++) {
    const a = find(edges.from[e]!);
    const b = find(edges.to[e]!);
    // The smaller root wins, so each root is its component's smallest node.
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
  }
  for (let i = 0; i < n; i++) parent[i] = find(i);
  return parent;
}

/** What {@link topologicalGenerations} found. */
export interface TopologicalWalk {
  /**
   * Per node, its generation (the longest chain of edges leading to it, as graphology-dag's
   * forEachNodeInTopologicalOrder reports it); -1 for nodes outside the graph or held up by a
   * cycle.
   */
  generation: Int32Array;
  /** The reached nodes in a topological order (Kahn's, generation by generation). */
  order: Int32Array;
  /** False when a cycle stopped the walk before every node of the graph was reached. */
  complete: boolean;
}

/**
 * Kahn's algorithm over the graph (reversed when asked, restricted to `keep`), as
 * graphology-dag's forEachNodeInTopologicalOrder walks it: a FIFO queue seeded with the nodes
 * without prerequisites, each node's generation one more than that of the prerequisite that
 * released it, which (the queue holding generations in order) is the largest.
 */
export function topologicalGenerations(n: number, edges: EdgeArrays, keep?: Uint8Array, reversed = false): TopologicalWalk {
  const { start, adj, present } = rows(edges, n, keep, reversed);
  const indegree = new Int32Array(n);
  for (let i = 0; i < adj.length; i++) indegree[adj[i]!]!++;
  const generation = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let tail = 0;
  let nodes = 0;
  for (let v = 0; v < n; v++) {
    if (!present[v]) continue;
    nodes++;
    if (indegree[v] === 0) {
      generation[v] = 0;
      queue[tail++] = v;
    }
  }
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!;
    const next = generation[v]! + 1;
    for (let i = start[v]!; i < start[v + 1]!; i++) {
      const w = adj[i]!;
      if (--indegree[w]! === 0) {
        generation[w] = next;
        queue[tail++] = w;
      }
    }
  }
  return { generation, order: queue.subarray(0, tail), complete: tail === nodes };
}

/**
 * Strongly connected components of the directed graph (restricted to `keep`), every one
 * including single nodes, as graphology-components' stronglyConnectedComponents lists them
 * (in another order: compare them as sets). Tarjan's algorithm with an explicit stack, so a
 * long chain cannot overflow the call stack.
 */
export function stronglyConnectedComponents(n: number, edges: EdgeArrays, keep?: Uint8Array): number[][] {
  const { start, adj, present } = rows(edges, n, keep, false);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let sp = 0;
  let counter = 0;
  const out: number[][] = [];
  for (let root = 0; root < n; root++) {
    if (!present[root] || index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = start[root]!;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const e = callEdge[depth]!;
      if (e < start[v + 1]!) {
        callEdge[depth] = e + 1;
        const w = adj[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = start[w]!;
        } else if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        out.push(component);
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  return out;
}
