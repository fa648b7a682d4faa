import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeProfile } from '../../src/pprof/index.ts';
import type { PeekView, ProfileView, SourceView } from '../../src/report/views.ts';
import { serveWebUi, type WebUi } from '../../src/web/server.ts';
import { startPprofWeb } from '../helpers/browser.ts';
import { cpuShapedBuilder } from '../helpers/profile.ts';
import { runPprofCommand } from '../helpers/run.ts';

/** The web UI's routes over HTTP: what the page reads, and what a bad request is told. */
const here = new URL(import.meta.url).pathname;
const frame = (name: string, line = 1) => ({ name, file: here, line });

function profile() {
  const builder = cpuShapedBuilder();
  builder.addSample([frame('hash', 3), frame('handle', 2), frame('main')], [6, 60_000_000], { route: '/hash' });
  builder.addSample([frame('sleep'), frame('handle', 2), frame('main')], [3, 30_000_000], { route: '/sleep' });
  builder.addSample([frame('main')], [1, 10_000_000]);
  return builder.build();
}

let web: WebUi;
beforeAll(async () => {
  web = await serveWebUi(profile(), {
    host: '127.0.0.1',
    port: 0,
    title: 'test.pb.gz',
    settings: { cum: false, filters: { focus: 'handle' }, sampleIndex: 'samples' },
  });
});
afterAll(() => web.close());

const get = (path: string) => fetch(new URL(path, web.url));

