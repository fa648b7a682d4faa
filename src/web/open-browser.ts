/**
 * Opens `url` in the person's browser, as go tool pprof -http does: $BROWSER if set, else the
 * system's opener. Best effort: a machine without one (a server, CI) just keeps the printed URL.
 */
export function openBrowser(url: string): void {
  const [command, ...args] = process.env.BROWSER
    ? [process.env.BROWSER, url]
    : process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : ['xdg-open', url];
  try {
    // Loaded here, not at start: most runs open no browser.
    const child = process.getBuiltinModule('node:child_process').spawn(command!, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No opener: the URL was printed.
  }
}

/**
 * The address -http=[host]:port names; no host means loopback, port 0 a free one. Throws a
 * message for the person when it is not one.
 */
export function parseListenAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535)
    throw new Error(`-http=${address} is not an address: give [host]:port, as in -http=:8080 or -http=localhost:0 (0 picks a free port)`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}
