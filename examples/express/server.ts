/**
 * express: per-request flags with `snapshotFor(ctx)` in a middleware, and a /health route from `status`.
 * Run: npx tsx examples/express/server.ts   (with the local server running: npm start)
 * Then: curl 'http://127.0.0.1:3000/?user=user-1&plan=pro' and curl http://127.0.0.1:3000/health
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { createFlagClient, type FlagSnapshot } from 'flagstream';
import { demoTransport } from '../demo-transport.js';

declare module 'express-serve-static-core' {
  interface Request {
    flags?: FlagSnapshot;
  }
}

const flags = createFlagClient({ transport: demoTransport() });
await flags.ready();

const app = express();

// One bulk request per distinct context, cached until the flags change on the server.
app.use(async (req: Request, _res: Response, next: NextFunction) => {
  const userId = typeof req.query.user === 'string' ? req.query.user : '';
  const plan = typeof req.query.plan === 'string' ? req.query.plan : 'free';
  try {
    req.flags = await flags.snapshotFor({ userId, attributes: { plan } });
  } catch {
    req.flags = flags.snapshot; // server unreachable: serve the shared last known values
  }
  next();
});

app.get('/', (req, res) => {
  res.json({
    darkMode: req.flags!.bool('dark-mode'),
    banner: req.flags!.string('banner-text', 'welcome'),
    maxItems: req.flags!.number('max-items', 10),
  });
});

app.get('/health', (_req, res) => {
  const { state, circuit, source, streaming, error } = flags.status;
  const healthy = state === 'ready';
  res.status(healthy ? 200 : 503).json({
    status: healthy ? 'healthy' : 'degraded',
    flags: { state, source, circuit, streaming, error: error?.message },
  });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
});

const shutdown = (): void => {
  flags.close();
  server.close();
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
