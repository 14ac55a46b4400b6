// Clients whose types come from the libraries, reached from another module: only type information sees them.
import type { Producer, Consumer } from 'kafkajs';
import type { Channel } from 'amqplib';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { NatsConnection } from 'nats';

export interface Deps {
  producer: Producer;
  consumer: Consumer;
  channel: Channel;
  sqs: SQSClient;
  nats: NatsConnection;
}

export declare function getProducer(): Promise<Producer>;
export declare const notABroker: { send(record: { topic: string; messages: Array<{ value: string }> }): Promise<void> };
