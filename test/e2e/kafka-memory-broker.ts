/**
 * An in-memory Kafka "broker" for the kafkajs end-to-end tests, where no real broker can run.
 *
 * It implements just enough of kafkajs's `Producer` and `Consumer` (connect/disconnect, send/sendBatch,
 * subscribe, run({ eachMessage | eachBatch }), stop) and passes every message through kafkajs's REAL record
 * encoder and decoder (`kafkajs/src/protocol/recordBatch/record/v0`), so a consumer receives exactly what
 * kafkajs delivers: Buffer keys, values and header values, Buffer[] for a repeated header key, `{}` when the
 * producer sent no headers; and an `undefined` header value makes the send fail as it does with kafkajs.
 *
 * Every consumer group subscribed to a topic receives every message of that topic (fan-out); one partition
 * per topic; at most one running consumer per group. Deliveries are scheduled with `setImmediate` from inside
 * `context.with(ROOT_CONTEXT, ...)`, so handlers never run in the producer's async context: as across a real
 * network hop, a trace can only travel through the message headers.
 */
import { createRequire } from 'node:module';

import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type {
  Batch,
  Consumer,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  EachBatchPayload,
  EachMessagePayload,
  IHeaders,
  KafkaMessage,
  Message,
  Producer,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
} from 'kafkajs';

const require = createRequire(import.meta.url);

const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
}) => { buffer: Buffer };
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: unknown,
  batchContext: { firstOffset: string; firstTimestamp: string },
) => KafkaMessage;
const KafkaDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarInt(): number };

/** One record as stored in a topic's log: the bytes kafkajs would put on the wire. */
interface StoredRecord {
  bytes: Buffer;
  timestamp: string;
}

/** What a group's consumer was handed, for the tests to inspect. */
export interface Delivery {
  groupId: string;
  topic: string;
  message: KafkaMessage;
  /** Number of messages in the delivery (1 for eachMessage, batch.messages.length for eachBatch). */
  batchSize: number;
}

interface Group {
  groupId: string;
  subscriptions: Array<{ topic: string; fromBeginning: boolean }>;
  config?: ConsumerRunConfig;
  offsets: Map<string, number>;
  running: boolean;
  busy: boolean;
}

export class MemoryKafka {
  /** Every message handed to a consumer, in delivery order. */
  readonly deliveries: Delivery[] = [];
  /** Errors thrown by consumer handlers (kafkajs would retry or crash the consumer; tests assert on these). */
  readonly handlerErrors: Array<{ groupId: string; topic: string; error: unknown }> = [];

