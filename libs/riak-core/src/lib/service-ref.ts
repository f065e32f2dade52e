/**
 * Typed references to vnode services. A service is named once, with the commands its vnodes take
 * and the reply each gives, as a union of `[command, reply]` pairs:
 *
 * ```ts
 * export const COUNTER = defineService<[CounterIncr, CounterReply] | [CounterGet, CounterReply]>('counter');
 * VnodeServiceModule.register({ service: COUNTER, vnode: CounterVnode });
 * const replies = master.command(apl, COUNTER, { op: 'incr', key, by }); // Promise<CounterReply>[]
 * ```
 *
 * The vnode master then refuses (at compile time) a command the service does not take and types
 * each reply by the command sent: no casts, and the name is written once. Coverage requests can be
 * described the same way (the second type parameter). The types exist at compile time only; at run
 * time a reference is its name.
 */

/** `[command, reply]` pairs of a service. */
export type ServicePairs = readonly [unknown, unknown];

export interface ServiceRef<P extends ServicePairs = ServicePairs, Q extends ServicePairs = never> {
  readonly name: string;
  /** never set: carries the pairs for the compiler */
  readonly commandPairs?: P;
  /** never set: carries the coverage pairs for the compiler */
  readonly coveragePairs?: Q;
}

/** Any service reference, whatever its types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceRef = ServiceRef<any, any>;

export type PairsOf<S> = S extends ServiceRef<infer P, ServicePairs> ? P : never;
export type CoveragePairsOf<S> = S extends ServiceRef<ServicePairs, infer Q> ? Q : never;
/** The commands a pair union takes. */
export type CommandOf<P> = P extends readonly [infer C, unknown] ? C : never;
/** The reply to `C`: the replies of every pair whose command `C` is. */
export type ReplyFor<P, C> = P extends readonly [infer PC, infer PR] ? (C extends PC ? PR : never) : never;

const SERVICE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** A reference to the service called `name` (lower case letters, digits, `-` and `_`, at most 64). */
export function defineService<P extends ServicePairs, Q extends ServicePairs = never>(name: string): ServiceRef<P, Q> {
  if (!SERVICE_NAME.test(name)) throw new Error(`a service name is 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter; got ${JSON.stringify(name)}`);
  return Object.freeze({ name });
}

/** The name of a service given by reference or by name. */
export function serviceName(service: string | AnyServiceRef): string {
  return typeof service === 'string' ? service : service.name;
}
