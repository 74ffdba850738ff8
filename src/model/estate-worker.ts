/**
 * Entry of an estate worker thread (model/estate-pool.ts starts it). It says `{ ready }` once its
 * modules are loaded, then for each `{ id, file, bytes }` answers `{ id, json }`, the cache payload
 * of a clean file (model/estate-document.ts), or hands the bytes back, `{ id, bytes }`, for the main
 * thread to load the file itself and report its problems. The parse tree is dropped as soon as the
 * JSON text is made: what crosses to the main thread is one string per file.
 */
import { parentPort } from "node:worker_threads";
import { cleanEstateJson } from "./estate-document.js";

export interface EstateTask {
  id: number;
  file: string;
  bytes: Uint8Array;
}

export type EstateAnswer = { ready: true } | { id: number; json: string } | { id: number; bytes: Uint8Array };

const port = parentPort;
if (port) {
  port.on("message", ({ id, file, bytes }: EstateTask) => {
    let json: string | undefined;
    try {
      json = cleanEstateJson(file, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    } catch {
      // Whatever went wrong happens again on the main thread, where it is handled as it always was.
      json = undefined;
    }
    const answer: EstateAnswer = json === undefined ? { id, bytes } : { id, json };
    port.postMessage(answer, json === undefined ? [bytes.buffer as ArrayBuffer] : []);
  });
  port.postMessage({ ready: true } satisfies EstateAnswer);
}
