/** The run looks up only names the scope itself holds, never a prototype's: as validate says. */
import { describe, expect, it } from "vitest";
import { renderString, TemplateError } from "../../src/engine/render.js";

const scope = { values: { app: { id: "crm", params: {} }, label: "x" }, visibleSteps: new Set<string>() };

describe("template lookups at run time", () => {
  for (const t of ["{{ __proto__ }}", "{{ constructor.constructor }}", "{{ toString }}", "{{ app.constructor.name }}", "{{ app.params.hasOwnProperty }}"]) {
    it(`refuses ${t} as naming nothing`, () => {
      expect(() => renderString(t, scope, false)).toThrow(TemplateError);
      expect(() => renderString(t, scope, false)).toThrow(/names nothing/);
    });
  }

  it("still renders own names", () => {
    expect(renderString("{{ app.id }}-{{ label }}", scope, false).text).toBe("crm-x");
  });
});
