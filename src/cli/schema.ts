import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonSchemas } from "../model/json-schema.js";

/** `ferry schema`: one JSON Schema file per document kind. */
export async function schemaCommand(out: string): Promise<number> {
  await mkdir(out, { recursive: true });
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    await writeFile(join(out, name), JSON.stringify(schema, null, 2) + "\n");
    process.stdout.write(`wrote ${join(out, name)}\n`);
  }
  return 0;
}
