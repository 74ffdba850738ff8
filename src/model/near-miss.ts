/** Near misses for "did you mean …?": a typo of a known name, never a guess at a different word. */

/** The known name closest to `name`, if it is close enough to be a typo of it. */
export function nearMiss(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    if (Math.abs(k.length - name.length) > 3) continue;
    const d = editDistance(name, k);
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  return best !== undefined && bestScore <= Math.max(1, Math.floor(name.length / 4)) ? best : undefined;
}

/** " (did you mean `x`?)" for a near miss, else "". */
export function suggest(name: string, known: Iterable<string>): string {
  const best = nearMiss(name, known);
  return best === undefined ? "" : ` (did you mean \`${best}\`?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
