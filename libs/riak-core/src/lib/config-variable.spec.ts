import { ConfigError } from './config-error';
import { PORT, configVariables, integerBetween, matching, oneOf, readConfig, text } from './config-variable';

function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configVariables', () => {
  const vars = configVariables({
    A_PORT: { kind: PORT, default: 80, meaning: 'a port' },
    A_NAME: { kind: text('any text'), meaning: 'a name' },
    A_MODE: { kind: oneOf(['fast', 'safe']), default: 'safe', meaning: 'a mode', defaultDoc: 'safe, of course' },
  });

  it('names each variable by its key and documents it', () => {
    expect(Object.values(vars).map((v) => [v.name, v.accepts, v.defaultDoc, v.meaning])).toEqual([
      ['A_PORT', '1..65535', '`80`', 'a port'],
      ['A_NAME', 'any text', 'none', 'a name'],
      ['A_MODE', '`fast`, `safe`', 'safe, of course', 'a mode'],
    ]);
  });

  it('reads the default when a variable is unset or empty, and the parsed value when set', () => {
    expect(readConfig(vars, {})).toEqual({ A_PORT: 80, A_NAME: undefined, A_MODE: 'safe' });
    expect(readConfig(vars, { A_PORT: '', A_NAME: '', A_MODE: '' })).toEqual({ A_PORT: 80, A_NAME: undefined, A_MODE: 'safe' });
    expect(readConfig(vars, { A_PORT: '8080', A_NAME: 'x', A_MODE: 'fast', OTHER: 'ignored' })).toEqual({ A_PORT: 8080, A_NAME: 'x', A_MODE: 'fast' });
  });

  it('refuses the first invalid variable in declaration order', () => {
    expect(refusal(() => readConfig(vars, { A_MODE: 'slow', A_PORT: '0' })).variable).toBe('A_PORT');
  });

  it('types the values: a default makes a value always present', () => {
    const v = readConfig(vars, {});
    const port: number = v.A_PORT;
    const name: string | undefined = v.A_NAME;
    const mode: 'fast' | 'safe' = v.A_MODE;
    expect([port, name, mode]).toEqual([80, undefined, 'safe']);
    // @ts-expect-error a default must be a value of the variable's kind
    configVariables({ BAD: { kind: PORT, default: 'eighty', meaning: 'x' } });
  });
});

describe('value kinds', () => {
  it.each(['0', '65536', 'abc', '40.5', '-1', ' 80'])('PORT refuses %j naming the variable', (raw) => {
    const err = refusal(() => PORT.parse(raw, 'SOME_PORT'));
    expect(err.variable).toBe('SOME_PORT');
    expect(err.message).toBe(`SOME_PORT: must be a port number 1..65535, got '${raw}'`);
  });

  it('PORT accepts 1 and 65535', () => {
    expect([PORT.parse('1', 'P'), PORT.parse('65535', 'P')]).toEqual([1, 65535]);
  });

  it('integerBetween keeps to its bounds', () => {
    const kind = integerBetween(1, 64);
    expect([kind.parse('1', 'N'), kind.parse('64', 'N')]).toEqual([1, 64]);
    for (const raw of ['0', '65', '2.5', 'x']) expect(() => kind.parse(raw, 'N')).toThrow(`N: must be an integer between 1 and 64, got '${raw}'`);
    expect(kind.accepts).toBe('1..64');
  });

  it('oneOf takes its values and its aliases, and names them all when refusing', () => {
    const kind = oneOf(['info', 'trace'], { log: 'info' });
    expect([kind.parse('info', 'L'), kind.parse('trace', 'L'), kind.parse('log', 'L')]).toEqual(['info', 'trace', 'info']);
    expect(() => kind.parse('verbos', 'L')).toThrow(`L: must be 'info', 'trace' or 'log', got 'verbos'`);
    expect(() => kind.parse('toString', 'L')).toThrow(ConfigError);
    expect(kind.accepts).toBe('`info`, `trace` (also `log` = `info`)');
  });

  it('matching refuses with its own words', () => {
    const kind = matching(/^[^:]+:\d+$/, '`host:port`', 'must be host:port');
    expect(kind.parse('a:1', 'J')).toBe('a:1');
    expect(() => kind.parse('nowhere', 'J')).toThrow(`J: must be host:port, got 'nowhere'`);
  });
});
