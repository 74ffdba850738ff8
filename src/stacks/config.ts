import * as pulumi from "@pulumi/pulumi";
import { stackTargetFromConfig, type StackTarget } from "../model/stack.js";

/** The stack's `ferry:*` target, parsed by the model with the schema `ferry validate` uses. */
export function readTarget(config = new pulumi.Config("ferry")): StackTarget {
  return stackTargetFromConfig((key) => config.get(key), pulumi.getStack());
}

/**
 * The secrets the target needs, from the stack's encrypted config; absent ones are left out so
 * buildFerryStack names the missing key and the command that sets it (ConfigMissingError).
 */
export function readSecrets(target: StackTarget, config = new pulumi.Config("ferry")): { sharedKey?: pulumi.Output<string>; sessionHostAdminPassword?: pulumi.Output<string>; domainJoinPassword?: pulumi.Output<string> } {
  const out: { sharedKey?: pulumi.Output<string>; sessionHostAdminPassword?: pulumi.Output<string>; domainJoinPassword?: pulumi.Output<string> } = {};
  const get = (key: string) => config.getSecret(key);
  const sharedKey = target.connectivity ? get(target.connectivity.sharedKeySecret) : undefined;
  if (sharedKey) out.sharedKey = sharedKey;
  const admin = target.desktops?.sessionHosts ? get("sessionHostAdminPassword") : undefined;
  if (admin) out.sessionHostAdminPassword = admin;
  const join = target.desktops?.sessionHosts?.join === "ad" ? get("domainJoinPassword") : undefined;
  if (join) out.domainJoinPassword = join;
  return out;
}
