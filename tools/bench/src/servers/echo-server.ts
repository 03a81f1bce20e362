// The ceiling: a bare uWebSockets.js server that sends every text frame straight back, on
// /ws and /, with the gateway's transport settings (no compression, automatic pings).
// The loadgen's `echo` protocol drives it with the same transport and chat tokens as the
// game, so a chat round trip is measured the same way. Env: PORT (9001), HOST (127.0.0.1).
import uWS from 'uWebSockets.js';

if (!String(uWS.App).includes('native code')) {
  process.stderr.write('echo-server: uWebSockets.js fell back to its JS implementation; the ceiling would be wrong\n');
  process.exit(1);
}
const port = Number(process.env.PORT || 9001);
const host = process.env.HOST || '127.0.0.1';
const behavior: uWS.WebSocketBehavior<unknown> = {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 1024 * 1024,
  idleTimeout: 15,
  sendPingsAutomatically: true,
  message: (ws, message, isBinary) => {
    ws.send(message, isBinary);
  },
};
const app = uWS.App();
app.ws('/ws', behavior);
app.ws('/*', behavior);
app.listen(host, port, (socket) => {
  if (!socket) {
    process.stderr.write(`echo-server: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ msg: 'echo server listening', host, port: uWS.us_socket_local_port(socket) }) + '\n');
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
