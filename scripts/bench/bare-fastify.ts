// The baseline of part 2: the same I/O as the services' main routes on a bare Fastify server, without Nest,
// validation, logging or telemetry. Reads PORT, DATABASE_URL, REDIS_URL; prints "listening" when ready.
import Fastify from 'fastify';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL!);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  const app = Fastify();
  app.get<{ Params: { userId: string } }>('/queue/status/:userId', async (request) => {
    const [admission, rank] = await Promise.all([
      redis.hgetall(`queue:admission:${request.params.userId}`),
      redis.zrank('queue:waiting', request.params.userId),
    ]);
    return { userId: request.params.userId, admission, rank };
  });
  app.post('/users', async (_request, reply) => {
    const name = `bare-${randomBytes(6).toString('hex')}`;
    const { rows } = await pool.query('INSERT INTO user_service.users (name) VALUES ($1) RETURNING *', [
      name,
    ]);
    return reply.code(201).send(rows[0]);
  });
  app.get(
    '/event',
    async () => (await pool.query('SELECT capacity, sold FROM ticket_service.event WHERE id = 1')).rows[0],
  );
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  console.log('listening');
}

void main();
