/**
 * @fileoverview The shape of a broker description. A broker file is data only: which packages it lives in,
 * how client objects are obtained from them, where a publish call keeps its messages, headers and body, and
 * where a consumer handler receives them. Every rule, codemod and the CLI read these descriptions through
 * `src/core`; adding a broker means adding one file here and listing it in `index.ts`.
 *
 * Paths (`messages`, `carrier`, `body`, `handler`, ...) use a small language evaluated by `src/core/paths.ts`:
 *   `arg2`            the third argument of the call (or of a `new` expression)
 *   `.name` / `name`  a property of an object
 *   `[*]`             every element of an array
 *   `[?]`             every element if it is an array, otherwise the value itself
 *   `new:Kind`        the value must be `new X(...)` where X is this broker's `Kind`; continues at that expression
 *   `chain:method`    the value is a call chain (`new B(d).setOptions(o).build()`); continues at the `.method(...)` call
 *   `param1`          (handlers only) the second parameter of the handler function
 */

/** The runtime instrumentations whose coverage the `autoInstrumented` option can declare. */
export type Instrumentation = 'kafkajs' | 'amqplib' | 'aws-sdk' | 'aws-sdk-v2' | 'pubsub' | 'azure-sdk';

/**
 * How a carrier must be written to and read from. `object` works with OpenTelemetry's default setter and getter
 * (when its values are strings); every other shape needs a custom setter/getter or one of our helpers.
 */
export type CarrierShape =
  /** plain object, string values: default setter works */
  | 'object'
  /** SQS/SNS MessageAttributes: `{ [k]: { DataType, StringValue } }` */
  | 'message-attributes'
  /** NATS `MsgHdrs` built with `headers()`: `.set(k, v)` / `.get(k)` */
  | 'nats-msghdrs'
  /** node-rdkafka / confluent native `MessageHeader[]`: one single-key object per header */
  | 'rdkafka-array';

/** What a consumer finds in its carrier. Decides which getter extraction needs. */
export type IncomingValues = 'string' | 'buffer' | 'nats-msghdrs' | 'message-attributes' | 'rdkafka-array';

export interface PublishSpec {
  /** The client kind (see `BrokerSpec.edges`) the method is called on. */
  on: string;
  method: string;
  /** A short name for messages, e.g. `producer.send()`. */
  label: string;
  /** Path from the call to each message. Omitted: the call itself is the message (positional APIs). */
  messages?: string;
  /**
   * Path from the call to the topic, queue, subject or exchange (`arg0.topic`), for the audit's map. Besides the
   * path language: `a | b` (both), `a || b` (`b` where `a` is ''), `receiver:m.rest` (continue at the `x.m(...)`
   * call that made the receiver), `calls:m.rest` (the other `r.m(...)` calls on the same receiver). See
   * `src/core/destinations.ts`.
   */
  destination?: string;
  /**
   * When set, a message object literal that has none of these keys is not an envelope: the whole object is the
   * body and it carries no headers (NestJS `ClientKafka.emit(pattern, data)`).
   */
  envelopeKeys?: readonly string[];
  /**
   * When set, the spec applies only to messages built as `new <builder>(data)...build()` (a NestJS record builder
   * of this broker): a plain `ClientProxy` does not tell its transport otherwise.
   */
  builder?: string;
  /** Path from the message to the headers/attributes. */
  carrier: string;
  /** Path(s) from the message to the body. */
  body?: readonly string[];
  shape: CarrierShape;
  /** How users call this carrier in messages: `headers`, `MessageAttributes`, ... */
  carrierName: string;
  /** Which instrumentation injects here on its own, if any. */
  autoInjectedBy?: Instrumentation;
  /** Attribute limit of the service (SQS/SNS: 10). */
  attributeLimit?: number;
  /**
   * The call returns a cold Observable (NestJS `ClientProxy.send`): it publishes only when something subscribes to
   * it. One whose result is thrown away (`client.send(...);`, `await client.send(...);`: awaiting an Observable does
   * not subscribe) publishes nothing.
   */
  cold?: boolean;
  /**
   * Keys that send a message straight to one endpoint instead of to subscribers (SNS `PhoneNumber`: a text message to
   * a phone): nothing downstream can extract from it, so a message that names one is not judged.
   */
  directKeys?: readonly string[];
}

