import { expect } from "vitest";
import { FerryError } from "../../src/model/codes.js";

/** The FerryError a promise rejects with (failing the test when it resolves or throws anything else). */
export async function refusal(p: Promise<unknown>): Promise<FerryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}
