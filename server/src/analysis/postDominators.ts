// Post-dominators of a function's CFG, for control dependence: the nodes a branch
// decides are those before its immediate post-dominator (pathFacts.ts).
import type { FunctionIR } from './ir';

/**
 * Immediate post-dominators of a function's CFG (Cooper, Harvey, Kennedy), over the reverse graph
 * from a virtual root (index `nodes.length`) that every exit and every node that cannot reach the
 * exit (an endless loop) leads to. -1: unreachable.
 */
export function postDominators(fn: FunctionIR): Int32Array {
  const n = fn.nodes.length;
  const root = n;
  const preds: number[][] = Array.from({ length: n }, () => []);
  fn.nodes.forEach((x, i) => { for (const t of x.succ) if (t < n) preds[t].push(i); });
  // nodes that reach the exit
  const reaches = new Uint8Array(n);
  const work = [fn.exit];
  reaches[fn.exit] = 1;
  while (work.length) { const x = work.pop()!; for (const p of preds[x]) if (!reaches[p]) { reaches[p] = 1; work.push(p); } }
  const toRoot = new Uint8Array(n);
  toRoot[fn.exit] = 1;
  for (let i = 0; i < n; i++) if (!reaches[i]) toRoot[i] = 1;
  // postorder of the reverse graph from the root (iterative DFS)
  const order = new Int32Array(n + 1).fill(-1);
  const post: number[] = [];
  const rsucc = (x: number): number[] => (x === root ? [...Array(n).keys()].filter((i) => toRoot[i]) : preds[x]);
  const visited = new Uint8Array(n + 1);
  const stack: [number, number[], number][] = [[root, rsucc(root), 0]];
  visited[root] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top[2] < top[1].length) {
      const c = top[1][top[2]++];
      if (!visited[c]) { visited[c] = 1; stack.push([c, rsucc(c), 0]); }
    } else { order[top[0]] = post.length; post.push(top[0]); stack.pop(); }
  }
  const ipdom = new Int32Array(n + 1).fill(-1);
  ipdom[root] = root;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (order[a] < order[b]) a = ipdom[a];
      while (order[b] < order[a]) b = ipdom[b];
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = post.length - 2; k >= 0; k--) {
      const x = post[k];
      // predecessors in the reverse graph: the CFG successors (and the root)
      const ps = toRoot[x] ? [...fn.nodes[x].succ, root] : fn.nodes[x].succ;
      let idom = -1;
      for (const p of ps) {
        if (p > n || ipdom[p] === -1) continue;
        idom = idom === -1 ? p : intersect(p, idom);
      }
      if (idom !== -1 && ipdom[x] !== idom) { ipdom[x] = idom; changed = true; }
    }
  }
  return ipdom;
}
