/**
 * The archive's users, in a process of their own so that their documents never sit in the
 * service's heap: each uploads plain-text documents of about a megabyte (contracts, reports,
 * minutes), a few at a time. main.ts starts it and tells it where the service listens.
 *
 *   batch mode (main.ts profile, main.ts check): upload COUNT documents, then ask the service for its
 *   catalogue and report whether every title is listed, and exit
 *   steady mode (the live service): upload PER_SECOND documents a second, up to COUNT
 */
const [mode = 'batch', countArgument = '400', perSecondArgument = '10'] = process.argv.slice(2);
const COUNT = Number(countArgument);
const PER_SECOND = Number(perSecondArgument);
const AT_A_TIME = 4;

const kinds = ['Supplier contract', 'Quarterly report', 'Board minutes', 'Insurance policy', 'Audit findings', 'Lease agreement'];
const parties = ['Nordwind Logistics', 'Harbour Foods', 'Kestrel Engineering', 'Alder & Finch', 'Ostrava Metalworks', 'Bluegate Clinics', 'Pine Street Bakery'];

/** The body every document shares: some 13,000 lines of text, about a million characters. */
const body = Buffer.from(
  Array.from({ length: 13_200 }, (_, line) => `${String(line + 1).padStart(5, '0')}  The parties agree that clause ${(line % 97) + 1} applies to all deliveries.`).join('\n'),
);

/** Document `n`: a title line of its own, then its author and date, then the body. */
function documentNumber(n: number): { title: string; bytes: Buffer<ArrayBuffer> } {
  const title = `${kinds[n % kinds.length]} ${2020 + (n % 6)}-${String(n).padStart(4, '0')}: ${parties[n % parties.length]}`;
  const header = `${title}\nAuthor: clerk-${n % 13}\nDate: 2025-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}\n\n`;
  return { title, bytes: Buffer.concat([Buffer.from(header), body]) };
}

const origin = await new Promise<string>((resolve) => {
  process.once('message', (message: { origin: string }) => resolve(message.origin));
  // A message sent before this listener existed would be lost: main.ts waits for this one first.
  process.send!({ ready: true });
});

const sent: string[] = [];
let sentBytes = 0;
let next = 0;

async function upload(n: number): Promise<string> {
  const { title, bytes } = documentNumber(n);
  sentBytes += bytes.length;
  const response = await fetch(`${origin}/documents`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: bytes });
  if (response.status !== 201) throw new Error(`uploading "${title}": ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
  return title;
}

if (mode === 'batch') {
  const uploader = async () => {
    while (next < COUNT) sent.push(await upload(next++));
  };
  await Promise.all(Array.from({ length: AT_A_TIME }, uploader));
  const listed = new Set(((await (await fetch(`${origin}/documents`)).json()) as { title: string }[]).map((entry) => entry.title));
  process.send!({ uploaded: sent.length, bytes: sentBytes, listed: sent.filter((title) => listed.has(title)).length });
} else {
  const started = performance.now();
  while (next < COUNT) {
    const due = started + (next * 1000) / PER_SECOND;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    sent.push(await upload(next++));
  }
  process.send!({ uploaded: sent.length });
}
process.disconnect();
