/**
 * A process that owns an embedded Postgres and then gets SIGKILLed by embedded.test.ts, leaving
 * the server (and its postmaster.pid) behind the way a crashed `npm start` does.
 * Usage: node --import tsx test/foundation/embedded-owner.ts <data dir> <note>
 */
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { silentLogger } from '../../src/logger.ts';

const [dataDir, note] = process.argv.slice(2);
if (!dataDir || !note) throw new Error('usage: embedded-owner.ts <data dir> <note>');

const embedded = await startEmbeddedPostgres(dataDir, silentLogger);
const client = new pg.Client({ connectionString: embedded.url });
await client.connect();
await client.query('insert into users (name) values ($1)', [note]);
await client.end();
process.stdout.write(`${JSON.stringify({ url: embedded.url, reused: embedded.reused })}\n`);
// Wait to be killed.
setInterval(() => undefined, 60_000);
