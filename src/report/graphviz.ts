/** The image formats the call graph is drawn in by Graphviz's `dot`, as go tool pprof draws them. */
export const GRAPHVIZ_FORMATS = ['svg', 'pdf', 'png', 'gif', 'ps'] as const;
export type GraphvizFormat = (typeof GRAPHVIZ_FORMATS)[number];

/** Graphviz is not installed, or its `dot` failed: told in one line. */
export class GraphvizError extends Error {}

/**
 * The call graph's dot text drawn by Graphviz's `dot` (found on PATH) as one image. Nothing is
 * returned unless dot drew the whole of it.
 */
export function drawWithGraphviz(dot: string, format: GraphvizFormat): Uint8Array {
  // Loaded here, not at start: most reports need no Graphviz.
  const result = process
    .getBuiltinModule('node:child_process')
    .spawnSync('dot', [`-T${format}`], { input: dot, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GraphvizError(
      missing
        ? `-${format} draws the call graph with Graphviz's dot, which is not installed: install Graphviz (apt-get install graphviz, brew install graphviz), or use -flamegraph for an SVG flame graph, or -dot for the graph's text`
        : `-${format}: running Graphviz's dot failed: ${result.error.message}`,
    );
  }
  if (result.status !== 0) {
    const said = result.stderr.toString().trim().split('\n')[0] ?? '';
    throw new GraphvizError(`-${format}: Graphviz's dot failed (${result.signal ?? `exit ${result.status}`})${said ? `: ${said}` : ''}`);
  }
  if (format !== 'svg') return result.stdout;
  // dot leaves some ampersands unquoted, which makes the SVG unreadable.
  return Buffer.from(result.stdout.toString().replaceAll('&;', '&amp;;'));
}
