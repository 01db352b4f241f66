import type { Redis } from 'ioredis';
import type { RedisCommandRunner } from './redis-command-runner';
import { entryList, streamEntries, type RawEntry } from './stream-replies';

export interface IngestConsumerGroupOptions {
  client: Redis;
  runner: RedisCommandRunner;
  streamKey: string;
  group: string;
  consumer: string;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  startId: '0' | '$';
}

/** One consumer's reads of the ingest stream through its consumer group: the Redis commands, none of the policy. */
export class IngestConsumerGroup {
  constructor(private readonly options: IngestConsumerGroupOptions) {}

  /** Creates the group (and the stream) unless it exists. */
  async ensure(): Promise<void> {
    const { client, runner, streamKey, group, startId } = this.options;
    try {
      await runner.send(() => client.call('XGROUP', 'CREATE', streamKey, group, startId, 'MKSTREAM'));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Entries never delivered to any consumer, waiting up to blockMs for some. */
  async readNew(): Promise<RawEntry[]> {
    const { client, runner, streamKey, group, consumer, batchSize, blockMs } = this.options;
    return streamEntries(
      await runner.send(() => client.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', streamKey, '>'), blockMs),
    );
  }

  /** This consumer's own delivered-but-unacknowledged entries after `cursor` (an entry id, `0` for the first page). */
  async readOwnPending(cursor: string): Promise<RawEntry[]> {
    const { client, runner, streamKey, group, consumer, batchSize } = this.options;
    return streamEntries(await runner.send(() => client.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', streamKey, cursor)));
  }

  /** One XAUTOCLAIM page from `cursor` (`0-0` first): entries idle longer than minIdleMs (default claimIdleMs) on any consumer, now ours. `next` is `0-0` after the last page. */
  async claimPage(cursor: string, minIdleMs = this.options.claimIdleMs): Promise<{ entries: RawEntry[]; next: string }> {
    const { client, runner, streamKey, group, consumer, batchSize } = this.options;
    const reply = await runner.send(() => client.call('XAUTOCLAIM', streamKey, group, consumer, minIdleMs, cursor, 'COUNT', batchSize));
    if (!Array.isArray(reply) || reply.length < 2) throw new Error(`unexpected XAUTOCLAIM reply: ${JSON.stringify(reply)}`);
    return { entries: entryList(reply[1]), next: String(reply[0]) };
  }
}
