/**
 * Exercise 08, solved: the shop run again with labels.ts written (step 2), then from its
 * labelled profiles, the route with the most CPU, the share of /search in the CPU profile, the
 * route that waits the longest, and the function of shop.ts under the waits of /checkout.
 */
import { exerciseFolderArgument, pprof, runExercise, showingPercent, topRows, valueIn, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
runExercise(folder);
const ROUTES = ['/search', '/checkout', '/product/:id', '/health'];
/** Each route's share of a profile, from the header of -top -tagfocus=route=ROUTE, with more filters. */
const shares = (file: string, ...filters: string[]) =>
  ROUTES.map((route) => {
    // A route's path is its label: /product/42, not /product/:id; a regular expression covers both.
    const pattern = route.replace(':id', '[0-9]+');
    try {
      return { route, share: showingPercent(pprof(folder, '-top', `-tagfocus=route=^${pattern}$`, ...filters, file)) };
    } catch {
      return { route, share: 0 };
    }
  });
const largest = (list: { route: string; share: number }[]) => [...list].sort((a, b) => b.share - a.share)[0]!;

const cpu = shares('cpu.pb.gz');
const waiting = shares('wall.pb.gz', '-tagignore=state=running');
// The frame under the (wait) leaves of /checkout: -peek at the (wait) rows names their caller.
const waits = topRows(pprof(folder, '-top', '-tagfocus=route=^/checkout$', '-show=^\\(wait\\)', 'wall.pb.gz'));
const waitName = waits[0]?.name;
if (!waitName) throw new Error('wall.pb.gz has no (wait) row for /checkout');
const peek = pprof(folder, `-peek=^${waitName.replace(/[()[\]{}.*+?^$|\\]/g, '\\$&')}$`, '-tagfocus=route=^/checkout$', 'wall.pb.gz');
const callers = [...peek.matchAll(/^\s+(\S+)\s+[\d.]+%\s+\|\s+(\S+)\s*$/gm)].map((match) => ({ value: valueIn(match[1]!, 'ms'), name: match[2]! }));
const waitsIn = callers.sort((a, b) => b.value - a.value)[0]?.name;
if (!waitsIn) throw new Error(`no caller of ${waitName} in:\n${peek}`);

writeAnswers(folder, {
  cpu_route: largest(cpu).route,
  search_cpu_percent: cpu.find((entry) => entry.route === '/search')!.share,
  waiting_route: largest(waiting).route,
  checkout_waits_in: waitsIn,
});
