/**
 * A progress bar on stderr for work whose length is known in advance (a server profiling for N
 * seconds): `[#########...........]  4 s of 10 s`, redrawn in place. On anything but a terminal
 * it prints nothing, so logs and pipes stay clean.
 */
export interface ProgressBar {
  /** Redraws with `done` out of the total. */
  update(done: number): void;
  /** Clears the bar's line. */
  stop(): void;
}

const WIDTH = 30;

/** `[#########...........]`: `done` of `total` as a bar `width` characters inside. */
export function bar(done: number, total: number, width = WIDTH): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((width * Math.min(done, total)) / total));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function progressBar(label: string, total: number, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY || total <= 0) return { update: () => {}, stop: () => {} };
  const draw = (done: number) => {
    stream.write(`\r${label} ${bar(done, total)} ${Math.min(done, total)} ${unit} of ${total} ${unit}`);
  };
  draw(0);
  return { update: draw, stop: () => stream.write('\r\x1b[K') };
}
