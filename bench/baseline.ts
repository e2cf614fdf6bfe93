/**
 * The baseline: a bare Fastify JSON route in its own process, on the same machine, with the same load
 * settings as the Plusone scenarios. HTTP scenarios report their throughput as a ratio to this one.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/json', async () => ({ offer: { id: 'off_baseline', title: 'Baseline', total: 1999, currency: 'USD' } }));

const port = Number(process.env.PORT ?? '0');
await app.listen({ port, host: '127.0.0.1' });

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
