/**
 * A one-line progress display on stderr for long reads (telemetry scans), shown only on a
 * terminal and only once the work has taken half a second; CI logs stay quiet.
 */
export interface ProgressLine {
  /** `pass` numbers one of several reads of the same input (a gate check's windows), from 1. */
  update: (done: number, total: number, pass?: number) => void;
  /** Clears the line if it was drawn. */
  done: () => void;
}

const SHOW_AFTER_MS = 500;

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!stream.isTTY || inCi()) return undefined;
  // Tests set it to 0 to see the line drawn on a small input.
  const after = Number(process.env.RFCGATE_PROGRESS_AFTER_MS ?? SHOW_AFTER_MS);
  const started = Date.now();
  let last = 0;
  let shown = false;
  let passes = 1;
  const mb = (n: number) => `${(n / 1_048_576).toFixed(0)} MB`;
  const clear = () => {
    if (shown) stream.write('\r\u001b[2K');
    shown = false;
  };
  // Interrupted mid-read (Ctrl-C, a kill), the line would stay on the screen before the next
  // prompt: cleared, then the signal is raised again with no handler left, so the process
  // ends as the signal ends it (the shell sees 130 or 143, as without this).
  const onSignal = (signal: NodeJS.Signals) => {
    clear();
    unhook();
    process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const unhook = () => {
    for (const sig of signals) process.removeListener(sig, onSignal);
  };
  for (const sig of signals) process.once(sig, onSignal);
  return {
    update: (done, total, pass) => {
      const now = Date.now();
      if (now - started < after || now - last < 200) return;
      last = now;
      shown = true;
      const share = total > 0 ? Math.floor((done / total) * 100) : 0;
      // A later pass starts from 0% again: named, so the line is not read as going backwards;
      // once there is a second, passes read side by side name the first too.
      if (pass !== undefined && pass > passes) passes = pass;
      const which = pass !== undefined && passes > 1 ? ` (pass ${pass})` : '';
      const text = `${label}${which}… ${share}% (${mb(done)} of ${mb(total)})`;
      // Wider than the terminal, the line would wrap, and \r plus a clear reach only its last row.
      const width = stream.columns > 1 ? stream.columns - 1 : text.length;
      stream.write(`\r\u001b[2K${text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text}`);
    },
    done: () => {
      clear();
      unhook();
    },
  };
}

/**
 * CI services set CI (to true, 1, or a name); a person turns it off with CI=false or CI=0, as
 * ci-info and most CLIs read it, and the line then shows on their terminal.
 */
function inCi(): boolean {
  const v = process.env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}