describe('serveWebUi', () => {
  it('prints a loopback URL that opens with the command line settings', () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?si=samples&focus=handle$/);
  });

  it('serves the page, its script and its style, naming nothing from elsewhere', async () => {
    const page = await (await get('/')).text();
    expect(page).toContain('<title>test.pb.gz · pprof</title>');
    expect(page.match(/(?:src|href)="([^"]+)"/g)).toEqual(['href="data:,"', 'href="/app.css"', 'src="/app.js"']);
    const script = await get('/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((await get('/app.css')).status).toBe(200);
  });

  it('answers /api/profile with the flame graph and the top rows of the sample type and filters asked for', async () => {
    const view = (await (await get('/api/profile?si=cpu&focus=handle')).json()) as ProfileView;
    expect(view.sampleTypes).toEqual(['samples', 'cpu']);
    expect(view.sampleIndex).toBe(1);
    expect(view.diff).toBe(false);
    expect(view.labels).toEqual(['route=/hash', 'route=/sleep']);
    const { flame } = view;
    const named = flame.name.map((id, i) => [flame.names[id], flame.depth[i], flame.total[i]]);
    expect(named).toEqual([
      ['root', 0, 90_000_000],
      ['main', 1, 90_000_000],
      ['handle', 2, 90_000_000],
      ['hash', 3, 60_000_000],
      ['sleep', 3, 30_000_000],
    ]);
    // Shares stay of the whole profile, as with -focus in the text reports.
    expect(flame.percentOf).toBe(100_000_000);
    expect(view.top.slice(0, 2)).toEqual([
      { name: 'hash', flat: 60_000_000, cum: 60_000_000, inline: '' },
      { name: 'sleep', flat: 30_000_000, cum: 30_000_000, inline: '' },
    ]);
  });

  it('answers ?callers=FN with the tree of its callers, rooted at it', async () => {
    const { flame } = (await (await get('/api/profile?si=cpu&callers=handle')).json()) as ProfileView;
    expect(flame.name.map((id, i) => `${'  '.repeat(flame.depth[i]!)}${flame.names[id]} ${flame.total[i]}`)).toEqual(['handle 90000000', '  main 90000000']);
  });

  it('answers /api/source and /api/peek for a function', async () => {
    const source = (await (await get('/api/source?si=cpu&fn=hash')).json()) as SourceView;
    expect(source.listings.map((listing) => [listing.name, listing.file, listing.flat])).toEqual([['hash', here, 60_000_000]]);
    const peek = (await (await get('/api/peek?si=cpu&fn=handle')).json()) as PeekView;
    expect(peek).toEqual({
      name: 'handle',
      flat: 0,
      cum: 90_000_000,
      callers: [{ name: 'main', weight: 90_000_000 }],
      callees: [
        { name: 'hash', weight: 60_000_000 },
        { name: 'sleep', weight: 30_000_000 },
      ],
    });
  });

  it('downloads the flame graph as SVG, zoomed and as an icicle, and the profile as folded stacks', async () => {
    const svg = await get('/download/svg?si=cpu&orientation=icicle&zoom=main&zoom=handle&zoom=hash');
    expect(svg.headers.get('content-disposition')).toBe('attachment; filename="icicle.svg"');
    const text = await svg.text();
    expect(text).toContain('Icicle graph of cpu');
    expect(text).toContain('>hash</text>');
    expect(text).not.toContain('>sleep</text>');
    const folded = await get('/download/folded?si=cpu&tagfocus=route=/sleep');
    expect(await folded.text()).toBe('main;handle;sleep 30000000\n');
  });

  it.each([
    ['/api/profile?si=bytes', 400, /sample_index=bytes is not in this profile: use one of samples, cpu/],
    ['/api/profile?focus=(', 400, /-focus=\( is not a regular expression/],
    ['/api/profile?tagfocus=route=/none', 400, /-tagfocus=route=\/none matches no sample's labels/],
    ['/api/source', 400, /\?fn= is missing/],
    ['/api/source?fn=nothing', 400, /no function matches \^nothing\$/],
    ['/api/peek?fn=nothing', 400, /no function nothing in this view/],
  ])('answers %s with %i and what is wrong', async (path, status, message) => {
    const response = await get(path);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 404 for a page it does not have and 405 for anything but reading, and stays up', async () => {
    expect((await get('/nowhere')).status).toBe(404);
    expect((await fetch(new URL('/api/profile', web.url), { method: 'POST' })).status).toBe(405);
    expect((await get('/api/profile')).status).toBe(200);
  });
});

/** A GET with the Host header given, which fetch does not let a page or a test choose. */
function getAddressedTo(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host } }, (incoming) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('serveWebUi against DNS rebinding and file reading', () => {
  it.each(['/', '/api/profile', '/api/source?fn=hash', '/app.js'])(
    'answers %s addressed to another name with 421 and why, and as localhost or by address',
    async (path) => {
      const port = new URL(web.url).port;
      const misdirected = await getAddressedTo(web.url, path, `rebind.example:${port}`);
      expect(misdirected.status).toBe(421);
      expect(misdirected.body).toMatch(
        /^this server answers requests addressed to this machine \(localhost, its IP addresses or its name .+\), not to rebind\.example:\d+: a web page may be trying to read it through DNS rebinding\n$/,
      );
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST.', `localhost:${Number(port) + 1}`]) {
        expect((await getAddressedTo(web.url, path, host)).status).toBe(200);
      }
    },
  );

  it('lists only source files the profile names, inside the directory each name resolves to', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pprof-source-'));
    writeFileSync(join(directory, 'app.ts'), 'export const answer = 42;\n');
    writeFileSync(join(directory, 'secret.txt'), 'the secret\n');
    symlinkSync(join(directory, 'secret.txt'), join(directory, 'link.ts'));
    const builder = cpuShapedBuilder();
    const names = { app: 'app.ts', secret: 'secret.txt', link: 'link.ts' };
    for (const [name, file] of Object.entries(names)) builder.addSample([{ name, file: `${directory}/${file}`, line: 1 }], [1, 10_000_000]);
    const server = await serveWebUi(builder.build(), { host: '127.0.0.1', port: 0, title: 'source.pb.gz' });
    try {
      const listing = async (fn: string) => ((await (await fetch(new URL(`/api/source?fn=${fn}`, server.url))).json()) as SourceView).listings[0]!.lines;
      expect(await listing('app')).toEqual([{ number: 1, text: 'export const answer = 42;', flat: 10_000_000, cum: 10_000_000 }]);
      for (const fn of ['secret', 'link']) {
        const refused = await listing(fn);
        expect(refused).toMatch(/is not served: the web UI shows source files only \(\.ts, \.js, \.go\.\.\.\), where the profile names them$/);
        expect(JSON.stringify(refused)).not.toContain('the secret');
      }
    } finally {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('npm run pprof -- -http', () => {
  const directory = mkdtempSync(join(tmpdir(), 'pprof-http-'));
  const file = join(directory, 'cpu.pb.gz');
  writeProfile(file, profile());
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('serves the web UI on a free loopback port with :0, and says where', async () => {
    const server = await startPprofWeb(['-focus=hash', file]);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?focus=hash$/);
      const view = (await (await fetch(new URL('/api/profile?focus=hash', server.url))).json()) as ProfileView;
      expect(view.top.map((row) => row.name)).toEqual(['hash', 'handle', 'main']);
    } finally {
      server.stop();
    }
  });

  it.each([
    [['-http=8080', file], /-http=8080 is not an address: give \[host\]:port/],
    [['-http=:99999', file], /-http=:99999 is not an address/],
    [['-http=:0', '-top', file], /-http serves every report in the browser: leave out -top/],
  ])('refuses %j with one line', (args, message) => {
    const result = runPprofCommand(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('starts the web UI from the prompt with web', () => {
    const result = runPprofCommand(['-no_browser', file], {}, 'focus=hash\nweb\nquit\n');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Serving web UI on http:\/\/127\.0\.0\.1:\d+\/\?focus=hash\n/);
  });
});
