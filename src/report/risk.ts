/**
 * The pack's risk rating: points per documented factor, summed per application; a wave is as
 * risky as its riskiest application. The same table is printed in the pack's legend and in
 * docs/pack.md, so a board can check every rating by hand.
 */
import { grouped } from "./words.js";

export type RiskLevel = "low" | "medium" | "high" | "very high";

/** What the risk of one application is made of. */
export interface RiskFacts {
  criticality?: string;
  users?: number;
  /** The runbook is unknown to the report (its rollback cannot be judged). */
  runbookUnknown?: boolean;
  /** A step changes something and has no rollback. */
  pointOfNoReturn?: boolean;
  /** Ordered or together links with an application in another wave, unplaced or not planned. */
  crossWave?: number;
  /** Dependencies not known (the estate was not read at this size). */
  dependenciesUnknown?: boolean;
  /** A network of the application is re-addressed in this plan first. */
  reip?: boolean;
  /** Data sets to be destroyed or archived, or migrated past their retention date. */
  dataDecisions?: number;
  /** Warnings of the plan that name the application. */
  warnings?: number;
}

export interface RiskFactor {
  factor: string;
  points: number;
}

export interface Risk {
  level: RiskLevel;
  points: number;
  factors: RiskFactor[];
}

/** The rating rule, for the legend: factor, points, as the pack prints them. */
export const RISK_RULES: [string, string][] = [
  ["criticality", "critical 3, high 2, medium 1, low 0"],
  ["users affected", "1,000 or more 2; 100 or more 1"],
  ["rollback", "a step that changes something cannot be undone automatically (point of no return) 2; runbook not available to the report 1"],
  ["dependencies across waves", "1 or 2 links to applications in other waves 1; 3 or more 2"],
  ["network re-addressing first", "1"],
  ["data set decisions", "any data set to destroy, archive, or migrate past its retention date 1"],
  ["warnings naming it", "1"],
];

/** The bands, for the legend. */
export const RISK_BANDS: [RiskLevel, string][] = [
  ["low", "0–3 points"],
  ["medium", "4–5 points"],
  ["high", "6–7 points"],
  ["very high", "8 points or more"],
];

const CRIT: Record<string, number> = { critical: 3, high: 2, medium: 1, low: 0 };

export function levelOf(points: number): RiskLevel {
  return points >= 8 ? "very high" : points >= 6 ? "high" : points >= 4 ? "medium" : "low";
}

// The points of each factor, shared by the full rating and the points-only one so they cannot differ.
const criticalityPoints = (f: RiskFacts) => CRIT[f.criticality ?? ""] ?? 1;
const usersPoints = (users: number) => (users >= 1000 ? 2 : users >= 100 ? 1 : 0);
const rollbackPoints = (f: RiskFacts) => (f.runbookUnknown ? 1 : f.pointOfNoReturn ? 2 : 0);
const crossPoints = (cross: number) => (cross >= 3 ? 2 : cross >= 1 ? 1 : 0);

/** The rating of one application, with every factor that added points. */
export function rateApplication(f: RiskFacts): Risk {
  const factors: RiskFactor[] = [];
  const add = (factor: string, points: number) => {
    if (points > 0) factors.push({ factor, points });
  };
  add(`${f.criticality ?? "unknown"} criticality`, criticalityPoints(f));
  const users = f.users ?? 0;
  add(`${grouped(users)} users`, usersPoints(users));
  if (f.runbookUnknown) add("rollback not known", rollbackPoints(f));
  else if (f.pointOfNoReturn) add("point of no return", rollbackPoints(f));
  const cross = f.crossWave ?? 0;
  add(`${cross} cross-wave dependenc${cross === 1 ? "y" : "ies"}`, crossPoints(cross));
  if (f.reip) add("network re-addressed first", 1);
  if (f.dataDecisions) add("data set decisions", 1);
  if (f.warnings) add(`${f.warnings} warning${f.warnings === 1 ? "" : "s"}`, 1);
  const points = factors.reduce((n, x) => n + x.points, 0);
  return { level: levelOf(points), points, factors };
}

/**
 * The same rating without the factors' words: level and points, for the applications a
 * summarised pack only counts and lists in waves.csv (equal to {@link rateApplication}'s).
 */
export function rateApplicationPoints(f: RiskFacts): Pick<Risk, "level" | "points"> {
  const points = criticalityPoints(f) + usersPoints(f.users ?? 0) + rollbackPoints(f) + crossPoints(f.crossWave ?? 0) + (f.reip ? 1 : 0) + (f.dataDecisions ? 1 : 0) + (f.warnings ? 1 : 0);
  return { level: levelOf(points), points };
}

const ORDER: RiskLevel[] = ["low", "medium", "high", "very high"];

/** A wave's rating: its riskiest application's level, and how many applications sit in each band. */
export function rateWave(risks: readonly Pick<Risk, "level">[]): { level: RiskLevel; counts: Record<RiskLevel, number> } {
  const counts: Record<RiskLevel, number> = { low: 0, medium: 0, high: 0, "very high": 0 };
  let top = 0;
  for (const r of risks) {
    counts[r.level]++;
    top = Math.max(top, ORDER.indexOf(r.level));
  }
  return { level: ORDER[top]!, counts };
}

/** How a risk reads in one line: `high (6: critical criticality 3, point of no return 2, …)`. */
export function riskText(r: Risk): string {
  return `${r.level} (${r.points}${r.factors.length ? `: ${r.factors.map((x) => `${x.factor} ${x.points}`).join(", ")}` : ""})`;
}
