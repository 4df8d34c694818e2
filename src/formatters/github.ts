import type { GateReport, GateResult, Verdict } from '../model/result.js';

/**
 * GitHub Actions workflow commands: `::error` for each failed gate, `::warning` for each
 * halted one, at the gate's place in its YAML file, then one `::notice` with the counts.
 */
export function formatGithub(report: GateReport): string {
  const lines = report.results.filter((r) => r.verdict !== 'pass').map(annotation);
  const count = (v: Verdict) => report.results.filter((r) => r.verdict === v).length;
  const summary =
    `${report.rfc} as of ${report.as_of} on ${report.ref}: ${report.verdict.toUpperCase()} ` +
    `(${count('fail')} fail, ${count('halt')} halt, ${count('pass')} pass)`;
  lines.push(command('notice', { title: `rfcgate ${report.rfc}` }, summary));
  return `${lines.join('\n')}\n`;
}

function annotation(r: GateResult): string {
  const verdict = r.verdict === 'halt' ? `halt (${r.halt_reason ?? 'error'})` : r.verdict;
  return command(
    r.verdict === 'fail' ? 'error' : 'warning',
    {
      file: r.location.file.replace(/\\/g, '/'),
      line: String(r.location.line),
      col: String(r.location.col),
      title: `${r.id} ${verdict}`,
    },
    `${r.reason ?? r.title}\n${r.kind.replace('_', ' ')} ${r.id} ${r.section}: ${r.title}`,
  );
}

/** `::name key=value,...::message`, escaped as the Actions runner decodes it. */
export function command(name: string, properties: Record<string, string>, message: string): string {
  const props = Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
