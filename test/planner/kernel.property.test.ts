/**
 * The planner's typed-array graph kernel (src/planner/kernel.ts) against graphology, its
 * reference: graphology-components and graphology-dag are the test oracle here, on generated
 * graphs with and without cycles, self-loops and duplicate edges, restricted or not.
 */
import fc from "fast-check";
import { DirectedGraph, UndirectedGraph } from "graphology";
import { connectedComponents, stronglyConnectedComponents as graphologyScc } from "graphology-components";
import { forEachNodeInTopologicalOrder } from "graphology-dag";
import { describe, expect, it } from "vitest";
import { componentRepresentatives, stronglyConnectedComponents, topologicalGenerations, type EdgeArrays } from "../../src/planner/kernel.js";

const RUNS = Number(process.env.FERRY_PROPERTY_RUNS ?? 400);

interface Generated {
  n: number;
  edges: [number, number][];
  keep: boolean[];
}

/**
 * Graphs over up to 40 nodes: sparse and dense, mostly acyclic (edges from a smaller to a larger
 * node, as a dependency order gives) with a few back edges, self-loops and repeats.
 */
const graphs: fc.Arbitrary<Generated> = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])) },
        { weight: 1, arbitrary: fc.tuple(fc.nat(n - 1), fc.nat(n - 1)) },
      ),
      { maxLength: 3 * n },
    ),
    keep: fc.array(fc.nat(4).map((x) => x > 0), { minLength: n, maxLength: n }),
  }),
);

function arrays(edges: readonly [number, number][]): EdgeArrays {
  return { from: Int32Array.from(edges.map((e) => e[0])), to: Int32Array.from(edges.map((e) => e[1])), length: edges.length };
}

/** The graphology graph the planner would have built: distinct edges, no self-loops, keep applied. */
function directed(edges: readonly [number, number][], keep?: Uint8Array, reversed = false): DirectedGraph {
  const graph = new DirectedGraph({ allowSelfLoops: false });
  for (const [a0, b0] of edges) {
    const [a, b] = reversed ? [b0, a0] : [a0, b0];
    if (a === b || (keep && !(keep[a] && keep[b]))) continue;
    graph.mergeEdge(a, b);
  }
  return graph;
}

const noSelfLoops = (edges: readonly [number, number][]) => edges.filter(([a, b]) => a !== b);
const asSets = (components: readonly (readonly (string | number)[])[]) => components.map((c) => c.map(Number).sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);

describe("the planner's graph kernel equals graphology (the reference) on generated graphs", () => {
  it("connected components: each node's representative is the smallest node of its graphology component", () => {
    fc.assert(
      fc.property(graphs, ({ n, edges }) => {
        const rep = componentRepresentatives(n, arrays(edges));
        const graph = new UndirectedGraph();
        for (let v = 0; v < n; v++) graph.addNode(v);
        for (const [a, b] of edges) if (a !== b) graph.mergeEdge(a, b);
        const expected = Int32Array.from({ length: n }, (_, v) => v);
        for (const c of connectedComponents(graph)) {
          const smallest = Math.min(...c.map(Number));
          for (const m of c) expected[Number(m)] = smallest;
        }
        expect([...rep]).toEqual([...expected]);
      }),
      { numRuns: RUNS },
    );
  });

  it("topological walk: the same nodes reached, each with graphology-dag's generation, in a valid order", () => {
    fc.assert(
      fc.property(graphs, fc.boolean(), fc.boolean(), ({ n, edges, keep }, restrict, reversed) => {
        const clean = noSelfLoops(edges);
        const mask = restrict ? Uint8Array.from(keep, Number) : undefined;
        const walk = topologicalGenerations(n, arrays(clean), mask, reversed);
        const graph = directed(clean, mask, reversed);
        const expected = new Int32Array(n).fill(-1);
        let reached = 0;
        try {
          forEachNodeInTopologicalOrder(graph, (node, _attrs, generation) => {
            expected[Number(node)] = generation;
            reached++;
          });
        } catch {
          // A cycle: graphology-dag stops after the nodes it could reach, as the kernel does.
        }
        expect([...walk.generation]).toEqual([...expected]);
        expect(walk.complete).toBe(reached === graph.order);
        expect(walk.order.length).toBe(reached);
        // Every edge between reached nodes goes forward in the kernel's order.
        const position = new Int32Array(n).fill(-1);
        walk.order.forEach((v, i) => (position[v] = i));
        graph.forEachEdge((_e, _a, source, target) => {
          if (position[Number(source)]! >= 0 && position[Number(target)]! >= 0) expect(position[Number(source)]!).toBeLessThan(position[Number(target)]!);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("strongly connected components: the same components as graphology-components", () => {
    fc.assert(
      fc.property(graphs, fc.boolean(), ({ n, edges, keep }, restrict) => {
        const clean = noSelfLoops(edges);
        const mask = restrict ? Uint8Array.from(keep, Number) : undefined;
        const graph = directed(clean, mask);
        expect(asSets(stronglyConnectedComponents(n, arrays(clean), mask))).toEqual(asSets(graphologyScc(graph)));
      }),
      { numRuns: RUNS },
    );
  });

  it("walks a 200,000-node chain and its cycle without running out of stack", () => {
    const n = 200_000;
    const edges: [number, number][] = [];
    for (let v = 0; v + 1 < n; v++) edges.push([v, v + 1]);
    expect(topologicalGenerations(n, arrays(edges)).generation[n - 1]).toBe(n - 1);
    edges.push([n - 1, 0]);
    expect(topologicalGenerations(n, arrays(edges)).complete).toBe(false);
    expect(stronglyConnectedComponents(n, arrays(edges)).map((c) => c.length)).toEqual([n]);
  });
});
