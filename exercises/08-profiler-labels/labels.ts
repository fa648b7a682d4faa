/**
 * YOUR PART: label every request's samples with its route.
 *
 * Add a middleware to `app` that runs the rest of the request (`next()`) inside
 * withLabels({ route: ... }, ...) from '#profiler', so that the CPU and wall samples of each
 * request carry a `route` label. Use the request's path (req.path: '/search', '/checkout',
 * '/health', '/product/42'...). Then `-tagfocus=route=/search` cuts a profile to one route.
 */
import type express from 'express';

export function labelRoutes(app: express.Express): void {
  void app; // app.use(...) here.
}
