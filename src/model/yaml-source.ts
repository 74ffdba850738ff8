import { CORE_SCHEMA, defineMappingTag, load as loadPlain } from "js-yaml";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLError } from "yaml";
import type { Diagnostic } from "./diagnostics.js";

/** Largest document ferry reads; a bigger file is almost certainly a mistake (or an attack). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Alias expansions allowed per document: stops "billion laughs" alias bombs. */
const MAX_ALIAS_COUNT = 200;

/**
 * A YAML file that can map a data path back to `line:col`. It keeps only the text, or a way to
 * read it again: the parsed Document (AST plus line table) costs many times the text and is
 * needed only when a diagnostic wants a position, so it is rebuilt on first use and cached.
 * A valid estate never rebuilds one, and a big project no longer holds every file's AST.
 */
export class YamlSource {
  private parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;

  /** `file` is the path relative to the project directory; `text` is what was parsed, or a function returning it again. */
  constructor(
    readonly file: string,
    private readonly text: string | (() => string),
  ) {}

  /** The parsed document, re-parsed from the kept text on first use. */
  get doc(): Document.Parsed {
    return this.load().doc;
  }

  /** Offset-to-line table of the parsed document. */
  get lines(): LineCounter {
    return this.load().lines;
  }

  private load(): { doc: Document.Parsed; lines: LineCounter } {
    // Same text and same options as the first parse, so the same nodes and ranges: positions are unchanged.
    this.parsed ??= parseWithPositions(typeof this.text === "string" ? this.text : this.text());
    return this.parsed;
  }
}

function parseWithPositions(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  // logLevel "error" (not "silent"): yaml then reports a second document as an error instead of
  // dropping it unread; it prints nothing either way (warnings are collected, not logged).
  // uniqueKeys off: yaml compares each key with every earlier one (a 20k-key map took 8 s);
  // duplicateKeys below does the same check with one set per map.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true, logLevel: "error" });
  return { doc, lines };
}

export type PathSegment = string | number;

export interface ParsedYaml {
  source?: YamlSource;
  /** The plain data, when the file parsed cleanly. */
  data?: unknown;
  diagnostics: Diagnostic[];
}

/**
 * Parse one YAML file keeping source positions (`reread`, default none: return the same text
 * again later, so the source need not hold it). Syntax errors, duplicate keys, alias bombs,
 * oversized files and runaway nesting all come back as diagnostics, never as exceptions.
 */
export function parseYaml(file: string, text: string, opts: { reread?: () => string } = {}): ParsedYaml {
  const at = (line: number, column: number, message: string): Diagnostic => ({
    file,
    line,
    column,
    message,
    code: "yaml-syntax",
    severity: "error",
  });
  if (text.length > MAX_FILE_BYTES) {
    return { diagnostics: [at(1, 1, `file is ${(text.length / 1048576).toFixed(1)} MiB; ferry reads documents of at most ${MAX_FILE_BYTES / 1048576} MiB`)] };
  }
  // The source holds only the text (or, given `reread`, not even that): no parse tree outlives this call.
  const source = new YamlSource(file, opts.reread ?? text);
  const plain = readPlain(text);
  if (plain) return { source, data: plain.data, diagnostics: [] };
  let doc: Document.Parsed;
  let lines: LineCounter;
  try {
    ({ doc, lines } = parseWithPositions(text));
  } catch (err) {
    // The parser recurses per nesting level; pathological depth exhausts the stack.
    return { diagnostics: [at(1, 1, `cannot parse: ${err instanceof RangeError ? "nesting is too deep" : String(err)}`)] };
  }
  // Warnings (unknown tags such as `!ruby/object`) are errors here: ferry documents are plain data.
  const problems = [...firstSyntaxError([...doc.errors, ...doc.warnings]), ...duplicateKeys(doc)];
  if (problems.length > 0) {
    const diagnostics = problems.map((p) => {
      const pos = lines.linePos(p.offset);
      return at(pos.line, pos.col, p.message);
    });
    return { source, diagnostics };
  }
  try {
    const data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    return { source, data, diagnostics: [] };
  } catch (err) {
    const message = err instanceof RangeError ? "nesting is too deep" : err instanceof Error ? err.message : String(err);
    return { source, diagnostics: [at(1, 1, message.includes("alias") ? `too many alias expansions (limit ${MAX_ALIAS_COUNT}): ${message}` : message)] };
  }
}

