/**
 * Preload (`node --import tsx --import <this>`) that makes TypeScript profile line by line:
 * see hooks.ts. Registered after tsx so that tsx's resolution (`.js` specifiers naming `.ts`
 * files, tsconfig paths) still applies.
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./hooks.ts', import.meta.url);