  private readonly log = new Map<string, StoredRecord[]>();
  private readonly groups = new Map<string, Group>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  producer(): Producer {
    let connected = false;
    const send = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      if (!connected) throw new Error('kafka memory broker: producer.send() before producer.connect()');
      return [this.append(record.topic, record.messages)];
    };
    const producer = {
      connect: async () => {
        connected = true;
      },
      disconnect: async () => {
        connected = false;
      },
      send,
      sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
        if (!connected) throw new Error('kafka memory broker: producer.sendBatch() before producer.connect()');
        return (batch.topicMessages ?? []).map((tm) => this.append(tm.topic, tm.messages));
      },
      isIdempotent: () => false,
      on: () => () => undefined,
    };
    return producer as unknown as Producer;
  }

  consumer({ groupId }: { groupId: string }): Consumer {
    if (this.groups.has(groupId)) throw new Error(`kafka memory broker: one consumer per group (group '${groupId}' exists)`);
    const group: Group = { groupId, subscriptions: [], offsets: new Map(), running: false, busy: false };
    this.groups.set(groupId, group);
    let connected = false;
    const consumer = {
      connect: async () => {
        connected = true;
      },
      disconnect: async () => {
        connected = false;
        group.running = false;
      },
      subscribe: async (subscription: ConsumerSubscribeTopics | { topic: string; fromBeginning?: boolean }) => {
        if (!connected) throw new Error('kafka memory broker: consumer.subscribe() before consumer.connect()');
        const topics = 'topics' in subscription ? subscription.topics : [subscription.topic];
        for (const topic of topics) {
          if (typeof topic !== 'string') throw new Error('kafka memory broker: RegExp subscriptions are not supported');
          group.subscriptions.push({ topic, fromBeginning: subscription.fromBeginning ?? false });
        }
      },
      run: async (config?: ConsumerRunConfig) => {
        if (!connected) throw new Error('kafka memory broker: consumer.run() before consumer.connect()');
        if (!config?.eachMessage && !config?.eachBatch) throw new Error('kafka memory broker: run() needs eachMessage or eachBatch');
        group.config = config;
        group.running = true;
        for (const { topic, fromBeginning } of group.subscriptions) {
          group.offsets.set(topic, fromBeginning ? 0 : (this.log.get(topic)?.length ?? 0));
        }
        this.schedule(group);
      },
      stop: async () => {
        group.running = false;
      },
      on: () => () => undefined,
    };
    return consumer as unknown as Consumer;
  }

  /** Resolves once no delivery is scheduled or running; rejects after `timeoutMs` with what is still pending. */
  async idle(timeoutMs = 5_000): Promise<void> {
    if (this.pending === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(
          new Error(
            `kafka memory broker: ${this.pending} delivery job(s) still pending after ${timeoutMs} ms ` +
              `(${this.deliveries.length} message(s) delivered so far; a consumer handler may be hanging)`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Encodes the messages with kafkajs's record encoder and appends them to the topic; schedules delivery. */
  private append(topic: string, messages: Message[]): RecordMetadata {
    if (!Array.isArray(messages)) throw new Error(`Invalid messages array [${String(messages)}] for topic "${topic}"`);
    const missingValue = messages.find((m) => m.value === undefined);
    if (missingValue) throw new Error(`Invalid message without value for topic "${topic}": ${JSON.stringify(missingValue)}`);
    // Encode everything first: an encoding error (e.g. an undefined header value) fails the whole send.
    const encoded = messages.map((m) => ({
      bytes: encodeRecord({ key: m.key ?? null, value: m.value, headers: m.headers ?? {} }).buffer,
      timestamp: m.timestamp ?? String(Date.now()),
    }));
    const log = this.log.get(topic) ?? [];
    this.log.set(topic, log);
    const baseOffset = log.length;
    log.push(...encoded);
    for (const group of this.groups.values()) {
      if (group.running && group.offsets.has(topic)) this.schedule(group);
    }
    return { topicName: topic, partition: 0, errorCode: 0, baseOffset: String(baseOffset), logAppendTime: '-1', logStartOffset: '0' };
  }

  /** Schedules a delivery round for `group` outside the caller's async context (a network hop). */
  private schedule(group: Group): void {
    this.pending++;
    context.with(ROOT_CONTEXT, () => {
      setImmediate(() => {
        void this.deliver(group).finally(() => {
          this.pending--;
          if (this.pending === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
      });
    });
  }

  /** Hands every record the group has not consumed yet to its handler, one batch per topic per round. */
  private async deliver(group: Group): Promise<void> {
    if (group.busy || !group.running || !group.config) return;
    group.busy = true;
    try {
      let progressed = true;
      while (progressed && group.running) {
        progressed = false;
        for (const [topic, offset] of group.offsets) {
          const records = this.log.get(topic) ?? [];
          if (offset >= records.length) continue;
          const messages = records.slice(offset).map((r, i) => decode(r, offset + i));
          group.offsets.set(topic, records.length);
          progressed = true;
          await this.handle(group, group.config, topic, messages);
        }
      }
    } finally {
      group.busy = false;
    }
  }

  private async handle(group: Group, config: ConsumerRunConfig, topic: string, messages: KafkaMessage[]): Promise<void> {
    const heartbeat = async (): Promise<void> => undefined;
    const pause = (): (() => void) => () => undefined;
    if (config.eachBatch) {
      for (const message of messages) this.deliveries.push({ groupId: group.groupId, topic, message, batchSize: messages.length });
      const batch = {
        topic,
        partition: 0,
        highWatermark: String((this.log.get(topic)?.length ?? 0)),
        messages,
        isEmpty: () => messages.length === 0,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: () => messages.at(-1)?.offset ?? '-1',
        offsetLag: () => '0',
        offsetLagLow: () => '0',
      } as unknown as Batch;
      const payload = {
        batch,
        resolveOffset: () => undefined,
        heartbeat,
        pause,
        commitOffsetsIfNecessary: async () => undefined,
        uncommittedOffsets: () => ({ topics: [] }),
        isRunning: () => group.running,
        isStale: () => false,
      } as unknown as EachBatchPayload;
      try {
        await config.eachBatch(payload);
      } catch (error) {
        this.handlerErrors.push({ groupId: group.groupId, topic, error });
      }
      return;
    }
    for (const message of messages) {
      this.deliveries.push({ groupId: group.groupId, topic, message, batchSize: 1 });
      const payload: EachMessagePayload = { topic, partition: 0, message, heartbeat, pause };
      try {
        await config.eachMessage!(payload);
      } catch (error) {
        this.handlerErrors.push({ groupId: group.groupId, topic, error });
      }
    }
  }
}

/** Decodes one stored record exactly as kafkajs's fetch path does (length varint, then the record). */
function decode(record: StoredRecord, offset: number): KafkaMessage {
  const decoder = new KafkaDecoder(record.bytes);
  decoder.readVarInt(); // record length
  return decodeRecord(decoder, { firstOffset: String(offset), firstTimestamp: record.timestamp });
}