/**
 * Maps with text keys only: the parsers spell a `null` or `1.0` key differently, and ferry's
 * documents never need one, so such a document is left to yaml.
 */
const textKeyMap = defineMappingTag<Record<string, unknown>>("tag:yaml.org,2002:map", {
  create: () => ({}),
  addPair(map, key, value) {
    if (typeof key !== "string") return "ferry reads maps with text keys only";
    // As yaml does: `__proto__` is an ordinary key, never the object's prototype.
    if (key === "__proto__") Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
    else map[key] = value;
    return "";
  },
  has: (map, key) => typeof key === "string" && Object.hasOwn(map, key),
  keys: (map) => Object.keys(map),
  get: (map, key) => map[key as string],
  identify: () => false,
});
const PLAIN_SCHEMA = CORE_SCHEMA.withTags(textKeyMap);

/**
 * A backslash right before a line break: in a double-quoted scalar, an escaped line break. The
 * parsers fold the blank lines after one differently, so such documents go to yaml. (Elsewhere
 * it is only text, say a shell line continuation in a runbook; yaml reads those just as well.)
 */
const ESCAPED_LINE_BREAK = /\\\r?\n/;

/**
 * The data of a plain document, read by js-yaml: about 8x faster than yaml's parser and with a
 * fraction of its garbage (a 100k-application estate loads in seconds, not a minute, and peaks
 * at half the memory). Both implement the YAML 1.2 core schema, and test/model/yaml-plain.test.ts
 * holds them to the same data. Anything js-yaml refuses (syntax errors, duplicate keys, aliases,
 * unknown tags, runaway nesting, an empty file), any `%` directive (`%YAML 1.1` changes the
 * schema) and any escaped line break goes to yaml instead, so every problem is still reported
 * by one parser, with its position.
 */
export function readPlain(text: string): { data: unknown } | undefined {
  if (/^%/m.test(text) || ESCAPED_LINE_BREAK.test(text)) return undefined;
  try {
    return { data: loadPlain(text, { schema: PLAIN_SCHEMA, maxAliases: 0, maxDepth: 100 }) };
  } catch {
    return undefined;
  }
}

/**
 * The first syntax problem only: after one, yaml reports every line it can no longer make sense
 * of (a single tab gave five errors on one line and more below it). A tab used as indentation
 * is named before anything else on its line, since it is the cause of the rest.
 */
function firstSyntaxError(errors: readonly YAMLError[]): { offset: number; message: string }[] {
  if (errors.length === 0) return [];
  const first = errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
  const line = first.linePos?.[0].line;
  const tab = errors.find((e) => e.code === "TAB_AS_INDENT" && (line === undefined || e.linePos?.[0].line === line));
  const e = tab ?? first;
  return [{ offset: e.pos[0], message: yamlMessage(e.code, e.message) }];
}

/**
 * Every key that appears a second time in its map, in one pass: a set of keys per map, and an
 * explicit stack instead of recursion, so neither a wide map nor a deep one costs more than
 * its size.
 */
function duplicateKeys(doc: Document.Parsed): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          found.push({ offset: (pair.key as Node | null)?.range?.[0] ?? 0, message: `duplicate key: \`${String(key)}\` appears twice in this map; keys must be unique` });
        }
        seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

function yamlMessage(code: string, message: string): string {
  const first = message.split("\n")[0] ?? message;
  if (code === "TAB_AS_INDENT") return "a tab is used for indentation; YAML indents with spaces only (replace the tab with spaces)";
  if (code === "MULTIPLE_DOCS") return "a second YAML document starts here (after `---`); ferry reads one document per file: put it in a file of its own";
  return first.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Line and column of the node at `path`, or of its deepest existing ancestor (so a missing
 * field points at the map that should hold it). With `key`, point at the last key itself.
 */
export function positionOf(source: YamlSource, path: readonly PathSegment[], opts: { key?: boolean } = {}): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (last && opts.key) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}
