import type { Application } from "../model/estate.js";

/**
 * The runbook an application migrates with: its own `runbook`, else one chosen from its
 * disposition and delivery. Retirement wins over delivery: a Citrix application being switched
 * off is retired, not republished on AVD.
 */
export function chooseRunbook(app: Pick<Application, "runbook" | "delivery" | "disposition">): string {
  if (app.runbook) return app.runbook;
  if (app.disposition === "retire") return "retire";
  if (app.delivery === "citrix") return "citrix-to-avd";
  if (app.delivery === "saas" || app.disposition === "repurchase") return "saas-cutover";
  return "rehost-vm";
}