export interface ConsumeSpec {
  /** The client kind the method is called on; for `iterate`, the kind of the iterated value. */
  on: string;
  /**
   * `callback`: a handler function found at `handler` (from the call).
   * `pull`: the call's (awaited) result holds the message(s).
   * `iterate`: `for await (const m of <value of kind on>)`.
   * `request`: only checks that the receive asks for trace attributes (SQS ReceiveMessage).
   * `decorator`: class methods decorated with a value of kind `on` (NestJS `@EventPattern`); the message is the
   * parameter decorated with the broker's `ctxDecorator` kind.
   * `method`: class methods decorated with a value of kind `on`, called with the message as the parameter `message`
   * names (`@RabbitSubscribe` handlers get the raw amqplib message second).
   */
  style: 'callback' | 'pull' | 'iterate' | 'request' | 'decorator' | 'method';
  /** Method name (not used for `iterate`). `new` matches a `new X(...)` of kind `on`. */
  method?: string;
  /** Only match when the first argument is this string literal (`on('message', ...)`). */
  event?: string;
  label: string;
  /** Path from the call to the handler function (callback style). */
  handler?: string;
  /** Path from the handler to the message (`param0`, `param0.message`) or, for batches, to the message array. */
  message?: string;
  /** True when `message` designates an array of messages. */
  batch?: boolean;
  /**
   * For a pull that returns a batch: the request's option limiting how many messages come back, and its default.
   * A receive of at most one message (SQS's `MaxNumberOfMessages` absent or 1) is judged as a single message.
   */
  batchSize?: { path: string; default: number };
  /**
   * The handler may receive no message (amqplib passes null when the broker cancels the consumer; a NATS callback
   * gets an error instead): the carrier is then read with `?.`. Elsewhere the message is always there.
   */
  nullable?: boolean;
  /** Path from one message to its headers/attributes. */
  carrier: string;
  /**
   * Path from the call to the destination it consumes from (`arg0`: the queue of `channel.consume(queue, fn)`);
   * decorator style: the pattern of the decorator; iterate style: from the iterated value. The same forms as
   * `PublishSpec.destination`. Only a string literal or constant names the consumer span.
   */
  destination?: string;
  incoming: IncomingValues;
  /** Which instrumentation runs this handler inside the producer's context on its own, if any. */
  autoExtractedBy?: Instrumentation;
  /** Decorator style: the instrumentation that covers the handler, by the kind of its context parameter. */
  autoExtractedByContext?: Record<string, Instrumentation>;
  /** Decorator style: what the carrier holds, by the kind of the context parameter (default: `incoming`). */
  incomingByContext?: Record<string, IncomingValues>;
  /**
   * Path from the call to the list of requested attribute names (SQS). Absent list → attributes never arrive.
   * `requestAddedBy`: the instrumentation that adds the propagation fields to the request by itself.
   */
  attributeNames?: string;
  requestAddedBy?: Instrumentation;
  /**
   * Path to the request object that should hold the attribute names (for the report location). For `pull`, a
   * request that does not match (another command sent through the same `send`) means the spec does not apply.
   */
  request?: string;
  /**
   * A receive that only looks at the queue: one whose visibility timeout (`visibility`, a path from the call) is a
   * literal of at most `atMost` seconds hands the messages back before any work could be done on them, and one from
   * a dead-letter queue (the queue path's expression, or the function around the call, named `dlq`, `deadLetter`, ...)
   * is an operator's view of failures. Neither continues a trace, so neither is judged.
   */
  peek?: { visibility: string; atMost: number; queue: string };
}

export interface BrokerSpec {
  /** Stable id, used in messages, options and fixtures. */
  id: string;
  /** Display name used in messages. */
  name: string;
  /** The OpenTelemetry `messaging.system` value (`kafka`, `rabbitmq`, `aws_sqs`, ...), for consumer spans. */
  system: string;
  /** When the system depends on the handler's context kind (NestJS transports). */
  systemByContext?: Record<string, string>;
  /**
   * Packages whose older majors carry no headers at all (`nats` 1.x): package → first major with headers. A project
   * on an older major (by its installed copy, else its declared range) has no carrier to inject into or extract
   * from, so its sites are not judged.
   */
  headersSince?: Record<string, number>;
  /** Module specifiers. A default, namespace or `require()` import of one of them has the kind `module`. */
  packages: string[];
  /**
   * How values of one kind produce values of another kind:
   *   `'module.Kafka': 'KafkaClass'`   property read (also named imports and destructuring)
   *   `'new KafkaClass': 'client'`     construction
   *   `'client.producer()': 'producer'` method call (awaited or not)
   *   `'connect()': 'connection'`      calling a value of that kind
   *   `'conn.createChannel(cb)': 'channel'` the result handed to a Node-style callback `(err, value) => ...`
   *   `'manager.createChannel({setup})': 'channel'` the first parameter of a callback given as that option
   *   `'wrapper.addSetup(fn)': 'channel'` the first parameter of a callback given as an argument
   */
  edges: Record<string, string>;
  /**
   * Call edges whose result depends on an option of the call (`ClientProxyFactory.create({ transport:
   * Transport.NATS })` gives a NATS client): edge key as in `edges` → the argument, the option read from it, and the
   * kind for each option value (`Transport.NATS` and `'NATS'` both read as `NATS`). Any other value keeps the edge's kind.
   */
  edgesByOption?: Record<string, { arg: number; option: string; kinds: Record<string, string> }>;
  /**
   * Client libraries this framework loads only when the bootstrap instantiates a transport (NestJS requires kafkajs
   * in ClientKafka's constructor, during `NestFactory.create*`): an instrumentation the entry file imports patches
   * them even when it is not the entry's first import, unless the app itself imports the library as a value.
   */
  loadsLazily?: readonly string[];
  /**
   * Its instrumentation patches what the package exports (kafkajs: `Kafka.prototype.producer`/`consumer`), and
   * require-in-the-middle runs it at the first `require` of the package after the setup, even when the package was
   * loaded before: every client made after that require is traced. (One that patches modules inside the package,
   * such as amqplib's `lib/channel_model.js`, only ever sees them at their first load.)
   */
  patchedAtLaterRequire?: boolean;
  /** Type names exported by the packages (for annotations and type information) and the kind they denote. */
  types: Record<string, string>;
  publish: PublishSpec[];
  consume: ConsumeSpec[];
}
