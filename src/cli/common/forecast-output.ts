/**
 * How the live forecast of a wave reaches the operator: a line under the live view's totals
 * (or printed as it changes), and the rollback-decision warning once, loudly; under `--json`,
 * `forecast` and `warning` lines in the NDJSON stream between the events.
 */
import type { ForecastUpdate, ForecastWatchOptions, RollbackPointWarning } from "../../runs/forecast.js";
import { councilTime } from "../../runs/window.js";
import { durationText } from "./duration-text.js";
import type { RunScreen } from "./run-output.js";

/** The forecast in one line: "forecast: wave 3 ends about 22:45 GMT (1h05m left); window ends 23:30 GMT, rollback decision by 22:10 GMT". */
export function forecastLine(f: ForecastUpdate): string {
  const t = (iso: string) => councilTime(Date.parse(iso), f.timezone, "time");
  const over = f.marginMs < 0 ? `, ${durationText(-f.marginMs)} PAST the window's end` : "";
  return `forecast: wave ${f.wave}${f.rehearsal ? " (rehearsal)" : ""} ends about ${t(f.forecastEndAt)} (${durationText(f.remainingMs)} left${over}); window ends ${t(f.windowEndsAt)}, rollback decision by ${t(f.rollbackDecisionAt)}`;
}

/** The callbacks `watchForecast` takes, rendering as the output flags say. */
export function forecastOutput(json: boolean, screen: RunScreen): Pick<ForecastWatchOptions, "onForecast" | "onRollbackPoint"> {
  return {
    onForecast(f, why) {
      if (json) {
        // One line per change of what is left, not per tick: pipelines get news, not noise.
        if (why === "event") process.stdout.write(JSON.stringify({ type: "forecast", ...f }) + "\n");
        return;
      }
      // The live view redraws its note; plain output prints it only after events.
      if (why === "event" || process.stdout.isTTY) screen.note(forecastLine(f));
    },
    onRollbackPoint(w: RollbackPointWarning) {
      if (json) process.stdout.write(JSON.stringify({ type: "warning", ...w }) + "\n");
      const line = `${"!".repeat(8)} WARNING [${w.code}]: ${w.message}.`;
      if (json) process.stderr.write(`${line}\n`);
      else screen.print(line);
    },
  };
}
