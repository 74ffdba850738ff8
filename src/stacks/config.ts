import * as pulumi from "@pulumi/pulumi";
import { stackTargetFromConfig, type StackTarget } from "../model/stack.js";

/** The stack's `ferry:*` target, parsed by the model with the schema `ferry validate` uses. */
export function readTarget(config = new pulumi.Config("ferry")): StackTarget {
  return stackTargetFromConfig((key) => config.get(key), pulumi.getStack());
}
