import { ActionError } from "./errors.js";

/** A rendered spec that cannot be used (bad URL, port, regex, unreadable file). Nothing ran. */
export function invalidSpec(message: string, hint: string): ActionError {
  return new ActionError("invalid-spec", message, { outcome: "not-started", transient: false, hint });
}
