/**
 * Pipelining: subscribe to many commands at once and they all go out before the first answer
 * returns (RFC 3501 §5.5); each Observable still completes on its own tagged response, in order.
 *
 *     npx tsx examples/pipelining.ts
 */
import { ImapClient } from 'rximap';
import { lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

export async function pipelining(config: ExampleConfig, count = 100, print: (line: string) => void = console.log): Promise<number[]> {
  const client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  const started = performance.now();
  // mergeMap subscribes to every NOOP at once: the session writes them back to back.
  const order = await lastValueFrom(
    range(1, count).pipe(
      mergeMap((n) => client.noop().pipe(map(() => n))),
      toArray(),
    ),
  );
  print(`${count} pipelined NOOPs in ${(performance.now() - started).toFixed(1)} ms`);
  const inOrder = order.every((n, i) => n === i + 1);
  print(`completed in the order sent: ${inOrder}`);
  await lastValueFrom(client.logout());
  return order;
}

if (isMain(import.meta)) await pipelining(configFromEnv());
