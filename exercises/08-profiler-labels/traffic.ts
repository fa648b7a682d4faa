/**
 * Runs in a process of its own, away from the profiled shop: the payment service the shop calls
 * (it answers after 80 ms), and the customers, who call the shop's routes in a fixed mix, a few
 * at a time, until told to stop. main.ts talks to it over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const payments = createServer((_request, response) => {
  setTimeout(() => response.end('{"paid":true}'), 80);
});
await new Promise<void>((resolve) => payments.listen(0, '127.0.0.1', resolve));
process.send!({ paymentsOrigin: `http://127.0.0.1:${(payments.address() as AddressInfo).port}` });

const shopOrigin: string = await new Promise((resolve) => process.once('message', (message: { shopOrigin: string }) => resolve(message.shopOrigin)));
const customers = Number(process.argv[2] ?? 6);
const paths = ['/search?q=lamp', '/checkout', '/search?q=desk', '/health', '/product/42'];
let stopped = false;
process.on('message', (message: { stop?: boolean }) => {
  if (message.stop) stopped = true;
});
async function customer(offset: number): Promise<void> {
  for (let n = offset; !stopped; n++) await (await fetch(`${shopOrigin}${paths[n % paths.length]}`)).text();
}
await Promise.all(Array.from({ length: customers }, (_, i) => customer(i)));
payments.close();
process.disconnect();
