/** Progress on stderr: one rewriting line on a terminal, a line every few seconds otherwise (CI logs). */
export interface Progress {
  update(done: number): void;
  done(note?: string): void;
}

export function progress(label: string, total: number): Progress {
  const tty = process.stderr.isTTY;
  const start = Date.now();
  let lastLine = 0;
  const line = (done: number) => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    return `  ${label}: ${done}/${total} (${pct}%) ${secs}s`;
  };
  return {
    update(done) {
      if (tty) process.stderr.write(`\r${line(done)}\x1b[K`);
      else if (Date.now() - lastLine > 3000) {
        lastLine = Date.now();
        process.stderr.write(`${line(done)}\n`);
      }
    },
    done(note) {
      process.stderr.write(`${tty ? '\r' : ''}${line(total)}${note ? ` — ${note}` : ''}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
