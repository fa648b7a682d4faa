/**
 * Exercise 05, solved from the learner's own profiles: which loop function the CPU profile
 * blames, each one's cum% in the wall profile, what weirdFunction waits on, and the waiting share.
 * Then the loop with the hashing done while the request is away (main.ts): its wall profile,
 * wall-after.pb.gz, and the P of its header's `Total samples = T (P%)`.
 */
import { exerciseFolderArgument, pprof, runExercise, showingPercent, topRow, topRows, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const LOOP = ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'];
const cpu = topRows(pprof(folder, '-top', '-cum', 'cpu.pb.gz'));
const cpuHottest = cpu.find((row) => LOOP.includes(row.name));
const wall = pprof(folder, '-top', '-cum', 'wall.pb.gz');
const share = (name: string) => {
  const row = topRow(wall, name);
  if (!row) throw new Error(`wall.pb.gz has no row for ${name}:\n${wall}`);
  return row.cumPercent;
};
// -peek shows what weirdFunction calls: the (wait) leaf under it.
const peek = pprof(folder, '-peek=^weirdFunction$', 'wall.pb.gz');
const waitsOn = /\(wait\) (\S+)/.exec(peek.slice(peek.indexOf('| weirdFunction')))?.[1];
if (!cpuHottest || !waitsOn) throw new Error(`no loop function in cpu.pb.gz, or no wait under weirdFunction:\n${peek}`);
runExercise(folder, 'after');
const afterReport = pprof(folder, '-top', 'wall-after.pb.gz');
const afterTotal = /^Duration: .*Total samples = \S+ \(([\d.]+)%\)/m.exec(afterReport)?.[1];
if (!afterTotal) throw new Error(`no Total samples = T (P%) in the header of:\n${afterReport}`);

writeAnswers(folder, {
  cpu_hottest_function: cpuHottest.name,
  wall_slowNetworkRequest_percent: share('slowNetworkRequest'),
  wall_cpuIntensiveTask_percent: share('cpuIntensiveTask'),
  wall_weirdFunction_percent: share('weirdFunction'),
  weirdFunction_waits_on: waitsOn,
  waiting_percent: showingPercent(pprof(folder, '-top', '-tagfocus=state=waiting', 'wall.pb.gz')),
  after_total_percent: Number(afterTotal),
});
