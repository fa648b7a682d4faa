import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers, runProgram } from '#workshop';

const folder = exerciseFolder(import.meta.url);

/** Runs the learner's program afresh, once, so the profile and the pool's own count come from one run. */
let run: { checkedOut: number; profile: ReturnType<typeof learnerProfile> } | undefined;
const freshRun = () => (run ??= runOnce());
function runOnce() {
  const { stdout } = runProgram(folder);
  const counted = /(\d+) of (\d+) connections still checked out/.exec(stdout);
  if (!counted) notDone('main.ts no longer says how many connections are checked out: npm run workshop -- reset 09-custom-profile restores it (keep your pool-profile.ts)');
  const profile = learnerProfile(folder, 'connections.pb.gz', exerciseCommand(folder));
  return { checkedOut: Number(counted[1]), profile };
}

it('writes a profile of the connections checked out, by the stack that took each one', () => {
  const { checkedOut, profile } = freshRun();
  const types = profile.sampleTypes.map((type) => `${type.type}/${type.unit}`);
  if (profile.samples.length === 0) notDone('connections.pb.gz holds no samples yet: connectionsProfile in pool-profile.ts should add one per connection checked out');
  if (types.join() !== 'connections/count') notDone(`connections.pb.gz has the sample types ${types.join(', ')}: it should have one, connections/count`);
  const total = profile.samples.reduce((sum, sample) => sum + (sample.values[0] ?? 0), 0);
  if (total !== checkedOut) notDone(`connections.pb.gz counts ${total} connections, but the pool had ${checkedOut} checked out when it was written: one sample of value 1 per connection`);
  const leafInApp = profile.samples.every((sample) => sample.locations[0]?.lines[0]?.function.filename.endsWith('app.ts') ?? false);
  if (!leafInApp) notDone("each sample's stack should start (its first frame) where app.ts called acquire: pass the stack as pool.checkedOut() gives it, innermost first");
});

it('names how many connections leak, and the function and line that take them', () => {
  const answers = readAnswers(folder, {
    connections_leaked: { kind: 'integer', describe: 'how many connections are still checked out when the program ends' },
    leaking_function: { kind: 'string', describe: 'the function of app.ts that takes connections and never gives them back' },
    leaking_line: { kind: 'integer', describe: 'the line of app.ts where that function takes them' },
  });
  const { checkedOut, profile } = freshRun();
  if (answers.connections_leaked !== checkedOut) notDone(`connections_leaked is ${answers.connections_leaked}: that is not what the program and your profile count`);
  const [holder] = [...functionCosts(profile, 'connections')].sort(([, a], [, b]) => b.flat - a.flat)[0] ?? [];
  if (answers.leaking_function !== holder) notDone(`leaking_function is "${answers.leaking_function}", but most of the connections in your profile are held elsewhere: read the first row of -top`);
  const lines = new Set(profile.locations.flatMap((location) => location.lines.filter((line) => line.function.name === holder).map((line) => line.line)));
  if (!lines.has(answers.leaking_line)) notDone(`leaking_line is ${answers.leaking_line}, but your profile has no connection taken at that line of ${holder}: -list ${holder} shows where`);
});
