import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { InProcessVersionedStore, NatsVersionedStore } from '../src/index';
import { describeVersionedStoreContract } from './versioned-store-contract';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describeVersionedStoreContract('in-process', async () => new InProcessVersionedStore());

let nc: NatsConnection;
const bucket = `sgtest_${randomBytes(5).toString('hex')}`;
describeVersionedStoreContract(
  'NATS JetStream KV',
  async () => {
    nc = await connect({ servers: NATS_URL });
    return NatsVersionedStore.open(nc, bucket);
  },
  async () => {
    await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  },
);
