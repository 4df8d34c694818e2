/**
 * A one-line progress display on stderr for long reads (telemetry scans), shown only on a
 * terminal and only once the work has taken half a second; CI logs stay quiet.
 */
export interface ProgressLine {
  update: (done: number, total: number) => void;
  /** Clears the line if it was drawn. */
  done: () => void;
}

const SHOW_AFTER_MS = 500;

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!stream.isTTY || process.env.CI) return undefined;
  // Tests set it to 0 to see the line drawn on a small input.
  const after = Number(process.env.RFCGATE_PROGRESS_AFTER_MS ?? SHOW_AFTER_MS);
  const started = Date.now();
  let last = 0;
  let shown = false;
  const mb = (n: number) => `${(n / 1_048_576).toFixed(0)} MB`;
  return {
    update: (done, total) => {
      const now = Date.now();
      if (now - started < after || now - last < 200) return;
      last = now;
      shown = true;
      const share = total > 0 ? Math.floor((done / total) * 100) : 0;
      stream.write(`\r${label}… ${share}% (${mb(done)} of ${mb(total)})`);
    },
    done: () => {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
