// The engine's intermediate representation of a C file: plain JSON data, so it
// can cross worker_threads and live in the on-disk summary cache. It is built
// from the tree-sitter tree by cfg.ts / fileir.ts and knows nothing about lock
// APIs: the model tables give calls their meaning at analysis time, so editing
// `.lockorder` never invalidates parsed IR.

/** Source range, 0-based lines and columns (UTF-16 code units), end exclusive. */
export interface Pos {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** A call as written: callee name and canonical argument texts. */
export interface Call {
  name: string;
  /** canonical argument texts (whitespace removed) */
  args: string[];
  pos: Pos;
  /** true for calls through a function pointer (`ops->fault(vmf)`): name is the member */
  indirect?: boolean;
  /** the outer callee when this is `guard(type)(args)` / scoped_guard: the guard type */
  guard?: string;
}

/** What a variable is assigned. Integers are abstracted to their sign by the analysis. */
export type Value =
  /**
   * `parity`: the low bit of the value, where it is an integer literal written as such (`seq = 1`), not a
   * stand-in for its sign (`-ENOMEM` is -1 here); set on assignments to a plain variable
   */
  | { k: 'const'; v: number; parity?: 0 | 1 }
  | { k: 'var'; name: string }
  | { k: 'call' } // result of the Call op that carries this value's assignment
  /** `!v`: 1 if v is zero, else 0 (`got_write = !mnt_want_write(mnt)`) */
  | { k: 'not'; name: string }
  | { k: 'unknown' };

/** Relation tested on a subject in a branch condition. */
/**
 * Relation tested on a subject's sign. `eqN` / `eqP`: equality with a negative
 * / positive constant (`ret == -ENOSPC`): one-way, the true branch learns the
 * sign, the false branch learns nothing.
 */
export type Rel = 'nz' | 'z' | 'neg' | 'nonneg' | 'pos' | 'le0' | 'eqN' | 'eqP';

export type Subject =
  | { k: 'var'; name: string }
  | { k: 'call'; call: Call }
  | { k: 'atom'; text: string; vars: string[] };

export type Cond =
  | { k: 'lit'; v: boolean }
  | { k: 'not'; e: Cond }
  | { k: 'and'; a: Cond; b: Cond }
  | { k: 'or'; a: Cond; b: Cond }
  | { k: 'test'; s: Subject; rel: Rel }
  /** ops evaluated before the condition (calls, assignments inside the condition) */
  | { k: 'seq'; pre: Op[]; c: Cond }
  | { k: 'unknown' };

export type Op =
  | { k: 'call'; call: Call; assignTo?: string }
  /**
   * `escapes`: a store through a pointer (`path->nodes[i] = eb`, `*foliop = folio`) of a local's
   * value (its name) or of the result of the call just before (`$call`): what is locked through it
   * may now be owned by that object
   */
  | {
    k: 'assign'; lhs: string; value: Value; pos: Pos; escapes?: string;
    /**
     * `x = E` with E a pure lvalue (`buf = of->prealloc_buf`, `x = y`): E's canonical text. Until x or
     * what E reads changes, the condition atom `x==E` holds (dataflow's equality facts). For a store
     * through a pointer (`open->tlink = tlink`), the local or parameter stored, when that is all the value is
     */
    from?: string;
  }
  /** `iter->nofault = true/false` (iov_iter nofault flag) */
  | { k: 'nofault'; iter: string; on: boolean; pos: Pos }
  | { k: 'branch'; cond: Cond; pos: Pos }
  /** multi-way branch whose successors are all feasible (switch, preprocessor alternatives) */
  | { k: 'choice'; pos: Pos }
  /** `pointer`: the value is a variable declared as a pointer (NULL or an object, rarely an error code) */
  | { k: 'return'; value: Value; pos: Pos; pointer?: boolean }
  /** address of a local taken (`&x` passed to a call): facts about x are dropped */
  | { k: 'clobber'; vars: string[] }
  /** a statement tree-sitter could not parse; its calls were extracted as separate ops */
  | { k: 'opaque'; pos: Pos };

export interface IRNode {
  op?: Op;
  /** successors; for 'branch': [ifTrue, ifFalse] */
  succ: number[];
}

export interface Annotation {
  kind: string; // __acquires, __releases, __must_hold, __must_not_hold, ...
  arg: string; // canonical text
  pos: Pos;
}

export interface Param {
  name: string;
  type: string; // struct name or base type, e.g. "inode", "gfs2_holder", "int"
  pointer: boolean;
}

export interface FunctionIR {
  name: string;
  pos: Pos; // whole definition
  namePos: Pos;
  bodyPos: Pos;
  isStatic: boolean;
  params: Param[];
  /** local variable -> type name (struct name for struct types) */
  locals: Record<string, string>;
  /** single-assignment locals -> canonical expression they stand for */
  aliases: Record<string, string>;
  annotations: Annotation[];
  nodes: IRNode[];
  entry: number;
  exit: number;
  /** number of ERROR/MISSING nodes tree-sitter left inside the body */
  errors: number;
  /** hash of the function's text, for incremental re-analysis */
  hash: string;
  /** the body returns VM_FAULT_LOCKED somewhere: a fault handler handing the locked folio to the caller */
  returnsLocked?: boolean;
  /**
   * Only on a batch run's main thread (irText.ts, not enumerable): the nodes
   * that hold calls, while `nodes` is still text (read them with callSites())
   */
  callNodes?: IRNode[];
}

/** A struct initialiser with function-pointer members: `static const struct vm_operations_struct x = { .fault = f }`. */
export interface OpsInit {
  structType: string;
  varName: string;
  members: Record<string, string>;
  pos: Pos;
}

export interface StructField {
  name: string;
  type: string; // e.g. "mutex", "spinlock_t", "rw_semaphore", "inode"
  pointer: boolean;
}

export interface StructDef {
  name: string;
  fields: StructField[];
  pos: Pos;
}

export interface GlobalLock {
  name: string;
  type: string; // mutex, spinlock_t, rw_semaphore, rwlock_t, percpu_rw_semaphore
  pos: Pos;
}

/** `/* lockorder: a -> b -> c *\/` comment. */
export interface OrderDirective {
  text: string;
  pos: Pos;
}

/** A function prototype with context annotations (usually in a header). */
export interface Prototype {
  name: string;
  annotations: Annotation[];
  params: Param[];
  pos: Pos;
}

export interface FileIR {
  path: string;
  functions: FunctionIR[];
  prototypes: Prototype[];
  structs: StructDef[];
  globals: GlobalLock[];
  ops: OpsInit[];
  directives: OrderDirective[];
  /** functions containing ERROR nodes even after normalisation */
  errorFunctions: number;
  /** the file did not look like C at all (binary, or no C constructs) */
  notC?: boolean;
  lines: number;
}

// ------------------------------------------------------------ small queries over a function's IR

/** Is `v` one of `fn`'s parameters? */
export function isParam(fn: FunctionIR, v: string): boolean {
  return fn.params.some((p) => p.name === v);
}

/** Is `v` a variable of `fn`: a parameter or a local? */
export function isVarOf(fn: FunctionIR, v: string): boolean {
  return v in fn.locals || isParam(fn, v);
}

/**
 * The nodes of `fn` that hold a call (in an op or in a branch condition), or
 * all of its nodes: what the call graph and the summary lookups read. A batch
 * run's main thread keeps only these (FunctionIR.callNodes) and parses the
 * whole body from its text when something reads `nodes`.
 */
export function callSites(fn: FunctionIR): readonly IRNode[] {
  return fn.callNodes ?? fn.nodes;
}

/** Every call op of `fn` (callSites()), with whether it is tested in a condition. */
export function forEachCall(fn: FunctionIR, visit: (op: Op & { k: 'call' }, tested: boolean) => void): void {
  forEachOp(fn, (op, _, tested) => { if (op.k === 'call') visit(op, tested); }, callSites(fn));
}

/**
 * Every op written in `fn`, in node order: each node's op, then, inside a branch condition, the ops
 * it evaluates first (`seq`) and each call it tests, as a call op (`tested`). `node`: the CFG node
 * holding it (its index in `nodes`, when only some of the nodes are given).
 */
export function forEachOp(fn: FunctionIR, visit: (op: Op, node: number, tested: boolean) => void, nodes: readonly IRNode[] = fn.nodes): void {
  const inCond = (c: Cond, node: number): void => {
    switch (c.k) {
      case 'not': inCond(c.e, node); break;
      case 'and': case 'or': inCond(c.a, node); inCond(c.b, node); break;
      case 'seq': for (const o of c.pre) inOp(o, node); inCond(c.c, node); break;
      case 'test': if (c.s.k === 'call') visit({ k: 'call', call: c.s.call }, node, true); break;
      default: break;
    }
  };
  const inOp = (op: Op, node: number): void => {
    visit(op, node, false);
    if (op.k === 'branch') inCond(op.cond, node);
  };
  nodes.forEach((n, i) => { if (n.op) inOp(n.op, i); });
}
