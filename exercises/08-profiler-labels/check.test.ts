import { it } from 'vitest';
import type { Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, expectReading, learnerProfile, notDone, printedPercent, printedShowingPercent, readAnswers, readsAs } from '#workshop';

const folder = exerciseFolder(import.meta.url);
/** The learner's own profiles, from their last run: the labels show whether labels.ts worked then. */
const profile = (file: string) => learnerProfile(folder, file, exerciseCommand(folder));

/** Each sample's labels, its stack's function names (leaf first) and its time value. */
function samples(profile: Profile) {
  const timeIndex = profile.sampleTypes.findIndex((type) => ['cpu', 'wall'].includes(type.type));
  return profile.samples.map((sample) => ({
    labels: Object.fromEntries(sample.labels.map((label) => [label.key, label.str])),
    frames: sample.locations.flatMap((location) => location.lines.map((line) => line.function.name)),
    value: sample.values[timeIndex] ?? 0,
  }));
}

/** Time by route label, of the samples `keep` keeps. */
function byRoute(list: ReturnType<typeof samples>, keep: (sample: ReturnType<typeof samples>[number]) => boolean = () => true): Map<string, number> {
  const totals = new Map<string, number>();
  for (const sample of list.filter(keep)) if (sample.labels.route) totals.set(sample.labels.route, (totals.get(sample.labels.route) ?? 0) + sample.value);
  return totals;
}

const largest = (totals: Map<string, number>) => [...totals].sort(([, a], [, b]) => b - a)[0]?.[0];

it('labels the samples of every request with its route', () => {
  const cpu = samples(profile('cpu.pb.gz'));
  if (byRoute(cpu).size === 0) notDone('cpu.pb.gz has no route labels yet: write labelRoutes in labels.ts, then run the exercise again');
  const wall = samples(profile('wall.pb.gz'));
  if (byRoute(wall).size === 0) notDone('wall.pb.gz has no route labels yet: write labelRoutes in labels.ts, then run the exercise again');
  const routes = [...byRoute(cpu).keys()];
  if (!routes.includes('/search') || !routes.includes('/checkout')) notDone(`the route labels in cpu.pb.gz are ${routes.join(', ')}: label each request with its path (req.path)`);
});

it('finds the route that burns the CPU, and its share', () => {
  const answers = readAnswers(folder, {
    cpu_route: { kind: 'string', describe: 'the route whose requests take the most CPU time in cpu.pb.gz' },
    search_cpu_percent: { kind: 'number', describe: "the share of cpu.pb.gz's CPU time labelled route=/search, in percent" },
  });
  const cpu = samples(profile('cpu.pb.gz'));
  const routes = byRoute(cpu);
  if (answers.cpu_route !== largest(routes)) notDone(`cpu_route is "${answers.cpu_route}", but another route takes more CPU in your cpu.pb.gz: compare the routes with -tagfocus=route=...`);
  const cpuProfile = profile('cpu.pb.gz');
  const total = cpu.reduce((sum, sample) => sum + Math.abs(sample.value), 0);
  const right = printedPercent(routes.get('/search') ?? 0, total);
  // The exact share, or the header's, which leaves out the rows under -top's cut-off.
  if (readsAs(answers.search_cpu_percent, printedShowingPercent(cpuProfile, 'cpu', { tagfocus: 'route=/search' }))) return;
  const labelled = [...routes.values()].reduce((sum, value) => sum + value, 0);
  const wall = samples(profile('wall.pb.gz'));
  const wallTotal = wall.reduce((sum, sample) => sum + Math.abs(sample.value), 0);
  const confusions = [
    { printed: printedPercent(routes.get('/search') ?? 0, labelled), is: "/search's share of the labelled samples only" },
    { printed: printedPercent(byRoute(wall).get('/search') ?? 0, wallTotal), is: "/search's share of wall.pb.gz" },
  ];
  expectReading('search_cpu_percent', answers.search_cpu_percent, right, { wanted: "the share of cpu.pb.gz's time labelled route=/search", find: 'The header of -top -tagfocus=route=/search says it: "Showing nodes accounting for ..., Y% of ... total"' }, confusions);
});

it('finds the route that waits, and where it waits', () => {
  const answers = readAnswers(folder, {
    waiting_route: { kind: 'string', describe: 'the route whose requests spend the most time waiting in wall.pb.gz' },
    checkout_waits_in: { kind: 'string', describe: 'the function of shop.ts in which /checkout requests wait' },
  });
  const wall = samples(profile('wall.pb.gz'));
  const waiting = (sample: ReturnType<typeof samples>[number]) => sample.labels.state === 'waiting';
  if (answers.waiting_route !== largest(byRoute(wall, waiting))) notDone(`waiting_route is "${answers.waiting_route}", but another route waits longer in your wall.pb.gz: add -tagfocus=state=waiting`);
  // The function that awaits: the frame under each (wait) leaf, weighted by the wait.
  const awaiting = new Map<string, number>();
  for (const sample of wall.filter((sample) => waiting(sample) && sample.labels.route === '/checkout')) {
    const caller = sample.frames[1] ?? '';
    awaiting.set(caller, (awaiting.get(caller) ?? 0) + sample.value);
  }
  if (answers.checkout_waits_in !== largest(awaiting)) notDone(`checkout_waits_in is "${answers.checkout_waits_in}", but the waits of /checkout in your wall.pb.gz sit under another function: -peek the (wait) frames, or open the flame graph`);
});
