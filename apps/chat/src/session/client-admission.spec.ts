import { ClientAdmission } from './client-admission';
import { ConnectionSlots } from './connection-slots';

class Client {
  constructor(
    readonly id: string,
    private readonly onClosed: (c: Client) => void,
  ) {}

  close(): void {
    this.onClosed(this);
  }
}

function setup(max: number) {
  const warnings: string[] = [];
  const slots = new ConnectionSlots(max);
  const admission = new ClientAdmission<Client>('tcp', slots, { log: () => undefined, error: () => undefined, warn: (m: string) => warnings.push(m) });
  const next = () => admission.admit((id, onClosed) => new Client(id, onClosed));
  return { slots, admission, warnings, next };
}

describe('ClientAdmission', () => {
  it('admits clients with numbered ids while slots are free, and refuses the next one', () => {
    const { slots, admission, next } = setup(2);
    expect(next()?.id).toBe('tcp-1');
    expect(next()?.id).toBe('tcp-2');
    expect(next()).toBeNull();
    expect(admission.count).toBe(2);
    expect(slots.inUse).toBe(2);
    expect(slots.refused).toBe(1);
  });

  it('gives the slot back once when a client closes, even if it reports closing twice', () => {
    const { slots, admission, next } = setup(1);
    const a = next() as Client;
    a.close();
    a.close();
    expect(admission.count).toBe(0);
    expect(slots.inUse).toBe(0);
    expect(next()?.id).toBe('tcp-2');
    expect(slots.inUse).toBe(1);
  });

  it('gives the slot back for a client that closes while it is being created, and does not keep it', () => {
    const slots = new ConnectionSlots(1);
    const admission = new ClientAdmission<Client>('ws', slots, { log: () => undefined, error: () => undefined, warn: () => undefined });
    const c = admission.admit((id, onClosed) => {
      const client = new Client(id, onClosed);
      client.close();
      return client;
    });
    expect(c?.id).toBe('ws-1');
    expect(admission.count).toBe(0);
    expect(slots.inUse).toBe(0);
  });

  it('warns once per full period, not once per refused client', () => {
    const { warnings, next } = setup(1);
    const a = next() as Client;
    next();
    next();
    expect(warnings).toEqual(['refusing chat clients: 1 connections in use']);
    a.close();
    next();
    next();
    expect(warnings).toHaveLength(2);
  });
});
