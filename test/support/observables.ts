/**
 * Small helpers for asserting on Observables in tests.
 */
import { lastValueFrom, materialize, toArray } from 'rxjs';
import type { Observable } from 'rxjs';

/** Waits for an Observable to error and returns the error; throws if it completes instead. */
export async function errorOf(observable: Observable<unknown>): Promise<unknown> {
  const notifications = await lastValueFrom(observable.pipe(materialize(), toArray()));
  const last = notifications[notifications.length - 1];
  if (last.kind !== 'E') throw new Error(`expected an error, got ${last.kind}`);
  return last.error;
}
