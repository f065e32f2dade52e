/**
 * The mechanism of the configuration table: an environment variable is declared once, as an entry
 * with its name, the values it accepts (validation), its default and its meaning; `readConfig` parses
 * through the entries and the README's table is rendered from them (`config-table.ts`). Declaring a
 * variable is one entry in a `configVariables({...})` record, whose key is the variable's name.
 * Pure: the caller passes the environment.
 */
import { ConfigError } from './config-error';

/** The process environment, or any record of raw settings. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The port defaults of an app's nodes (api, chat, or a toolkit user's own app). */
export interface AppDefaults {
  readonly app: string;
  readonly httpPort: number;
  readonly clusterPort: number;
}

/** An app: its port defaults and the variables its nodes read besides the core's (`CONFIG_VARIABLES`). */
export interface NodeApp<V extends ConfigVariableSet = ConfigVariableSet> extends AppDefaults {
  readonly variables?: V;
}

/**
 * What a set variable may hold: `parse` turns the raw text into the value or throws a ConfigError
 * naming the variable; `accepts` says the same for the documentation (Markdown).
 */
export interface ValueKind<T> {
  readonly accepts: string;
  parse(raw: string, name: string): T;
}

/** A default as the documentation states it (Markdown): text, or text computed from the apps' port defaults. */
export type DefaultDoc = string | ((apps: readonly AppDefaults[]) => string);

/** How a variable is declared: the key of its entry in `configVariables({...})` is its name. */
export interface VariableSpec<T> {
  readonly kind: ValueKind<T>;
  /** what it sets (Markdown, one phrase) */
  readonly meaning: string;
  /** the value when unset or empty; without one the variable reads as undefined when unset */
  readonly default?: T;
  /** the default as documented, when it is not `default` itself (it depends on the app or on another variable) */
  readonly defaultDoc?: DefaultDoc;
}

/** A declared variable. `read` gets the raw setting (undefined or '' = unset) and throws ConfigError naming it. */
export interface ConfigVariable<N extends string = string, T = unknown> {
  readonly name: N;
  readonly meaning: string;
  readonly accepts: string;
  readonly defaultDoc: DefaultDoc;
  read(raw: string | undefined): T;
}

/** Variables by name. */
export type ConfigVariableSet = Readonly<Record<string, ConfigVariable>>;

type KindValue<S> = S extends { readonly kind: ValueKind<infer T> } ? T : never;
type SpecValue<S> = S extends { readonly default: unknown } ? KindValue<S> : KindValue<S> | undefined;

/** The variables declared by `specs`, each named by its key. */
export type DeclaredVariables<S> = { readonly [K in keyof S & string]: ConfigVariable<K, SpecValue<S[K]>> };

/** The values of a set of variables, by name. */
export type ConfigValues<V extends ConfigVariableSet> = { readonly [K in keyof V]: ReturnType<V[K]['read']> };

/** Declare variables: one entry per variable, keyed by its name; the order of the entries is the documented order. */
export function configVariables<S extends Readonly<Record<string, VariableSpec<unknown>>>>(
  specs: S & { readonly [K in keyof S]: VariableSpec<KindValue<S[K]>> },
): DeclaredVariables<S> {
  const out: Record<string, ConfigVariable> = {};
  for (const [name, spec] of Object.entries(specs as Readonly<Record<string, VariableSpec<unknown>>>)) {
    const fallback = spec.default;
    out[name] = {
      name,
      meaning: spec.meaning,
      accepts: spec.kind.accepts,
      defaultDoc: spec.defaultDoc ?? (fallback === undefined ? 'none' : `\`${String(fallback)}\``),
      read: (raw) => (raw === undefined || raw === '' ? fallback : spec.kind.parse(raw, name)),
    };
  }
  return out as DeclaredVariables<S>;
}

/** Read and validate every variable of `variables` from `env`, in declaration order; throws the first ConfigError. */
export function readConfig<V extends ConfigVariableSet>(variables: V, env: Env): ConfigValues<V> {
  const out: Record<string, unknown> = {};
  for (const v of Object.values(variables)) out[v.name] = v.read(env[v.name]);
  return out as ConfigValues<V>;
}

function refuse(name: string, must: string, raw: string): never {
  throw new ConfigError(name, `${must}, got '${raw}'`);
}

/** A TCP port. */
export const PORT: ValueKind<number> = {
  accepts: '1..65535',
  parse: (raw, name) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > 65535) refuse(name, 'must be a port number 1..65535', raw);
    return n;
  },
};

/** An integer in [min, max]. */
export function integerBetween(min: number, max: number): ValueKind<number> {
  return {
    accepts: `${min}..${max}`,
    parse: (raw, name) => {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < min || n > max) refuse(name, `must be an integer between ${min} and ${max}`, raw);
      return n;
    },
  };
}

/** One of `values`, or an alias that stands for one of them. */
export function oneOf<const V extends string>(values: readonly V[], aliases: Readonly<Record<string, V>> = {}): ValueKind<V> {
  const names = [...values, ...Object.keys(aliases)].map((v) => `'${v}'`);
  const must = `must be ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`}`;
  const aliasDoc = Object.entries(aliases).map(([alias, value]) => `\`${alias}\` = \`${value}\``);
  return {
    accepts: values.map((v) => `\`${v}\``).join(', ') + (aliasDoc.length > 0 ? ` (also ${aliasDoc.join(', ')})` : ''),
    parse: (raw, name) => {
      if ((values as readonly string[]).includes(raw)) return raw as V;
      if (Object.prototype.hasOwnProperty.call(aliases, raw)) return aliases[raw];
      return refuse(name, must, raw);
    },
  };
}

/** Text matching `pattern`; `accepts` documents its shape, `must` is the refusal (`must be host:port`). */
export function matching(pattern: RegExp, accepts: string, must: string): ValueKind<string> {
  return {
    accepts,
    parse: (raw, name) => (pattern.test(raw) ? raw : refuse(name, must, raw)),
  };
}

/** Any text; `accepts` documents what it is (a path, an address). */
export function text(accepts: string): ValueKind<string> {
  return { accepts, parse: (raw) => raw };
}

/** A value `parse` reads from the text (undefined when it cannot); `must` is the refusal (`must be 'keep' or ms`). */
export function parsedBy<T>(accepts: string, must: string, parse: (raw: string) => T | undefined): ValueKind<T> {
  return {
    accepts,
    parse: (raw, name) => {
      const value = parse(raw);
      return value === undefined ? refuse(name, must, raw) : value;
    },
  };
}
