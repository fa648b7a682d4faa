import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The zone is read when a process starts: each case runs in its own, with TZ set.
const zoneOf = (tz: string) =>
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { profileTime } from './src/report/time.ts';
       const date = new Date(Date.UTC(2026, 0, 15, 12));
       const intl = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value;
       console.log(JSON.stringify([/\\((.*)\\)$/.exec(profileTime(date.getTime() * 1e6))[1], intl]));`,
    ],
    { env: { ...process.env, TZ: tz }, encoding: 'utf8' },
  );

describe('profileTime', () => {
  it.each(['UTC', 'Etc/Zulu', 'Etc/GMT', 'Europe/London', 'America/New_York'])('names the zone %s as Intl does', (tz) => {
    const [ours, intl] = JSON.parse(zoneOf(tz)) as [string, string];
    expect(ours).toBe(intl);
  });
});
