/**
 * The browser chat page served at `/` (docs/reference/chat-protocol.md#the-browser-page): one self-contained document — inline CSS and JS,
 * nothing fetched from elsewhere, no build step — that speaks the gateway's JSON frames over
 * `ws(s)://<location.host>/chat` and shows every `line` frame as a line of the log.
 *
 * Stable hooks (the browser e2e test relies on them): `#status` (`connecting…`, `connected`,
 * `disconnected`, also `body[data-state]`), `#name` + `#set-name`, `#room` + `#join` / `#leave` /
 * `#who` / `#unread` / `#rooms`, `#text` + `#say` (says to the room in `#room`), `#log` with one
 * `.line` element per `line` frame and one `.error` element per `error` frame.
 */

/** Served with this policy: the page may only talk to WebSocket endpoints and load nothing. */
export const CHAT_PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'";

export const CHAT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zap chat</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 52rem; padding: 1rem; display: flex; flex-direction: column; gap: .6rem; height: 100vh; box-sizing: border-box; }
  header { display: flex; align-items: baseline; gap: 1rem; }
  h1 { font-size: 1.3rem; margin: 0; }
  #status { font-size: .9rem; opacity: .75; }
  body[data-state="open"] #status { color: #2a8a3a; opacity: 1; }
  body[data-state="closed"] #status { color: #c0392b; opacity: 1; }
  form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: 0; }
  label { min-width: 4.5rem; font-weight: 600; }
  input { flex: 1 1 12rem; padding: .35rem .5rem; font: inherit; }
  button { padding: .35rem .8rem; font: inherit; cursor: pointer; }
  #log { flex: 1; overflow-y: auto; border: 1px solid #8884; border-radius: 4px; padding: .5rem; font-family: ui-monospace, monospace; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  #log .error { color: #c0392b; }
</style>
</head>
<body data-state="connecting">
<header><h1>Zap chat</h1><span id="status" role="status">connecting…</span></header>
<form id="name-form">
  <label for="name">Name</label><input id="name" name="name" autocomplete="nickname" placeholder="Alex">
  <button id="set-name" type="submit">Set name</button>
</form>
<form id="room-form">
  <label for="room">Room</label><input id="room" name="room" autocomplete="off" placeholder="CoolRoom">
  <button id="join" type="submit">Join</button>
  <button id="leave" type="button">Leave</button>
  <button id="who" type="button">Who</button>
  <button id="unread" type="button">Unread</button>
  <button id="rooms" type="button">Rooms</button>
</form>
<form id="say-form">
  <label for="text">Message</label><input id="text" name="text" autocomplete="off" placeholder="say something to the room">
  <button id="say" type="submit">Say</button>
</form>
<div id="log" role="log" aria-live="polite" aria-label="chat log"></div>
<script>
(function () {
  'use strict';
  var log = document.getElementById('log');
  var status = document.getElementById('status');
  var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat');

  function byId(id) { return document.getElementById(id); }
  function show(text, kind) {
    var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    var row = document.createElement('div');
    row.className = kind;
    row.textContent = text;
    log.appendChild(row);
    if (atEnd) log.scrollTop = log.scrollHeight;
  }
  function state(name, text) { document.body.dataset.state = name; status.textContent = text; }
  function send(event, data) {
    if (ws.readyState !== WebSocket.OPEN) return show('not connected', 'error');
    ws.send(JSON.stringify(data === undefined ? { event: event } : { event: event, data: data }));
  }
  function onSubmit(id, handler) { byId(id).addEventListener('submit', function (e) { e.preventDefault(); handler(); }); }
  function onClick(id, handler) { byId(id).addEventListener('click', handler); }
  function room() { return byId('room').value; }

  ws.addEventListener('open', function () { state('open', 'connected'); });
  ws.addEventListener('close', function () { state('closed', 'disconnected'); });
  ws.addEventListener('message', function (m) {
    var frame;
    try { frame = JSON.parse(m.data); } catch (err) { return; }
    if (frame.event === 'line') show(frame.data, 'line');
    else if (frame.event === 'error') show('error ' + frame.data.code + ': ' + frame.data.message, 'error');
  });

  onSubmit('name-form', function () { send('set-name', { name: byId('name').value }); });
  onSubmit('room-form', function () { send('join', { room: room() }); });
  onClick('leave', function () { send('leave', { room: room() }); });
  onClick('who', function () { send('who', { room: room() }); });
  onClick('unread', function () { send('show-unread', { room: room() }); });
  onClick('rooms', function () { send('rooms'); });
  onSubmit('say-form', function () {
    var text = byId('text');
    send('say', { room: room(), text: text.value });
    text.value = '';
    text.focus();
  });
})();
</script>
</body>
</html>
`;
