import { readConfig } from '@ringnest/riak-core';
import { DEFAULT_MAX_ROOMS_PER_CONNECTION } from '../protocol';
import { DEFAULT_ROOM_TTL_MS } from '../rooms';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_NAME_TIMEOUT_MS } from '../session';
import { CHAT_VARIABLES } from './chat.config';

describe("the chat app's variables", () => {
  it('default to the documented caps', () => {
    expect(readConfig(CHAT_VARIABLES, {})).toEqual({
      CHAT_PORT: 4040,
      CHAT_MAX_CONNECTIONS: DEFAULT_MAX_CONNECTIONS,
      CHAT_MAX_ROOMS_PER_CONNECTION: DEFAULT_MAX_ROOMS_PER_CONNECTION,
      CHAT_NAME_TIMEOUT_MS: DEFAULT_NAME_TIMEOUT_MS,
      CHAT_ROOM_TTL_MS: DEFAULT_ROOM_TTL_MS,
    });
    expect([DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ROOMS_PER_CONNECTION, DEFAULT_NAME_TIMEOUT_MS, DEFAULT_ROOM_TTL_MS]).toEqual([10_000, 100, 60_000, 3_600_000]);
  });

  it('read set values and refuse bad ones, naming the variable', () => {
    const env = { CHAT_PORT: '5050', CHAT_MAX_CONNECTIONS: '2', CHAT_MAX_ROOMS_PER_CONNECTION: '3', CHAT_NAME_TIMEOUT_MS: '500', CHAT_ROOM_TTL_MS: '60000' };
    expect(readConfig(CHAT_VARIABLES, env)).toEqual({ CHAT_PORT: 5050, CHAT_MAX_CONNECTIONS: 2, CHAT_MAX_ROOMS_PER_CONNECTION: 3, CHAT_NAME_TIMEOUT_MS: 500, CHAT_ROOM_TTL_MS: 60000 });
    for (const [name, bad] of [
      ['CHAT_PORT', '65536'],
      ['CHAT_MAX_CONNECTIONS', '0'],
      ['CHAT_MAX_ROOMS_PER_CONNECTION', 'many'],
      ['CHAT_NAME_TIMEOUT_MS', '1.5'],
      ['CHAT_ROOM_TTL_MS', '999'],
    ]) {
      expect(() => readConfig(CHAT_VARIABLES, { [name]: bad })).toThrow(new RegExp(`^${name}: must be .*, got '${bad.replace('.', '\\.')}'$`));
    }
  });
});
