/**
 * The estate as the import finds it: every `estate/*.yaml`, parsed for its entries (to merge with
 * and to report conflicts against) and, for the files ferry's imports own (`imported-*.yaml`),
 * kept as yaml Documents so edits keep every comment and hand-set field.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Document, isNode, parseDocument, visit, type YAMLMap } from "yaml";
import { API_VERSION } from "../model/common.js";
import { InputError } from "../model/diagnostics.js";
import { parseYaml, positionOf, type YamlSource } from "../model/yaml-source.js";
import { LISTS, type ListName, type SourceName } from "./proposal.js";

export interface EstateEntry {
  list: ListName;
  id: string;
  data: Record<string, unknown>;
  file: string;
  index: number;
}

export interface EstateFileDoc {
  /** `estate/imported-rvtools.yaml`, relative to the project. */
  file: string;
  /** The text on disk ("" for a file not yet written). */
  text: string;
  /** The editable document, parsed on first use: yaml's parser is slow on a big file, and most imports touch one file. */
  readonly doc: Document;
  /** Set by whoever edits `doc`; an untouched document is not printed again. */
  dirty: boolean;
}

function lazyDoc(file: string, text: string, make: () => Document): EstateFileDoc {
  let doc: Document | undefined;
  return {
    file,
    text,
    dirty: false,
    get doc() {
      return (doc ??= make());
    },
  };
}

export interface EstateView {
  /** Entries of every estate file, with the file that defines them. */
  entries: EstateEntry[];
  /** The files imports own, as editable documents, by relative path. */
  managed: Map<string, EstateFileDoc>;
  sources: Map<string, YamlSource>;
  /** Every estate file's text by relative path, for staging the result. */
  texts: Map<string, string>;
}

export const importedFile = (source: SourceName) => `estate/imported-${source}.yaml`;
export const baseFile = (source: SourceName) => `estate/imported-${source}.base.json`;
const MANAGED = /^imported-[a-z-]+\.yaml$/;

/** Read the estate folder of `dir` (absent: empty). A managed file that does not parse stops the import: it would be overwritten blind. */
export async function readEstate(dir: string, own: SourceName): Promise<EstateView> {
  const view: EstateView = { entries: [], managed: new Map(), sources: new Map(), texts: new Map() };
  let names: string[] = [];
  try {
    names = (await readdir(join(dir, "estate"), { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  for (const name of names) {
    const file = `estate/${name}`;
    const text = await readFile(join(dir, file), "utf8");
    view.texts.set(file, text);
    const parsed = parseYaml(file, text);
    if (MANAGED.test(name) && (parsed.diagnostics.length > 0 || !parsed.source)) throw new InputError(parsed.diagnostics);
    if (!parsed.source || parsed.data === null || typeof parsed.data !== "object") continue;
    view.sources.set(file, parsed.source);
    const data = parsed.data as Record<string, unknown>;
    for (const list of LISTS) {
      const items = data[list];
      if (!Array.isArray(items)) continue;
      items.forEach((item: unknown, index) => {
        if (item && typeof item === "object" && typeof (item as { id?: unknown }).id === "string") view.entries.push({ list, id: (item as { id: string }).id, data: item as Record<string, unknown>, file, index });
      });
    }
    if (MANAGED.test(name)) view.managed.set(file, lazyDoc(file, text, () => commentsOnItems(parseDocument(text))));
  }
  const mine = importedFile(own);
  if (!view.managed.has(mine)) view.managed.set(mine, lazyDoc(mine, "", () => newImportedDocument(own)));
  return view;
}

/**
 * The parser hangs a comment above a list's first item on the list itself; move it to the item,
 * where it prints the same, so the `source:` line of every entry is found in one place.
 */
function commentsOnItems(doc: Document): Document {
  visit(doc, {
    Seq(_, seq) {
      const first = seq.items[0];
      if (seq.commentBefore && isNode(first) && !first.commentBefore) {
        first.commentBefore = seq.commentBefore;
        seq.commentBefore = undefined;
      }
    },
  });
  return doc;
}

/** An empty imported file: header comment, apiVersion and kind. */
export function newImportedDocument(source: SourceName): Document {
  const doc = new Document({ apiVersion: API_VERSION, kind: "Estate" });
  doc.commentBefore =
    ` yaml-language-server: $schema=../schemas/estate.schema.json\n\n Written by \`ferry import ${source}\` (docs/import.md). Edit it freely: a field you change is kept by\n later imports, and an entry the source no longer lists is marked "missing", never deleted.`;
  return doc;
}

/** `file:line:col` of an entry, for messages. */
export function positionOfEntry(view: EstateView, e: EstateEntry): { file: string; line: number; column: number } {
  const source = view.sources.get(e.file);
  return source ? { file: e.file, ...positionOf(source, [e.list, e.index]) } : { file: e.file, line: 1, column: 1 };
}

export type { YAMLMap };
