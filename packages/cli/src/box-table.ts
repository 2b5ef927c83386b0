/**
 * A plain box-drawing table for `holdfast status` (what cli-table3 drew, without loading it: a status call must
 * start fast). Cells may hold several lines; every row is ruled off from the next.
 */
export function boxTable(head: string[], rows: string[][]): string {
  const lines = (c: string) => c.split('\n');
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.max(...lines(r[i] ?? '').map((l) => l.length)))) + 2);
  const rule = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w)).join(m)}${r}`;
  const row = (cells: string[]) => {
    const height = Math.max(...cells.map((c) => lines(c).length));
    return Array.from({ length: height }, (_, k) => `│${cells.map((c, i) => ` ${(lines(c)[k] ?? '').padEnd(widths[i] - 2)} `).join('│')}│`).join('\n');
  };
  return [rule('┌', '┬', '┐'), row(head), ...rows.flatMap((r) => [rule('├', '┼', '┤'), row(r)]), rule('└', '┴', '┘')].join('\n');
}
