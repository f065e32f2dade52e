/**
 * The chat node's web face against a real built chat node (docs/reference/chat-protocol.md): the `/chat` WebSocket gateway
 * shares rooms with the TCP line protocol (exact frames on one side, exact bytes on the other), bad
 * frames are answered with error frames and change nothing, a slow WebSocket reader is dropped, and
 * the page at `/` works in a real headless Chromium. Build first: `npx nx run-many -t build -p api cli chat`.
 */
import { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { ChatClients, chatLines, utf8Bytes } from './support/chat-client';
import { NodeProcess, TestCluster, until } from './support/cluster';
import { WsChatClients } from './support/ws-chat-client';
import { upgrade } from './support/ws-upgrade';

describe('chat web face: the /chat WebSocket gateway and the page at / on a real chat node', () => {
  const cluster = new TestCluster();
  const tcp = new ChatClients();
  const ws = new WsChatClients();
  let node: NodeProcess;
  let chatPort: number;
  let wsUrl: string;

  beforeAll(async () => {
    node = await cluster.started('chatweb1', { app: 'chat' });
    chatPort = Number(node.spec.env['CHAT_PORT']);
    wsUrl = `ws://127.0.0.1:${node.spec.httpPort}/chat`;
  });

  afterEach(() => {
    tcp.destroyAll();
    ws.terminateAll();
  });

  afterAll(async () => {
    await cluster.stopAll();
  });

  /** The node still serves HTTP, TCP and WebSocket clients. */
  async function expectHealthy(): Promise<void> {
    expect((await fetch(`${node.http}/health`)).status).toBe(200);
    const probe = await tcp.named(chatPort, 'Probe');
    probe.send('who Nowhere');
    await probe.expect('Nowhere: no members\n> ');
    const wsProbe = await ws.named(wsUrl, 'WsProbe');
    wsProbe.send('who', { room: 'Nowhere' });
    await wsProbe.expectLines(['Nowhere: no members']);
  }

  it('a WebSocket client and a TCP client in one room see each other: exact frames, exact bytes, UTF-8 both ways', async () => {
    const bob = await tcp.named(chatPort, 'Bob');
    bob.send('join CoolRoom');
    await bob.expect(chatLines.joined('CoolRoom') + chatLines.hasJoined('CoolRoom', 'Bob'));

    const alex = await ws.connect(wsUrl, 'Alex');
    alex.send('join', { room: 'CoolRoom' });
    await alex.expectLines(['must set a name before joining/chatting']);
    alex.send('set-name', { name: 'Alex' });
    await alex.expectLines(['ok your name is Alex']);
    alex.send('join', { room: 'CoolRoom' });
    await alex.expectLines(["joined CoolRoom! 'say CoolRoom <message>' to chat", '* Alex has joined CoolRoom']);
    await bob.expect(chatLines.hasJoined('CoolRoom', 'Alex'));

    alex.send('say', { room: 'CoolRoom', text: 'HI!' });
    await alex.expectLines(['CoolRoom - Alex: HI!']);
    await bob.expect(chatLines.message('CoolRoom', 'Alex', 'HI!'));

    alex.send('say', { room: 'CoolRoom', text: ' héllo  ✓ 🐝\t' });
    await alex.expectLines(['CoolRoom - Alex:  héllo  ✓ 🐝\t']);
    await bob.expect(utf8Bytes(chatLines.message('CoolRoom', 'Alex', ' héllo  ✓ 🐝\t')));

    bob.send(utf8Bytes('say CoolRoom ça va? ✓'));
    await bob.expect(utf8Bytes(chatLines.message('CoolRoom', 'Bob', 'ça va? ✓')));
    await alex.expectLines(['CoolRoom - Bob: ça va? ✓']);

    alex.send('who', { room: 'CoolRoom' });
    await alex.expectLines(['CoolRoom: Alex, Bob']);

    // a later joiner gets the history as lines, its blank line included
    const cara = await ws.named(wsUrl, 'Cara');
    cara.send('join', { room: 'CoolRoom' });
    await cara.expectLines([
      "joined CoolRoom! 'say CoolRoom <message>' to chat",
      'the most recent messages are:',
      '',
      'CoolRoom - Alex: HI!',
      'CoolRoom - Alex:  héllo  ✓ 🐝\t',
      'CoolRoom - Bob: ça va? ✓',
      '* Cara has joined CoolRoom',
    ]);
    await alex.expectLines(['* Cara has joined CoolRoom']);
    await bob.expect(chatLines.hasJoined('CoolRoom', 'Cara'));

    alex.send('leave', { room: 'CoolRoom' });
    await alex.expectLines(['left CoolRoom']);
    await bob.expect(chatLines.hasLeft('CoolRoom', 'Alex'));
    await cara.expectLines(['* Alex has left CoolRoom']);

    bob.send('say CoolRoom missed you');
    await bob.expect(chatLines.message('CoolRoom', 'Bob', 'missed you'));
    await cara.expectLines(['CoolRoom - Bob: missed you']);
    alex.send('show-unread', { room: 'CoolRoom' });
    await alex.expectLines(['You missed the following messages:', '    Bob: missed you']);

    alex.send('rooms');
    const [rooms] = await alex.next(1);
    expect(rooms).toEqual({ event: 'line', data: expect.stringMatching(/^rooms: (.+, )?CoolRoom(, .+)?$/) });
    alex.send('help');
    const help = await alex.next(9);
    expect(help.map((f) => f.event)).toEqual(Array(9).fill('line'));
    expect(help[0].data).toMatch(/^set-name <name>/);
  });

  it('answers bad frames with error frames; nothing changes; a huge frame closes only that socket; the node stays healthy', async () => {
    const bob = await tcp.named(chatPort, 'Bob');
    bob.send('join ErrRoom');
    await bob.expect(chatLines.joined('ErrRoom') + chatLines.hasJoined('ErrRoom', 'Bob'));
    const alex = await ws.named(wsUrl, 'Alex');
    alex.send('join', { room: 'ErrRoom' });
    await alex.expectLines(["joined ErrRoom! 'say ErrRoom <message>' to chat", '* Alex has joined ErrRoom']);
    await bob.expect(chatLines.hasJoined('ErrRoom', 'Alex'));

    alex.sendRaw('say ErrRoom not json');
    await alex.expectError('bad_frame');
    alex.sendRaw('[1,2]');
    await alex.expectError('bad_frame');
    alex.send('dance');
    await alex.expectError('unknown_event');
    alex.send('say', { room: 'ErrRoom' });
    await alex.expectError('bad_data');
    alex.send('say', { room: 'ErrRoom', text: 42 });
    await alex.expectError('bad_data');
    alex.send('say', { room: 'ErrRoom', text: 'one\nleave ErrRoom' });
    await alex.expectError('bad_data');
    alex.send('set-name', { name: 'Mallory\r' });
    await alex.expectError('bad_data');
    alex.send('say', { room: 'Err Room', text: 'x' });
    await alex.expectError('bad_data');
    alex.send('say', { room: 'ErrRoom', text: 'x'.repeat(70 * 1024) });
    await alex.expectError('frame_too_large');
    // a too-long line is the protocol's answer, as over TCP
    alex.send('say', { room: 'ErrRoom', text: 'x'.repeat(9000) });
    await alex.expectLines(['line too long (max 8192 bytes)']);
    // an invalid name is the interpreter's answer
    alex.send('set-name', { name: 'no spaces' });
    await alex.expectLines(['invalid name: a name is 1 to 32 of A-Z a-z 0-9 _ -']);

    alex.send('who', { room: 'ErrRoom' });
    await alex.expectLines(['ErrRoom: Alex, Bob']);
    await bob.expectNothing();

    // over the socket's payload cap: ws closes that connection (1009); its member leaves
    const huge = await ws.named(wsUrl, 'Huge');
    huge.send('join', { room: 'ErrRoom' });
    await huge.expectLines(["joined ErrRoom! 'say ErrRoom <message>' to chat", '* Huge has joined ErrRoom']);
    await bob.expect(chatLines.hasJoined('ErrRoom', 'Huge'));
    await alex.expectLines(['* Huge has joined ErrRoom']);
    huge.sendRaw(Buffer.alloc(2 * 1024 * 1024, 0x20));
    // 1009 (message too big); 1006 when the close frame is lost to the reset of the unread payload
    expect([1006, 1009]).toContain(await huge.expectClosed());
    await bob.expect(chatLines.hasLeft('ErrRoom', 'Huge'));
    await alex.expectLines(['* Huge has left ErrRoom']);

    await expectHealthy();
  });

  it('refuses a /chat upgrade from a foreign Origin or for a foreign Host, as every WebSocket of a node', async () => {
    expect(await upgrade(node, '/chat', { origin: 'http://evil.example' })).toEqual({ status: 403, body: { error: { code: 'forbidden_origin', message: expect.stringContaining("'http://evil.example'") } } });
    expect((await upgrade(node, '/chat', { host: 'evil.example' })).status).toBe(421);
    expect((await upgrade(node, '/chat', { origin: `http://127.0.0.1:${node.spec.httpPort}` })).status).toBe(101);
    expect((await upgrade(node, '/chat', {})).status).toBe(101);
  });

  it('quit says bye and closes; a closed socket leaves its rooms', async () => {
    const bob = await tcp.named(chatPort, 'Bob');
    bob.send('join ByeRoom');
    await bob.expect(chatLines.joined('ByeRoom') + chatLines.hasJoined('ByeRoom', 'Bob'));

    const alex = await ws.named(wsUrl, 'Alex');
    alex.send('join', { room: 'ByeRoom' });
    await alex.next(2);
    await bob.expect(chatLines.hasJoined('ByeRoom', 'Alex'));
    alex.send('quit');
    await alex.expectLines(['bye']);
    expect(await alex.expectClosed()).toBe(1000);
    await bob.expect(chatLines.hasLeft('ByeRoom', 'Alex'));

    const cara = await ws.named(wsUrl, 'Cara');
    cara.send('join', { room: 'ByeRoom' });
    await cara.next(2);
    await bob.expect(chatLines.hasJoined('ByeRoom', 'Cara'));
    cara.close();
    await bob.expect(chatLines.hasLeft('ByeRoom', 'Cara'));
    bob.send('who ByeRoom');
    await bob.expect(chatLines.who('ByeRoom', ['Bob']));
  });

  it('drops a WebSocket reader that stops reading, and keeps serving the others', async () => {
    const slow = await ws.named(wsUrl, 'Slow');
    slow.send('join', { room: 'SlowRoom' });
    await slow.next(2);
    slow.ws.pause();

    const bob = await tcp.named(chatPort, 'Bob');
    const text = 'y'.repeat(8000);
    await until(
      'the slow reader to be dropped',
      async () => {
        for (let i = 0; i < 50; i++) bob.send(`say SlowRoom ${text}`);
        bob.send('who SlowRoom');
        const answer = await bob.expectAny([chatLines.who('SlowRoom', ['Slow']), 'SlowRoom: no members\n> '], 20000);
        return answer === 'SlowRoom: no members\n> ';
      },
      60000,
    );
    expect(node.log()).toMatch(/ws-\d+: disconnected, reader too slow/);
    await expectHealthy();
  });

  it('serves the page at / as one self-contained HTML document', async () => {
    const res = await fetch(`${node.http}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    for (const id of ['name', 'set-name', 'room', 'join', 'text', 'say', 'log']) expect(html).toContain(`id="${id}"`);
  });

  describe('in a real headless Chromium', () => {
    let browser: Browser | undefined;

    afterEach(async () => {
      await browser?.close();
      browser = undefined;
    });

    /** the page's document, as far as the check below uses it (this project has no DOM typings) */
    type LogDocument = { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };

    /** Wait until the page's log shows exactly this line (the check runs in the page; the page's CSP forbids string eval). */
    const logShows = (page: Page, line: string) =>
      page.waitForFunction(
        (l) => [...(globalThis as unknown as { document: LogDocument }).document.querySelectorAll('#log .line')].some((e) => e.textContent === l),
        line,
        { timeout: 10000 },
      );

    it('sets a name, joins a room and says something; a TCP client in the room sees it, and the page shows what the TCP client says', async () => {
      const tom = await tcp.named(chatPort, 'Tom');
      tom.send('join WebRoom');
      await tom.expect(chatLines.joined('WebRoom') + chatLines.hasJoined('WebRoom', 'Tom'));

      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(`${node.http}/`);
      await page.waitForSelector('body[data-state="open"]', { timeout: 10000 });
      await logShows(page, "connected! 'set-name <name>' and 'join <chat name>' to get started");

      await page.fill('#name', 'Wendy');
      await page.click('#set-name');
      await logShows(page, 'ok your name is Wendy');
      await page.fill('#room', 'WebRoom');
      await page.click('#join');
      await logShows(page, '* Wendy has joined WebRoom');
      await tom.expect(chatLines.hasJoined('WebRoom', 'Wendy'));

      await page.fill('#text', 'hello from the browser ✓');
      await page.click('#say');
      await tom.expect(utf8Bytes(chatLines.message('WebRoom', 'Wendy', 'hello from the browser ✓')));
      await logShows(page, 'WebRoom - Wendy: hello from the browser ✓');
      expect(await page.inputValue('#text')).toBe('');

      tom.send(utf8Bytes('say WebRoom hi Wendy, ça va? <b>not bold</b>'));
      await tom.expect(utf8Bytes(chatLines.message('WebRoom', 'Tom', 'hi Wendy, ça va? <b>not bold</b>')));
      await logShows(page, 'WebRoom - Tom: hi Wendy, ça va? <b>not bold</b>');
      expect(await page.locator('#log b').count()).toBe(0);

      expect(await page.locator('#log .line').allTextContents()).toEqual([
        "connected! 'set-name <name>' and 'join <chat name>' to get started",
        'ok your name is Wendy',
        "joined WebRoom! 'say WebRoom <message>' to chat",
        '* Wendy has joined WebRoom',
        'WebRoom - Wendy: hello from the browser ✓',
        'WebRoom - Tom: hi Wendy, ça va? <b>not bold</b>',
      ]);

      await browser.close();
      browser = undefined;
      await tom.expect(chatLines.hasLeft('WebRoom', 'Wendy'));
    });
  });
});
