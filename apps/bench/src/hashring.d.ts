declare module 'hashring' {
  export default class HashRing {
    constructor(servers: string[] | Record<string, number>, algorithm?: string, options?: Record<string, unknown>);
    get(key: string): string;
    range(key: string, size?: number, unique?: boolean): string[];
  }
}
