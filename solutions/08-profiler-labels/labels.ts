/**
 * Labels every request's samples with its route: the rest of the request (next()) runs inside
 * withLabels, so the handler, and everything it awaits, carries route=<path>.
 */
import type express from 'express';
import { withLabels } from '#profiler';

export function labelRoutes(app: express.Express): void {
  app.use((request, _response, next) => withLabels({ route: request.path }, next));
}
