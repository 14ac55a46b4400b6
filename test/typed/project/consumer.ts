// Publishes through a producer whose type comes from ./deps: only type information recognises it.
import type { Deps } from './deps';

export async function announce(deps: Deps): Promise<void> {
  await deps.producer.send({ topic: 't', messages: [{ value: 'v' }] });
}
