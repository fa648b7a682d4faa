/**
 * Exercise 08: a shop under load, profiled twice while its customers shop: 3 seconds of CPU
 * profile (cpu.pb.gz), then 3 seconds of wall profile (wall.pb.gz). The customers and the
 * payment service run in a process of their own, so the profiles hold the shop alone.
 *
 *   npm run exercise 08-profiler-labels
 */
import type { AddressInfo } from 'node:net';
import { fork } from 'node:child_process';
import { startCPUProfile, startWallProfile, stopCPUProfile, stopWallProfile, writeProfile } from '#profiler';
import { labelRoutes } from './labels.ts';
import { shop } from './shop.ts';

const SECONDS = 3;
// Started as this program was (with tsx), with a channel to talk over.
const traffic = fork('traffic.ts', ['6'], { execArgv: process.execArgv });
const { paymentsOrigin } = await new Promise<{ paymentsOrigin: string }>((resolve) => traffic.once('message', resolve));
const server = shop(paymentsOrigin, labelRoutes).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
traffic.send({ shopOrigin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

const pause = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
await pause(0.5); // Let the shop warm up first.
startCPUProfile();
await pause(SECONDS);
writeProfile('cpu.pb.gz', stopCPUProfile());
startWallProfile();
await pause(SECONDS);
writeProfile('wall.pb.gz', stopWallProfile());

traffic.send({ stop: true });
await new Promise((resolve) => traffic.once('exit', resolve));
server.close();
console.log('wrote cpu.pb.gz and wall.pb.gz');
