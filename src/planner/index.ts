/** The wave planner: pure, deterministic functions from a validated project to a plan (docs/planning.md). */
export { planWaves } from "./plan-waves.js";
export type { PlanInputs, PlanOptions, PlanTimings } from "./inputs.js";
export { chooseTargetStack } from "./inputs.js";
export { chooseRunbook } from "./choose-runbook.js";
export { canonicalJson, computePlanHash } from "./canonical.js";
export { digestInputs, type InputDigests } from "./inputs-digest.js";
export { verifyPlanHash, checkInputsCurrent, assertPlanTrusted } from "./verify-plan.js";
export type { HashCheck, Drift, InputsCheck } from "./verify-plan.js";
export { serializePlan } from "./serialize.js";
